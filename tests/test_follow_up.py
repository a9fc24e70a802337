"""The GP's three-month follow-up: the form that closes the referral, and who may fill it in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.due import due_items
from notifications.models import Notification
from notifications.sweep import sweep
from referrals.models import FollowUp, Referral, ReferralEvent, Status
from referrals.schedule import follow_up_due

from .factories import PatientFactory, ReferralFactory, follow_up_post

pytestmark = pytest.mark.django_db


def nl(message: str) -> str:
    with translation.override("nl"):
        return gettext(message)


def url(referral: Referral) -> str:
    return reverse("referrals:follow_up", args=[referral.pk])


def follow_up_data(**overrides) -> dict:
    return follow_up_post(**overrides)


def ended_referral(gp, therapist, status=Status.COMPLETED, days_since_intake=100) -> Referral:
    """A therapy of `gp`'s patient with `therapist`, ended, its follow-up due by now."""
    now = timezone.now()
    intake = timezone.localdate() - timedelta(days=days_since_intake)
    ended_at = now - timedelta(days=10)
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=status,
        sent_at=now - timedelta(days=days_since_intake + 10),
        accepted_at=now - timedelta(days=days_since_intake + 8),
        intake_date=intake,
        therapy_started_at=now - timedelta(days=days_since_intake - 1),
        completed_at=ended_at if status == Status.COMPLETED else None,
        stopped_at=ended_at if status == Status.STOPPED else None,
        follow_up_due=follow_up_due(intake),
    )


@pytest.fixture
def ended(gp, therapist) -> Referral:
    return ended_referral(gp, therapist)


def written(referral: Referral) -> dict:
    """What a refused POST must leave untouched."""
    referral.refresh_from_db()
    return {
        "status": referral.status,
        "follow_ups": FollowUp.objects.filter(referral=referral).count(),
        "events": ReferralEvent.objects.filter(referral=referral).count(),
    }


def test_anonymous_is_sent_to_sign_in(client, ended):
    response = client.get(url(ended))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_gp_sees_the_follow_up_form(gp, ended, client_for):
    response = client_for(gp).get(url(ended))
    assert response.status_code == 200
    assert {"antidepressant", "work_status", "runs_per_week", "plan"} <= set(
        response.context["form"].fields
    )
    # The PHQ-9 and GAD-7 in full, each with its functioning question.
    forms = {f.instrument.code: f for f in response.context["questionnaire_forms"]}
    assert len(forms["PHQ-9"].item_fields) == 9 and len(forms["GAD-7"].item_fields) == 7
    html = response.content.decode()
    assert 'name="phq9-item_9"' in html and 'name="gad7-difficulty"' in html


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.STOPPED])
def test_saving_the_follow_up_closes_the_referral(status, gp, therapist, client_for):
    referral = ended_referral(gp, therapist, status=status)
    assert due_items(gp=gp), "the follow-up is due before it is held"

    response = client_for(gp).post(url(referral), follow_up_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == Status.FOLLOWED_UP
    assert referral.followed_up_at is not None
    follow_up = FollowUp.objects.get(referral=referral)
    assert follow_up.recorded_by == gp
    assert follow_up.phq9_total == 6
    assert follow_up.wellbeing == FollowUp.Wellbeing.BETTER
    assert follow_up.date == timezone.localdate()
    event = ReferralEvent.objects.filter(referral=referral).latest("created_at", "pk")
    assert (event.from_status, event.to_status, event.actor) == (status, Status.FOLLOWED_UP, gp)
    # Held: nothing is due any more, so the sweep sends no follow-up reminder.
    assert due_items(gp=gp) == []
    sweep(trigger="test")
    assert not Notification.objects.filter(referral=referral).exists()


def test_a_follow_up_dated_in_the_future_is_refused(gp, ended, client_for):
    before = written(ended)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client_for(gp).post(url(ended), follow_up_data(date=tomorrow.isoformat()))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date": [nl("The consultation date cannot be in the future.")]
    }
    assert written(ended) == before


def test_a_follow_up_dated_before_the_intake_is_refused(gp, ended, client_for):
    before = written(ended)
    day = ended.intake_date - timedelta(days=1)

    response = client_for(gp).post(url(ended), follow_up_data(date=day.isoformat()))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date": [nl("The follow-up cannot be before the intake.")]
    }
    assert written(ended) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_therapist_gets_403(method, therapist, ended, client_for):
    before = written(ended)
    response = getattr(client_for(therapist), method)(url(ended), follow_up_data())
    assert response.status_code == 403
    assert written(ended) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_gp_of_another_practice_gets_404(method, gp_other_practice, ended, client_for):
    before = written(ended)
    response = getattr(client_for(gp_other_practice), method)(url(ended), follow_up_data())
    assert response.status_code == 404
    assert written(ended) == before


@pytest.mark.parametrize("status", [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE])
@pytest.mark.parametrize("method", ["get", "post"])
def test_before_the_therapy_started_the_form_redirects_with_a_message(
    method, status, gp, therapist, client_for
):
    referral = ended_referral(gp, therapist)
    Referral.objects.filter(pk=referral.pk).update(status=status, follow_up_due=None)
    before = written(referral)

    response = getattr(client_for(gp), method)(url(referral), follow_up_data(), follow=True)

    assert response.redirect_chain == [(reverse("referrals:detail", args=[referral.pk]), 302)]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [nl("The follow-up is held once the therapy has started.")]
    assert written(referral) == before


def test_a_follow_up_cannot_be_recorded_twice(gp, ended, client_for):
    client = client_for(gp)
    assert client.post(url(ended), follow_up_data()).status_code == 302
    before = written(ended)

    response = client.post(url(ended), follow_up_data(phq9=(0,) * 9))

    assert response.status_code == 302
    assert written(ended) == before
    assert FollowUp.objects.get(referral=ended).phq9_total == 6


def test_the_follow_up_page_shows_the_end_letters_advice(gp, ended, client_for):
    """Found by a GP's try-out: the follow-up form had only a link to the end letter's PDF."""
    from therapy.models import TherapyLetter

    from .factories import TherapyLetterFactory

    TherapyLetterFactory(
        referral=ended,
        kind=TherapyLetter.Kind.END,
        summary="Twaalf weken gelopen.",
        advice="Bespreek afbouw van de sertraline.\nBlijft lopen met de groep.",
        runs_independently=TherapyLetter.Independence.YES,
    )
    page = client_for(gp).get(reverse("referrals:follow_up", args=[ended.pk])).content.decode()
    assert "Bespreek afbouw van de sertraline.<br>Blijft lopen met de groep." in page
    assert "Twaalf weken gelopen." in page
    with translation.override("nl"):
        assert gettext("Advice for the GP's follow-up") in page
