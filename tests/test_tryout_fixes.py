"""Defects a GP and a therapist found trying the application in Chromium, each read through
the page it showed on, on the real database."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from referrals import progress
from referrals.models import Status
from therapy import dose
from therapy.models import TherapyLetter

from .factories import (
    IntakeFactory,
    QuestionnaireResponseFactory,
    ReferralEventFactory,
    ReferralFactory,
    in_therapy_since,
)
from .test_referral_page import ALL_NO, make, states

pytestmark = pytest.mark.django_db

NEXT_STEP = (
    "Next step: refer the patient again once a medical evaluation has cleared them, or leave it;"
    " it leaves this list after 90 days."
)
WORSE = (
    "%(code)s got reliably worse: from %(before)s in week 0 to %(after)s in week %(week)s "
    "(+%(change)s). Consider closing as stopped, or discuss further care with the GP in the end "
    "report."
)
MISSING = (
    "The week-10 questionnaires have not been entered: %(codes)s. Without them the end report "
    "cannot show the result of the therapy."
)
TICK = "The scores got reliably worse: tick the box to close as completed all the same."


def worklist(client_for, gp) -> str:
    response = client_for(gp).get(reverse("referrals:worklist"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_referral_the_screening_did_not_clear_is_back_on_the_gps_worklist(
    gp, therapist, client_for
):
    referral = make(
        gp,
        therapist,
        Status.NOT_CLEARED,
        not_cleared_reason="Bloeddruk 178/104, eerst laten beoordelen.",
    )
    html = worklist(client_for, gp)
    assert reverse("referrals:detail", args=[referral.pk]) in html
    assert escape(gettext("Not cleared at the screening: back with you")) in html
    assert "Bloeddruk 178/104, eerst laten beoordelen." in html
    assert escape(gettext(NEXT_STEP)) in html


def test_a_not_cleared_referral_leaves_the_worklist_once_referred_again_or_long_ago(
    gp, therapist, client_for
):
    again = make(gp, therapist, Status.NOT_CLEARED, not_cleared_reason="Eerst naar de cardioloog.")
    ReferralFactory(patient=again.patient, gp=gp, status=Status.DRAFT)
    old = make(
        gp,
        therapist,
        Status.NOT_CLEARED,
        not_cleared_at=timezone.now() - timedelta(days=91),
        not_cleared_reason="Lang geleden.",
    )
    html = worklist(client_for, gp)
    assert "Eerst naar de cardioloog." not in html
    assert reverse("referrals:detail", args=[old.pk]) not in html


def close_page(client_for, therapist, referral, data=None):
    url = reverse("therapy:close", args=[referral.pk])
    client = client_for(therapist)
    return client.post(url, data) if data is not None else client.get(url)


def deteriorated_referral(gp, therapist):
    referral = in_therapy_since(gp, therapist, 80)
    QuestionnaireResponseFactory(referral=referral, week=0, answers=[1] * 9)  # 9
    QuestionnaireResponseFactory(referral=referral, week=5, answers=[2] * 9)  # 18: +9
    return referral


def test_closing_with_a_reliable_deterioration_warns_and_asks_for_a_tick(gp, therapist, client_for):
    referral = deteriorated_referral(gp, therapist)
    html = close_page(client_for, therapist, referral).content.decode()
    worse = gettext(WORSE) % {"code": "PHQ-9", "before": 9, "after": 18, "week": 5, "change": 9}
    assert escape(worse) in html
    assert escape(gettext(MISSING) % {"codes": "PHQ-9, GAD-7"}) in html
    data = {
        "outcome": Status.COMPLETED,
        "summary": "Klaar.",
        "fitness_progress": "Goed.",
        "runs_independently": TherapyLetter.Independence.YES,
        "advice": "",
    }
    refused = close_page(client_for, therapist, referral, data)
    assert refused.status_code == 200
    assert escape(gettext(TICK)) in refused.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.IN_THERAPY
    closed = close_page(client_for, therapist, referral, data | {"confirm_deterioration": "on"})
    assert closed.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED


def test_stopping_with_a_deterioration_needs_no_tick(gp, therapist, client_for):
    referral = deteriorated_referral(gp, therapist)
    data = {
        "outcome": Status.STOPPED,
        "reason": "Gestopt.",
        "summary": "Gestopt.",
        "fitness_progress": "-",
        "runs_independently": TherapyLetter.Independence.NO,
        "advice": "",
    }
    assert close_page(client_for, therapist, referral, data).status_code == 302


def test_a_draft_with_a_hard_stop_ticks_no_later_step(gp, therapist):
    referral = make(gp, therapist, Status.DRAFT, check=ALL_NO | {"q2": True}, complaint="Somber.")
    referral.question = "Graag looptherapie."
    referral.save()
    steps = states(referral, gp)
    assert steps["fitness"] == progress.CURRENT
    assert steps["letter"] == progress.TODO


def test_a_stopped_therapy_plans_no_week_after_the_stop(gp, therapist):
    referral = in_therapy_since(gp, therapist, 70)
    intake = IntakeFactory(referral=referral, date=referral.week_zero)
    referral.status = Status.STOPPED
    referral.stopped_at = timezone.now() - timedelta(days=50)  # in week 3
    referral.save()
    referral.refresh_from_db()
    weeks = dose.weekly_adherence(
        intake, [], start=referral.week_zero, ended=dose.ended_on(referral)
    )
    assert [w.number for w in weeks] == [1, 2, 3]


def test_the_follow_up_questions_on_the_referral_page_have_the_forms_heading(
    gp, therapist, client_for
):
    referral = make(gp, therapist, Status.SENT, check=ALL_NO | {"q4": True, "f1": False})
    response = client_for(gp).get(reverse("referrals:detail", args=[referral.pk]))
    html = response.content.decode()
    heading = escape(gettext("Follow-up questions about medical conditions"))
    assert heading in html
    condition = escape(gettext("Does the patient have arthritis, osteoporosis, or back problems?"))
    assert html.index(heading) < html.index(condition)


def test_an_item_overdue_from_today_reads_vandaag_te_laat(gp):
    assert gettext("overdue since today") == "vandaag te laat"


def test_a_wait_for_an_acute_illness_only_names_the_illness(gp, therapist, client_for):
    referral = make(gp, therapist, Status.DRAFT, check=ALL_NO | {"acute_illness": True})
    html = client_for(gp).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Wachten tot de tijdelijke ziekte over is" in html
    assert "zwanger of" not in html and "of acute ziekte" not in html
    assert "((" not in html and "))" not in html


def test_a_score_change_reads_from_before_to_after_with_a_minus_and_a_singular(
    gp, therapist, client_for
):
    referral = in_therapy_since(gp, therapist, 40)
    QuestionnaireResponseFactory(referral=referral, week=0, answers=[2] * 7 + [1, 0])  # 15
    QuestionnaireResponseFactory(referral=referral, week=5, answers=[1] * 9)  # 9
    QuestionnaireResponseFactory(
        referral=referral, instrument="GAD-7", week=0, answers=[1] * 7
    )  # 7
    QuestionnaireResponseFactory(
        referral=referral, instrument="GAD-7", week=5, answers=[1] * 6 + [0]
    )  # 6
    html = client_for(gp).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "van 15 naar 9 (\u22126 punten)" in html
    assert "van 7 naar 6 (\u22121 punt)" in html
    assert "-1 punten" not in html


def test_the_therapist_who_declined_is_marked_and_not_offered_again(gp, therapist, client_for):
    referral = make(gp, therapist, Status.DECLINED, decline_reason="Vol.")
    ReferralEventFactory(
        referral=referral, from_status=Status.SENT, to_status=Status.DECLINED, actor=therapist
    )
    url = reverse("referrals:therapist", args=[referral.pk])
    client = client_for(gp)
    html = client.get(url).content.decode()
    assert escape(gettext("declined this referral")) in html
    assert f'name="therapist" value="{therapist.therapist.pk}"' not in html
    response = client.post(url, {"therapist": therapist.therapist.pk}, follow=True)
    text = response.content.decode()
    assert escape(gettext("Therapist chosen.")) not in text
    assert escape(gettext("This therapist declined this referral: choose another therapist.")) in (
        text
    )
