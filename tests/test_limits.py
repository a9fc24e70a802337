"""Free text has a length that fits its use, and the database agrees (core.limits). Found by the
attacker: a 1 MB report took 12 s to render and made a 191-page PDF."""

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import limits
from referrals.models import Referral, Status
from therapy.models import Intake

pytestmark = pytest.mark.django_db


def test_every_free_text_field_of_the_domain_has_a_limit():
    unlimited = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"referrals", "therapy", "patients", "outcomes", "therapists"}
        for field in model._meta.local_fields
        if isinstance(field, models.TextField) and not field.max_length
    ]
    assert unlimited == []


def test_an_over_long_intake_gets_a_message_next_to_the_field_and_saves_nothing(
    referral, therapist
):
    Referral.objects.filter(pk=referral.pk).update(
        status=Status.ACCEPTED, accepted_at=timezone.now()
    )
    client = Client()
    client.force_login(therapist)
    post = {
        "date": timezone.localdate().isoformat(),
        "goals": "x" * (limits.TEXT + 1),
        "plan": "Twee keer per week.",
    }

    response = client.post(reverse("therapy:intake", args=[referral.pk]), post)

    assert response.status_code == 200
    assert "niet meer dan 5000 tekens bevat (het zijn er nu 5001)" in response.text
    assert 'maxlength="5000"' in response.text
    assert not Intake.objects.exists()


def test_the_database_refuses_over_long_text_that_bypasses_the_forms(referral):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(history="x" * (limits.TEXT + 1))
    Referral.objects.filter(pk=referral.pk).update(history="x" * limits.TEXT)


def test_a_document_that_takes_too_long_is_a_message_and_nothing_is_sent(gp, therapist, settings):
    """Found by the attacker: a 1 MB report took 12 s. Now rendering stops past
    PDF_RENDER_SECONDS, the page says so, and the referral is not sent."""
    from .factories import draft_ready_to_send

    referral = draft_ready_to_send(gp, therapist)
    settings.PDF_RENDER_SECONDS = 0.001
    client = Client()
    client.force_login(gp)

    preview = client.get(reverse("referrals:preview", args=[referral.pk]))
    sent = client.post(reverse("referrals:send", args=[referral.pk]))

    for response in (preview, sent):
        assert response.status_code == 422
        assert "duurde te lang" in response.text
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT and referral.sent_at is None
    assert not referral.documents.exists()
