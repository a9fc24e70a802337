"""The referral page: what was written on it, honest progress, and only the actions that fit now.

Progress (referrals.progress) for every state of the lifecycle, built with factories on the real
database and read through the page itself; what the GP wrote (ICPC codes, history, medication,
the activity check) and the letters back to the GP as text, for the GP and for the therapist the
referral was sent to, not for one it was not.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from referrals import progress, readiness
from referrals.icpc import icpc_entry
from referrals.models import FollowUp, Referral, Status
from referrals.selectors import referral_page_for_user
from therapy.models import TherapyLetter

from .factories import (
    FitnessCheckFactory,
    IntakeFactory,
    PatientFactory,
    ReferralDocumentFactory,
    ReferralFactory,
    TherapyLetterFactory,
    TherapySessionFactory,
)

pytestmark = pytest.mark.django_db

ALL_NO = {q.key: False for q in (*readiness.GENERAL, *readiness.DELAY)}


def make(gp, therapist, status: str, *, check: dict | None = ALL_NO, **fields) -> Referral:
    """A referral of `gp`'s practice in `status`, with the timestamps that status has had."""
    now = timezone.now()
    stamps = {
        Status.ACCEPTED: ("accepted_at",),
        Status.INTAKE_DONE: ("accepted_at", "intake_done_at"),
        Status.NOT_CLEARED: ("accepted_at", "intake_done_at", "not_cleared_at"),
        Status.IN_THERAPY: ("accepted_at", "intake_done_at", "therapy_started_at"),
        Status.COMPLETED: ("accepted_at", "intake_done_at", "therapy_started_at", "completed_at"),
        Status.STOPPED: ("accepted_at", "intake_done_at", "therapy_started_at", "stopped_at"),
        Status.FOLLOWED_UP: (
            "accepted_at",
            "intake_done_at",
            "therapy_started_at",
            "completed_at",
            "followed_up_at",
        ),
        Status.DECLINED: ("declined_at",),
    }
    values = dict.fromkeys(stamps.get(status, ()), now) | fields
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=status,
        **values,
    )
    if check is not None:
        FitnessCheckFactory(referral=referral, answers=check)
    return referral


def states(referral: Referral, user) -> dict[str, str]:
    page = referral_page_for_user(user, referral.pk)
    return {step["key"]: step["state"] for step in progress.progress_steps(page)}


def page_of(client_for, user, referral: Referral):
    response = client_for(user).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 200
    return response


# --- Progress, state by state ----------------------------------------------------------------


D, C, B, T = progress.DONE, progress.CURRENT, progress.BLOCKED, progress.TODO
S = progress.STOPPED
ORDER = ("fitness", "letter", "sent", "intake", "therapy", "follow_up")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.SENT, (D, D, D, C, T, T)),
        (Status.ACCEPTED, (D, D, D, C, T, T)),
        (Status.INTAKE_DONE, (D, D, D, D, C, T)),
        # Therapy is ticked when it has ended, not when it starts.
        (Status.IN_THERAPY, (D, D, D, D, C, T)),
        (Status.COMPLETED, (D, D, D, D, D, C)),
        (Status.STOPPED, (D, D, D, D, S, C)),
        (Status.FOLLOWED_UP, (D, D, D, D, D, D)),
        # A decline stops at "sent": the next step is another therapist, not the intake.
        (Status.DECLINED, (D, D, B, T, T, T)),
        (Status.NOT_CLEARED, (D, D, D, D, B, T)),
    ],
)
def test_progress_follows_the_lifecycle(gp, therapist, status, expected):
    referral = make(gp, therapist, status)
    assert states(referral, gp) == dict(zip(ORDER, expected, strict=True))


def test_a_draft_with_everything_filled_in_waits_for_sending(gp, therapist):
    referral = make(gp, therapist, Status.DRAFT)
    assert states(referral, gp) == dict(zip(ORDER, (D, D, C, T, T, T), strict=True))


