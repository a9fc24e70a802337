"""A follow-up never closes the episode of a patient with a safety answer or who is worse, and
offers the steps up a GP takes (found by a clinician's try-out: a suicidal patient who was worse
was closed as "episode afgesloten")."""

import pytest
from django.urls import reverse
from django.utils import translation

from referrals.models import FollowUp, Status

from .factories import follow_up_post
from .test_follow_up import ended_referral

pytestmark = pytest.mark.django_db

SUICIDAL = (1, 1, 1, 1, 0, 1, 1, 0, 2)  # item 9: more than half the days


def post(client, referral, **overrides):
    return client.post(
        reverse("referrals:follow_up", args=[referral.pk]), follow_up_post(**overrides)
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"phq9": SUICIDAL, "plan": ["closed"]},
        {"wellbeing": "worse", "plan": ["closed", "keep_running"]},
    ],
    ids=["item 9 above 0", "worse"],
)
def test_the_episode_is_not_closed_with_a_safety_answer_or_a_worse_patient(
    overrides, gp, therapist, client_for
):
    referral = ended_referral(gp, therapist)
    response = post(client_for(gp), referral, **overrides)
    assert response.status_code == 200
    assert "plan" in response.context["form"].errors
    assert not FollowUp.objects.filter(referral=referral).exists()
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    assert "Sluit de episode niet af" in response.content.decode()


def test_with_a_next_step_the_follow_up_saves_and_the_alert_is_raised(gp, therapist, client_for):
    referral = ended_referral(gp, therapist)
    response = post(client_for(gp), referral, phq9=SUICIDAL, plan=["specialist_ggz", "gp_consult"])
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(referral=referral)
    assert follow_up.plan == ["specialist_ggz", "gp_consult"]
    assert referral.safety_alerts.exists()


@pytest.mark.parametrize("answer", ["increased", "switched"])
def test_raising_the_dose_and_switching_can_be_recorded(answer, gp, therapist, client_for):
    referral = ended_referral(gp, therapist)
    assert post(client_for(gp), referral, antidepressant=answer).status_code == 302
    assert FollowUp.objects.get(referral=referral).antidepressant == answer


def test_not_used_reads_as_not_since_the_referral_not_never(db):
    with translation.override("nl"):
        assert str(FollowUp.Antidepressant.NEVER.label) == "Niet gebruikt"
