"""The activity check (beweegcheck, based on the PAR-Q+): its rules, its form, sending, and
what the therapist is shown. Each rule through the GP's own pages against the database."""

import datetime
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import gettext
from pypdf import PdfReader

from referrals import readiness
from referrals.fitness_form import MSG_FOLLOW_UP, MSG_SUB, MSG_WHICH
from referrals.models import FitnessCheck, Referral, ReferralDocument, Status
from tests.factories import FitnessCheckFactory, ReferralFactory

ALL_NO = {q.key: "False" for q in (*readiness.GENERAL, *readiness.DELAY)}
CONDITIONS_NO = {c.key: "False" for c in readiness.FOLLOW_UPS}
#: Q4 and Q5 "yes" for a depression that is well controlled: follow-up 6 "yes", 6a and 6b "no".
WELL_CONTROLLED_DEPRESSION = {
    **ALL_NO,
    **CONDITIONS_NO,
    "q4": "True",
    "q5": "True",
    "f6": "True",
    "f6a": "False",
    "f6b": "False",
}


def nl(message) -> str:
    """An app text as a Dutch user reads it (a lazy text or a msgid)."""
    with translation.override("nl"):
        return str(message) if isinstance(message, Promise) else gettext(message)


def url(name: str, referral: Referral) -> str:
    return reverse(f"referrals:{name}", args=[referral.pk])


@pytest.fixture
def draft(gp, therapist) -> Referral:
    """A complete draft with its therapist chosen, still without an activity check."""
    return ReferralFactory(
        patient__practice=gp.practice,
        gp=gp,
        therapist=therapist.therapist,
        uses_antidepressant=True,
    )


def check_and_send(client, referral, answers: dict):
    """Save the activity check through the GP's form, then try to send."""
    saved = client.post(url("fitness", referral), answers)
    assert saved.status_code == 302, saved.context["form"].errors
    return client.post(url("send", referral))


def problems_nl(referral: Referral) -> list[str]:
    from referrals import services

    with translation.override("nl"):
        return [str(p) for p in services.send_problems(referral)]


# --- The rules, pure ----------------------------------------------------------------------


def answers(**yes) -> dict:
    base = {q.key: False for q in (*readiness.GENERAL, *readiness.DELAY)}
    return base | yes


@pytest.mark.parametrize(
    ("given", "evaluation", "expected"),
    [
        (answers(), "", readiness.CLEARED),
        (answers(q4=True, q5=True, f6=True, f6a=False, f6b=False), "", readiness.CLEARED),
        (answers(q1=True, f4=True, f4a=False, f4b=False), "", readiness.CLEARED),
        (answers(q2=True), "", readiness.NEEDS_EVALUATION),
        (answers(q3=True), "", readiness.NEEDS_EVALUATION),
        (answers(q7=True), "", readiness.NEEDS_EVALUATION),
        # The follow-up says the depression is hard to control: a hard stop.
        (answers(q4=True, q5=True, f6=True, f6a=True, f6b=False), "", readiness.NEEDS_EVALUATION),
        (answers(q1=True, f4=True, f4a=False, f4b=True), "", readiness.NEEDS_EVALUATION),
        (answers(q4=True, f5=True, f5a=True), "", readiness.NEEDS_EVALUATION),
        (answers(q1=True, f3=True, f3c=True), "", readiness.NEEDS_EVALUATION),
        (answers(q2=True), "cleared", readiness.CLEARED_AFTER_EVALUATION),
        (answers(q2=True), "cleared_with_limits", readiness.CLEARED_AFTER_EVALUATION),
        (answers(q2=True), "not_cleared", readiness.NOT_CLEARED),
        (answers(pregnant=True), "", readiness.WAIT),
        (answers(acute_illness=True), "", readiness.WAIT),
        # Waiting goes first: an evaluation does not make a pregnancy pass.
        (answers(q2=True, pregnant=True), "cleared", readiness.WAIT),
    ],
)
def test_outcome(given, evaluation, expected):
    assert readiness.outcome(version=readiness.VERSION, answers=given, evaluation=evaluation) == (
        expected
    )


def test_a_sub_question_under_a_condition_answered_no_is_not_a_hard_stop():
    # f6a "yes" counts only when the GP said the patient has condition 6.
    given = answers(q4=True, f6=False, f6a=True)
    assert readiness.hard_stops(given) == []


def test_an_old_check_is_never_sendable():
    legacy = {f"q{n}": False for n in range(1, 8)}
    assert readiness.outcome(version=readiness.LEGACY_VERSION, answers=legacy) == (
        readiness.OLD_VERSION
    )


def test_the_source_and_version_are_named():
    assert readiness.VERSION == "parq-plus-2023"
    assert "PAR-Q+ 2023" in readiness.SOURCE
    with translation.override("en"):
        assert "over-breathing" in str(readiness.GENERAL[2].qualifier)
        assert "does not limit" in str(readiness.GENERAL[5].qualifier)
    assert [q.key for q in readiness.GENERAL if q.hard_stop] == ["q2", "q3", "q7"]