def test_a_draft_without_an_activity_check_starts_there(gp, therapist):
    referral = make(gp, therapist, Status.DRAFT, check=None)
    assert states(referral, gp)["fitness"] == C
    assert progress.next_step(referral_page_for_user(gp, referral.pk), role="gp") == gettext(
        "Next step: do the activity check."
    )


@pytest.mark.parametrize(
    ("answers", "evaluation", "ticked"),
    [
        ({**ALL_NO, "q2": True}, "", False),  # chest pain: a hard stop without an evaluation
        ({**ALL_NO, "q2": True}, "not_cleared", False),
        ({**ALL_NO, "pregnant": True}, "", False),  # wait
        ({**ALL_NO, "q2": True}, "cleared", True),
        ({**ALL_NO, "q2": True}, "cleared_with_limits", True),
        (ALL_NO, "", True),
    ],
)
def test_the_activity_check_is_ticked_only_when_its_outcome_lets_the_referral_go(
    gp, therapist, answers, evaluation, ticked
):
    referral = make(gp, therapist, Status.DRAFT, check=None)
    FitnessCheckFactory(referral=referral, answers=answers, evaluation=evaluation)
    assert (states(referral, gp)["fitness"] == D) is ticked
    if not ticked:
        sentence = progress.next_step(referral_page_for_user(gp, referral.pk), role="gp")
        check = referral_page_for_user(gp, referral.pk).fitness_check
        assert sentence == gettext("Next step: resolve the activity check (%(outcome)s).") % {
            "outcome": check.outcome_label
        }


def test_an_old_version_check_stands_for_a_sent_referral_but_not_for_a_re_send(gp, therapist):
    sent = make(gp, therapist, Status.IN_THERAPY, check=None)
    FitnessCheckFactory(referral=sent, version=readiness.LEGACY_VERSION, answers={"q1": False})
    declined = make(gp, therapist, Status.DECLINED, check=None)
    FitnessCheckFactory(referral=declined, version=readiness.LEGACY_VERSION, answers={"q1": False})
    assert states(sent, gp)["fitness"] == D
    assert states(declined, gp)["fitness"] != D


@pytest.mark.parametrize(
    ("status", "where"),
    [(Status.SENT, "intake"), (Status.ACCEPTED, "intake"), (Status.IN_THERAPY, "therapy")],
)
def test_a_cancelled_referral_is_marked_where_it_stopped_with_nothing_next(
    gp, therapist, status, where
):
    now = timezone.now()
    stamps = {"intake_done_at": now, "therapy_started_at": now} if where == "therapy" else {}
    referral = make(gp, therapist, Status.CANCELLED, cancelled_at=now, **stamps)
    steps = states(referral, gp)
    assert steps[where] == B
    assert C not in steps.values()


def test_a_stopped_therapy_is_shown_stopped_not_ticked_and_says_it_stopped_early(gp, therapist):
    referral = make(gp, therapist, Status.STOPPED)
    therapy = next(
        s
        for s in progress.progress_steps(referral_page_for_user(gp, referral.pk))
        if s["key"] == "therapy"
    )
    assert therapy["state"] == S
    assert therapy["note"] == gettext("stopped early")


@pytest.mark.parametrize(
    ("status", "key", "note"),
    [(Status.SENT, "intake", "not yet accepted"), (Status.IN_THERAPY, "therapy", "running")],
)
def test_the_current_step_says_what_it_waits_on(gp, therapist, status, key, note):
    referral = make(gp, therapist, status)
    steps = progress.progress_steps(referral_page_for_user(gp, referral.pk))
    current = next(s for s in steps if s["state"] == C)
    assert (current["key"], current["note"]) == (key, gettext(note))


