"""Defects a GP and a therapist found trying the application in Chromium, each read through
the page it showed on, on the real database."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Status

from .factories import ReferralFactory
from .test_referral_page import make

pytestmark = pytest.mark.django_db


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
    assert "Not cleared at the screening: back with you" in html
    assert "Bloeddruk 178/104, eerst laten beoordelen." in html
    assert "refer the patient again" in html


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