# --- Sending ----------------------------------------------------------------------------------


def test_a_yes_on_q2_with_a_note_and_no_evaluation_cannot_be_sent(gp, draft, client_for):
    client = client_for(gp)
    response = check_and_send(
        client,
        draft,
        {**ALL_NO, **CONDITIONS_NO, "q2": "True", "notes": "Inspanningstest was goed."},
    )

    assert response.status_code == 200
    expected = nl(
        "Hard stop in the activity check (%(where)s): a note cannot clear it. Record a"
        " medical evaluation (by whom, date, outcome) that clears the patient."
    ) % {"where": nl("question %(n)s") % {"n": "2"}}
    assert escape(expected) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not ReferralDocument.objects.exists()


def test_a_yes_on_q2_with_a_recorded_evaluation_cleared_can_be_sent(gp, draft, client_for):
    response = check_and_send(
        client_for(gp),
        draft,
        {
            **ALL_NO,
            **CONDITIONS_NO,
            "q2": "True",
            "evaluated_by": "Dr. M. Hoekstra, cardioloog",
            "evaluated_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
            "evaluation": "cleared",
        },
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SENT
    check = draft.fitness_check
    assert (check.evaluated_by, check.evaluation) == ("Dr. M. Hoekstra, cardioloog", "cleared")
    assert check.outcome == readiness.CLEARED_AFTER_EVALUATION


def test_a_yes_on_q2_with_an_evaluation_not_cleared_cannot_be_sent(gp, draft, client_for):
    response = check_and_send(
        client_for(gp),
        draft,
        {
            **ALL_NO,
            **CONDITIONS_NO,
            "q7": "True",
            "evaluated_by": "Sportarts",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluation": "not_cleared",
        },
    )

    assert response.status_code == 200
    message = nl(
        "The medical evaluation did not clear the patient for running therapy: this"
        " referral cannot be sent."
    )
    assert escape(message) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_yes_on_q4_and_q5_for_a_well_controlled_depression_is_sent_without_a_note(
    gp, draft, client_for
):
    response = check_and_send(client_for(gp), draft, WELL_CONTROLLED_DEPRESSION)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SENT
    check = draft.fitness_check
    assert (check.notes, check.evaluation) == ("", "")
    assert check.answers["q4"] is check.answers["q5"] is check.answers["f6"] is True


def test_an_uncontrolled_depression_is_a_hard_stop(gp, draft, client_for):
    response = check_and_send(client_for(gp), draft, {**WELL_CONTROLLED_DEPRESSION, "f6a": "True"})

    assert response.status_code == 200
    where = nl("follow-up %(n)s") % {"n": "6a"}
    assert escape(where) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.mark.parametrize("reason", ["pregnant", "acute_illness"])
def test_pregnancy_or_acute_illness_means_wait(reason, gp, draft, client_for):
    response = check_and_send(client_for(gp), draft, {**ALL_NO, reason: "True"})

    assert response.status_code == 200
    # The wait names the answer the GP gave, not both (found in a try-out).
    named = {
        "pregnant": "the patient is pregnant",
        "acute_illness": "the patient has a temporary illness",
    }[reason]
    wait = nl(
        "The activity check says wait: %(reason)s. Send when this has resolved, and"
        " change the answer then."
    ) % {"reason": nl(named)}
    assert escape(wait) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.fitness_check.outcome == readiness.WAIT


def test_a_draft_with_an_old_version_check_must_redo_it(gp, draft):
    FitnessCheckFactory(referral=draft, version=readiness.LEGACY_VERSION)
    assert problems_nl(draft) == [
        nl("This fitness check is of the old version: do the activity check (PAR-Q+) again.")
    ]


# --- The form ---------------------------------------------------------------------------------


def test_a_yes_asks_every_follow_up_condition_and_saves_nothing(gp, draft, client_for):
    response = client_for(gp).post(url("fitness", draft), {**ALL_NO, "q4": "True"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {c.key for c in readiness.FOLLOW_UPS}
    assert errors["f6"] == [nl(MSG_FOLLOW_UP)]
    assert not FitnessCheck.objects.exists()


def test_a_condition_answered_yes_asks_its_sub_questions(gp, draft, client_for):
    data = {**WELL_CONTROLLED_DEPRESSION}
    del data["f6a"], data["f6b"]
    response = client_for(gp).post(url("fitness", draft), data)

    errors = response.context["form"].errors
    assert set(errors) == {"f6a", "f6b"}
    assert errors["f6a"] == [nl(MSG_SUB)]
    assert not FitnessCheck.objects.exists()


def test_a_condition_question_yes_needs_a_condition_named(gp, draft, client_for):
    response = client_for(gp).post(url("fitness", draft), {**ALL_NO, **CONDITIONS_NO, "q5": "True"})

    assert response.context["form"].errors == {"f10": [nl(MSG_WHICH)]}
    assert not FitnessCheck.objects.exists()


@pytest.mark.parametrize(
    ("evaluation", "fields"),
    [
        ({"evaluation": "cleared"}, {"evaluated_by", "evaluated_on"}),
        ({"evaluated_by": "Dr. X"}, {"evaluated_on", "evaluation"}),
        (
            {"evaluated_by": "Dr. X", "evaluated_on": "2999-01-01", "evaluation": "cleared"},
            {"evaluated_on"},
        ),
        (
            {
                "evaluated_by": "Dr. X",
                "evaluated_on": "2025-01-01",
                "evaluation": "cleared_with_limits",
            },
            {"evaluation_limits"},
        ),
        (
            {"evaluated_by": "Dr. X", "evaluated_on": "2025-01-01", "evaluation": "ok"},
            {"evaluation"},
        ),
    ],
)
def test_an_evaluation_is_whole_or_refused(evaluation, fields, gp, draft, client_for):
    data = {**ALL_NO, **CONDITIONS_NO, "q3": "True", **evaluation}
    response = client_for(gp).post(url("fitness", draft), data)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == fields
    assert not FitnessCheck.objects.exists()


def test_the_form_names_its_source_in_dutch(gp, draft, client_for):
    html = client_for(gp).get(url("fitness", draft)).content.decode()
    with translation.override("nl"):
        title = gettext("Activity check, based on the PAR-Q+")
        qualifier = str(readiness.GENERAL[2].qualifier)
    assert title == "Beweegcheck, gebaseerd op de PAR-Q+"
    assert escape(title) in html and escape(qualifier) in html
    assert "PAR-Q+ (2023, PAR-Q+ Collaboration)" in html


# --- What the therapist sees ------------------------------------------------------------------


def test_the_therapist_sees_the_answers_question_by_question(gp, therapist, draft, client_for):
    check_and_send(client_for(gp), draft, WELL_CONTROLLED_DEPRESSION)

    html = client_for(therapist).get(url("detail", draft)).content.decode()
    with translation.override("nl"):
        rows = draft.fitness_check.rows()
        texts = [escape(str(row["text"])) for row in rows]
        outcome = escape(gettext(str(readiness.OUTCOME_LABELS[readiness.CLEARED])))
    assert all(text in html for text in texts)
    assert outcome in html
    # 7 general, 10 conditions, 2 sub-questions of condition 6, pregnancy and illness.
    assert len(rows) == 21
    assert html.count("fitness-answers") >= 1


def test_the_letter_shows_the_hard_stop_and_the_evaluation(gp, draft, client_for):
    check_and_send(
        client_for(gp),
        draft,
        {
            **ALL_NO,
            **CONDITIONS_NO,
            "q3": "True",
            "evaluated_by": "Dr. M. Hoekstra, neuroloog",
            "evaluated_on": "2025-03-04",
            "evaluation": "cleared_with_limits",
            "evaluation_limits": "Niet alleen hardlopen.",
        },
    )
    letter = ReferralDocument.objects.get(referral=draft, kind="letter")
    text = " ".join(
        "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(bytes(letter.content))).pages
        ).split()
    )
    with translation.override("nl"):
        q3 = " ".join(str(readiness.GENERAL[2].text).split())
        labels = [gettext("Cleared with limits"), gettext("Yes")]
    assert f"{q3} {labels[1]}" in text
    assert labels[0] in text and "Dr. M. Hoekstra, neuroloog" in text and "04-03-2025" in text
    assert "Niet alleen hardlopen." in text


# --- The migration ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_old_checks_survive_the_migration_readably():
    # The people and the referral first: the migrations undone touch only the fitness checks.
    referral = ReferralFactory()
    executor = MigrationExecutor(connection)
    before = [("referrals", "0010_fitness_check_parq_plus")]
    executor.migrate(before)
    OldCheck = executor.loader.project_state(before).apps.get_model("referrals", "FitnessCheck")
    OldCheck.objects.create(
        referral_id=referral.pk,
        heart_condition=False,
        chest_pain=True,
        dizziness=False,
        chronic_condition=True,
        chronic_medication=False,
        bone_joint_problem=False,
        supervised_only=False,
        clearance_note="Cardioloog: geen bezwaar.",
        checked_by_id=referral.gp_id,
        checked_at=timezone.now(),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    check = FitnessCheck.objects.get(referral_id=referral.pk)
    assert check.version == readiness.LEGACY_VERSION
    assert check.answers == {
        "q1": False,
        "q2": True,
        "q3": False,
        "q4": True,
        "q5": False,
        "q6": False,
        "q7": False,
    }
    assert check.clearance_note == "Cardioloog: geen bezwaar."
    rows = check.rows()
    assert [row["text"] for row in rows] == [q.text for q in readiness.LEGACY]
    assert [row["answer"] for row in rows][:2] == ["no", "yes"]
    assert check.outcome == readiness.OLD_VERSION
