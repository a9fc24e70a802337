"""The GP walks the new activity check (beweegcheck, PAR-Q+) in Dutch: a hard stop keeps the
referral from being sent until a medical evaluation that clears the patient is recorded."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from referrals.models import Referral, ReferralDocument

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gp_meets_a_hard_stop_records_the_evaluation_and_sends(page):
    call_command("seed_demo", "--no-documents")
    # The demo's draft that waits: a temporary illness (demo.data.FITNESS).
    referral = Referral.objects.get(status="draft", practice__name="Huisartsenpraktijk De Linde")
    sign_in(page, "huisarts@example.org", "loopbaan-demo")

    page.goto(f"/referrals/{referral.pk}/")
    # The wait names the answer (a temporary illness), not "pregnant or ill".
    assert page.get_by_text("Wachten tot de tijdelijke ziekte over is").first.is_visible()
    page.get_by_role("link", name="Beweegcheck wijzigen").click()
    assert page.get_by_role("heading", name="Beweegcheck, gebaseerd op de PAR-Q+").is_visible()
    assert page.get_by_text(
        "Antwoord NEE als de duizeligheid samenhing met hyperventilatie"
    ).is_visible()

    # The illness is over; but the patient has had chest pain on exertion (question 2).
    page.locator("input[name=acute_illness][value=False]").check()
    page.locator("input[name=q2][value=True]").check()
    for condition in range(1, 11):
        page.locator(f"input[name=f{condition}][value=False]").check()
    page.get_by_label("Opmerkingen").fill("Pijn op de borst bij traplopen.")
    page.get_by_role("button", name="Beweegcheck opslaan").click()

    # A note does not clear a hard stop: the GP is told so and cannot send.
    assert page.get_by_text("Harde stop in de beweegcheck (vraag 2)").first.is_visible()
    page.goto(f"/referrals/{referral.pk}/")
    assert page.get_by_text(
        "Harde stop: voor het versturen is een medische beoordeling nodig"
    ).first.is_visible()

    # The cardiologist's evaluation, recorded on the same screen.
    page.get_by_role("link", name="Beweegcheck wijzigen").click()
    page.get_by_label("Beoordeeld door").fill("Dr. M. Hoekstra, cardioloog")
    day = timezone.localdate() - timedelta(days=2)
    page.get_by_label("Datum van de beoordeling").fill(day.isoformat())
    page.get_by_label("Vrijgegeven met beperkingen", exact=True).check()
    page.get_by_role("button", name="Beweegcheck opslaan").click()
    # Cleared with limits needs the limits, next to the field.
    assert page.get_by_text("Beschrijf de beperkingen.").first.is_visible()
    page.get_by_label("Beperkingen", exact=True).fill("Hartslag de eerste 4 weken onder 150.")
    page.get_by_role("button", name="Beweegcheck opslaan").click()
    assert page.get_by_text("Vrijgegeven na een medische beoordeling").first.is_visible()

    # Choose the therapist and send.
    page.goto(f"/referrals/{referral.pk}/therapist/")
    page.get_by_role("button", name="Kiezen Sanne Visser").click()
    page.get_by_role("link", name="Verwijzing versturen").click()
    page.get_by_role("button", name="Verwijzing versturen").click()
    assert page.get_by_text("Verstuurd").first.is_visible()

    referral.refresh_from_db()
    assert referral.status == "sent"
    letter = ReferralDocument.objects.get(referral=referral, kind="letter")
    text = " ".join(
        "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(bytes(letter.content))).pages
        ).split()
    )
    assert "Vrijgegeven na een medische beoordeling" in text
    assert "Dr. M. Hoekstra, cardioloog" in text
    assert "Hartslag de eerste 4 weken onder 150." in text