def test_a_follow_up_held_while_the_therapy_runs_is_ticked(gp, therapist):
    referral = make(gp, therapist, Status.IN_THERAPY)
    FollowUp.objects.create(
        referral=referral,
        date=timezone.localdate(),
        wellbeing=FollowUp.Wellbeing.BETTER,
        antidepressant=FollowUp.Antidepressant.NEVER,
        work_status=FollowUp.Work.WORKING,
        still_running=FollowUp.Running.YES,
        recorded_by=gp,
    )
    steps = states(referral, gp)
    assert steps["follow_up"] == D
    assert steps["therapy"] == C


# --- The page: progress and next steps as people see them ------------------------------------


def test_a_declined_referral_tells_the_gp_to_choose_another_therapist(gp, therapist, client_for):
    referral = make(gp, therapist, Status.DECLINED, decline_reason="Vol.")
    html = page_of(client_for, gp, referral).content.decode()
    assert gettext("The therapist declined: choose another therapist and send again.") in html
    assert 'class="blocked" data-step="sent"' in html
    assert "aria-current" not in html.split('data-step="sent"')[1].split("</ol>")[0]


@pytest.mark.parametrize(
    ("status", "gp_sentence", "therapist_sentence"),
    [
        (
            Status.SENT,
            "Next step: the therapist accepts or declines the referral.",
            "Next step: accept or decline the referral.",
        ),
        (
            Status.ACCEPTED,
            "Next step: the therapist holds the intake.",
            "Next step: hold and record the intake.",
        ),
        (
            Status.INTAKE_DONE,
            "Next step: the therapist does the sports-medical screening.",
            "Next step: record the sports-medical screening.",
        ),
        (
            Status.COMPLETED,
            "Next step: hold the three-month follow-up.",
            "The therapy has ended. The GP holds the follow-up.",
        ),
    ],
)
def test_the_next_step_says_who_does_what(
    gp, therapist, client_for, status, gp_sentence, therapist_sentence
):
    referral = make(gp, therapist, status)
    assert gettext(gp_sentence) in page_of(client_for, gp, referral).content.decode()
    assert gettext(therapist_sentence) in page_of(client_for, therapist, referral).content.decode()


def _actions(html: str) -> str:
    """The therapist's action card."""
    return html.split('id="therapist-actions"')[1].split("</section>")[0]


def test_in_therapy_logging_a_session_comes_first_and_closing_last(gp, therapist, client_for):
    referral = make(gp, therapist, Status.IN_THERAPY, therapy_start=timezone.localdate())
    TherapySessionFactory(referral=referral)
    card = _actions(page_of(client_for, therapist, referral).content.decode())
    add = reverse("therapy:session_add", args=[referral.pk])
    close = reverse("therapy:close", args=[referral.pk])
    assert card.index(add) < card.index(close)
    first_button = card.split('class="btn ')[1]
    assert first_button.startswith("btn-primary") and add in first_button
    assert f'class="btn btn-outline-secondary therapy-close" href="{close}"' in card


def test_right_after_the_start_closing_is_not_offered_as_a_button(gp, therapist, client_for):
    referral = make(gp, therapist, Status.IN_THERAPY, therapy_start=timezone.localdate())
    card = _actions(page_of(client_for, therapist, referral).content.decode())
    close = reverse("therapy:close", args=[referral.pk])
    # Only the drop-out link in the small print; no button to end a therapy that just began.
    assert f'class="btn btn-outline-secondary therapy-close" href="{close}"' not in card
    assert f'<a class="therapy-close" href="{close}">' in card
    assert reverse("therapy:session_add", args=[referral.pk]) in card


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP])
def test_an_ended_or_closed_referral_offers_no_cancel(gp, therapist, client_for, status):
    referral = make(gp, therapist, status)
    html = page_of(client_for, gp, referral).content.decode()
    assert reverse("referrals:cancel", args=[referral.pk]) not in html


def test_an_open_referral_still_offers_the_cancel(gp, therapist, client_for):
    referral = make(gp, therapist, Status.ACCEPTED)
    html = page_of(client_for, gp, referral).content.decode()
    assert reverse("referrals:cancel", args=[referral.pk]) in html


