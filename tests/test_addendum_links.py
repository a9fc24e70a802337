"""The referral page names the letter an addendum supplements: "Addendum to the progress report
of 3 March 2026", not only "Addendum"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import ReferralDocument

from .factories import ReferralDocumentFactory

pytestmark = pytest.mark.django_db


def test_an_addendum_link_names_the_letter_and_its_date(
    gp, therapist, referral_in_therapy, client_for
):
    letter = ReferralDocumentFactory(
        referral=referral_in_therapy,
        kind=ReferralDocument.Kind.PROGRESS_LETTER_BACK,
        created_by=therapist,
    )
    sent = timezone.make_aware(datetime.datetime(2026, 3, 3, 10, 0))
    ReferralDocument.objects.filter(pk=letter.pk).update(created_at=sent)
    ReferralDocumentFactory(
        referral=referral_in_therapy,
        kind=ReferralDocument.Kind.ADDENDUM,
        addendum_to=letter,
        created_by=therapist,
    )
    client = client_for(gp)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("referrals:detail", args=[referral_in_therapy.pk])).text
    assert "Addendum to the progress report of 3 March 2026 (PDF)" in " ".join(page.split())
