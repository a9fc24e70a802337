"""A safety alert reaches the practice: the therapist enters a PHQ-9 with item 9 = 2, a colleague
of the referring GP (not the referring GP) sees it on their home, acknowledges it with a note of
what was done, and the note is on the referral's timeline. In Dutch, through the live server."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from outcomes.models import SafetyAlert
from referrals.models import Status

from ..factories import TEST_PASSWORD, GPProfileFactory, PatientFactory, ReferralFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9_ITEM9_IS_2 = [1, 1, 1, 0, 1, 0, 0, 0, 2]  # total 6, "meer dan de helft van de dagen"
NOTE = "Patiënt gebeld, geen acuut gevaar, afspraak morgen"


def test_a_colleague_gp_acknowledges_the_therapists_alert_with_a_note(new_page, gp, therapist):
    colleague = GPProfileFactory(
        user__practice=gp.practice,
        user__first_name="Els",
        user__last_name="Collega",
        user__email="collega@example.org",
    ).user
    referral = ReferralFactory(
        patient=PatientFactory(
            practice=gp.practice, first_name="Jantine", surname="Veldkamp", phone="06 12345678"
        ),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=timezone.localdate() - datetime.timedelta(days=2),
    )

    # The therapist enters the week-0 PHQ-9 with item 9 = 2.
    page = new_page(1280, 900)
    sign_in(page, therapist.email, TEST_PASSWORD)
    page.goto(reverse("outcomes:enter", args=[referral.pk, "PHQ-9", 0]))
    for item, value in enumerate(PHQ9_ITEM9_IS_2, start=1):
        page.locator(f"input[name=item_{item}][value='{value}']").check()
    page.get_by_role("button", name="Vragenlijst opslaan").click()
    page.wait_for_url(f"**/referrals/{referral.pk}/")
    expect(page.get_by_text("Schat vandaag met de patiënt het risico in").first).to_be_visible()
    alert = SafetyAlert.objects.get(referral=referral)

    # The colleague, not the referring GP, sees it on their home, with what to do.
    page = new_page(1280, 900)
    sign_in(page, colleague.email, TEST_PASSWORD)
    page.goto(reverse("referrals:worklist"))
    alerts = page.get_by_role("alert").filter(has_text="Veiligheidssignalen: kom direct in actie")
    expect(alerts).to_be_visible()
    expect(alerts).to_contain_text(f"verwezen door {gp.get_full_name()}")
    expect(alerts).to_contain_text("Antwoord op vraag 9: “Meer dan de helft van de dagen”.")
    expect(alerts).to_contain_text("Telefoon van de patiënt: 06 12345678")
    expect(alerts).to_contain_text("0800-0113")
    expect(alerts).to_contain_text("112")

    # Acknowledging without a note: the message stands beside the field, nothing is saved.
    alerts.get_by_role("button", name="Afhandelen").click()
    expect(page.locator(f"#id_alert{alert.pk}_note_error")).to_contain_text(
        "Schrijf kort op wat er is gedaan"
    )
    alert.refresh_from_db()
    assert alert.acknowledged_at is None

    page.get_by_label("Wat is er gedaan?").fill(NOTE)
    page.get_by_role("button", name="Afhandelen").click()
    page.wait_for_url(f"**/referrals/{referral.pk}/")
    expect(page.get_by_text("Veiligheidssignaal afgehandeld.")).to_be_visible()
    timeline = page.locator("ol.timeline")
    entry = timeline.locator("li").filter(has_text="Veiligheidssignaal (PHQ-9 week 0) afgehandeld")
    expect(entry).to_contain_text(NOTE)
    expect(entry).to_contain_text(colleague.get_full_name())

    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledgement_note) == (colleague, NOTE)