# --- What was written -------------------------------------------------------------------------


def written(gp, therapist) -> Referral:
    referral = make(
        gp,
        therapist,
        Status.COMPLETED,
        complaint="P76",
        other_complaints=["P01", "P06"],
        complaint_notes="Somber sinds de zomer.",
        history="Burn-out in 2019, hersteld.",
        medication="Sertraline 50 mg 1 dd",
        therapy_start=timezone.localdate() - timedelta(days=90),
        check=None,
    )
    FitnessCheckFactory(
        referral=referral, answers={**ALL_NO, "q2": True}, evaluation="cleared_with_limits"
    )
    IntakeFactory(referral=referral, date=timezone.localdate() - timedelta(days=91))
    TherapyLetterFactory(
        referral=referral, kind=TherapyLetter.Kind.INTAKE, summary="Gemotiveerd, start rustig."
    )
    TherapyLetterFactory(
        referral=referral,
        kind=TherapyLetter.Kind.END,
        summary="Loopt nu zelfstandig 3 x per week.",
        fitness_progress="Van 2 naar 30 minuten aaneengesloten.",
        runs_independently=TherapyLetter.Independence.YES,
        advice="Vraag bij de controle naar het hardlopen.",
    )
    for kind in ("intake_report", "end_report"):
        ReferralDocumentFactory(referral=referral, kind=kind)
    return referral


@pytest.mark.parametrize("persona", ["gp", "therapist"])
def test_the_gp_and_the_therapist_see_what_was_written(persona, gp, therapist, client_for):
    referral = written(gp, therapist)
    html = page_of(client_for, {"gp": gp, "therapist": therapist}[persona], referral)
    html = html.content.decode()
    for code in ("P76", "P01", "P06"):
        assert f"{code} {icpc_entry(code)['label']}" in html
    for text in ("Somber sinds de zomer.", "Burn-out in 2019, hersteld.", "Sertraline 50 mg 1 dd"):
        assert text in html
    # The activity check question by question, with the evaluation that cleared the hard stop.
    for question in readiness.GENERAL:
        assert escape(str(question.text)) in html
    assert gettext("Cleared with limits") in html
    # The letters back as text: the report after intake and the end report, in that order.
    letters = html.split('id="letters-back"')[1].split("</section>")[0]
    assert letters.index("Gemotiveerd, start rustig.") < letters.index(
        "Loopt nu zelfstandig 3 x per week."
    )
    for text in (
        "Van 2 naar 30 minuten aaneengesloten.",
        "Vraag bij de controle naar het hardlopen.",
        gettext("Completed"),
        str(TherapyLetter.Independence.YES.label),
    ):
        assert text in letters
    sent = TherapyLetter.objects.get(referral=referral, kind=TherapyLetter.Kind.END).sent_at
    when = date_format(timezone.localtime(sent), "SHORT_DATETIME_FORMAT")
    assert f"{when} · {therapist.get_full_name()}" in letters


def test_a_letter_back_escapes_what_the_therapist_typed(gp, therapist, client_for):
    referral = make(gp, therapist, Status.IN_THERAPY)
    TherapyLetterFactory(referral=referral, summary="<script>alert(1)</script>")
    html = page_of(client_for, gp, referral).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_letters_back_no_section(gp, therapist, client_for):
    referral = make(gp, therapist, Status.IN_THERAPY)
    assert 'id="letters-back"' not in page_of(client_for, gp, referral).content.decode()


def test_a_therapist_it_was_not_sent_to_sees_none_of_it(gp, therapist, therapist_other, client_for):
    referral = written(gp, therapist)
    response = client_for(therapist_other).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 404


def test_a_therapist_who_declined_no_longer_sees_it(gp, therapist, client_for):
    referral = make(gp, therapist, Status.DECLINED, history="Geheim verleden.")
    response = client_for(therapist).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 404
