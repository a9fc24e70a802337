"""The GP corrects their follow-up: for 30 days, with a reason; the trail, the scores and the
dashboard follow, the timeline says "gecorrigeerd"."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dashboard.models import CountFact
from outcomes.models import FOLLOW_UP_WEEK, QuestionnaireResponse, SafetyAlert
from patients.models import Correction
from referrals.models import FollowUp, Status

from .factories import GPProfileFactory, follow_up_post
from .test_follow_up import ended_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(gp, therapist, client_for):
    """A follow-up `gp` recorded today through the page (PHQ-9 6, GAD-7 4)."""
    referral = ended_referral(gp, therapist)
    response = client_for(gp).post(
        reverse("referrals:follow_up", args=[referral.pk]), follow_up_post()
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.FOLLOWED_UP
    return referral


def url(referral) -> str:
    return reverse("referrals:follow_up_correct", args=[referral.pk])


def phq9(referral) -> QuestionnaireResponse:
    return QuestionnaireResponse.objects.get(
        referral=referral, instrument="PHQ-9", week=FOLLOW_UP_WEEK
    )


def test_the_form_shows_the_follow_up_as_recorded(gp, recorded, client_for):
    response = client_for(gp).get(url(recorded))
    assert response.status_code == 200
    assert response.context["form"].initial["runs_per_week"] == 2
    phq9_form = response.context["questionnaire_forms"][0]
    assert phq9_form.instrument.code == "PHQ-9"
    assert phq9_form.fields["item_1"].initial == "1"


def test_gp_corrects_wellbeing_and_a_phq9_answer_with_a_trail(gp, recorded, client_for):
    data = follow_up_post(
        wellbeing="same",
        antidepressant="started",
        phq9=(3, 1, 1, 1, 0, 1, 1, 0, 0),
        reason="Verkeerd aangeklikt.",
    )
    response = client_for(gp).post(url(recorded), data)
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(referral=recorded)
    assert follow_up.wellbeing == "same"
    assert phq9(recorded).total == 8
    assert follow_up.phq9_total == 8
    trail = list(Correction.objects.order_by("pk"))
    assert [c.reason for c in trail] == ["Verkeerd aangeklikt."] * 2
    assert {"field": "wellbeing", "old": "better", "new": "same"} in trail[0].changes
    assert any(change["field"] == "total" and change["old"] == 6 for change in trail[1].changes)
    # The dashboard's fact of the referral follows the corrected follow-up.
    assert CountFact.objects.get(referral_id=recorded.pk).antidepressant == "started"
    page = client_for(gp).get(reverse("referrals:detail", args=[recorded.pk])).text
    assert "Nacontrole gecorrigeerd" in page or "Follow-up corrected" in page
    assert "Verkeerd aangeklikt." in page


def test_the_reason_is_required_and_nothing_is_saved_without_it(gp, recorded, client_for):
    response = client_for(gp).post(url(recorded), follow_up_post(wellbeing="same"))
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert FollowUp.objects.get(referral=recorded).wellbeing == "better"
    assert not Correction.objects.exists()


def test_nothing_changed_is_said_beside_the_form(gp, recorded, client_for):
    response = client_for(gp).post(url(recorded), follow_up_post(reason="Controle."))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Correction.objects.exists()


def test_a_colleague_gp_cannot_correct_it(gp, recorded, client_for):
    colleague = GPProfileFactory(user__practice=gp.practice).user
    response = client_for(colleague).post(
        url(recorded), follow_up_post(wellbeing="same", reason="x")
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(referral=recorded).wellbeing == "better"
    page = client_for(colleague).get(reverse("referrals:detail", args=[recorded.pk])).text
    assert url(recorded) not in page


def test_after_30_days_it_can_no_longer_be_corrected(gp, recorded, client_for):
    assert url(recorded) in client_for(gp).get(reverse("referrals:detail", args=[recorded.pk])).text
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        client = client_for(gp)
        response = client.post(url(recorded), follow_up_post(wellbeing="same", reason="Te laat."))
        assert response.status_code == 302
        assert url(recorded) not in client.get(reverse("referrals:detail", args=[recorded.pk])).text
    assert not Correction.objects.exists()


def test_another_practice_gets_404(gp_other_practice, recorded, client_for):
    assert client_for(gp_other_practice).get(url(recorded)).status_code == 404


def test_a_corrected_safety_answer_raises_an_alert(gp, recorded, client_for):
    data = follow_up_post(
        phq9=(1, 1, 1, 1, 0, 1, 1, 0, 1), plan=["gp_consult"], reason="Item 9 gemist."
    )
    assert client_for(gp).post(url(recorded), data).status_code == 302
    assert SafetyAlert.objects.filter(response=phq9(recorded)).count() == 1
