"""Corrections in the browser: a therapist corrects a session's distance after the end letter
went (an addendum follows, the total with it, the correction on the timeline); a GP corrects a
patient's phone number."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from accounts.models import User
from notifications.models import Notification
from patients.models import Correction, Patient
from referrals.models import Referral, ReferralDocument, Status
from therapy.letters import attendance_context
from therapy.models import TherapyLetter, TherapySession
from therapy.services import therapy_close

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "loopbaan-demo"


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_therapist_corrects_a_distance_and_the_end_letter_gets_an_addendum(page):
    call_command("seed_demo", "--no-documents")
    referral = (
        Referral.objects.filter(
            therapist__user__email="therapeut@example.org", status=Status.IN_THERAPY
        )
        .exclude(therapy_letters__kind=TherapyLetter.Kind.END)
        .order_by("pk")
        .first()
    )
    therapist = referral.therapist.user
    # The slip: "2,4" in the old number field saved 24 km; the end letter went with it.
    slip = TherapySession.objects.create(
        referral=referral,
        date=referral.sessions.latest("date").date,
        mode=TherapySession.Mode.OWN,
        minutes_running=20,
        minutes_walking=10,
        distance_km=Decimal("24.0"),
        recorded_by=therapist,
    )
    therapy_close(
        referral=referral,
        outcome=Status.COMPLETED,
        reason="",
        letter=TherapyLetter(summary="Goed afgerond.", runs_independently="yes"),
        by=therapist,
    )
    end_letter = ReferralDocument.objects.get(referral=referral, kind=TherapyLetter.Kind.END)
    sent_bytes = bytes(end_letter.content)
    addenda = set(ReferralDocument.objects.filter(kind="addendum").values_list("pk", flat=True))
    before = Decimal(attendance_context(referral)["distance_km"].replace(",", "."))

    sign_in(page, "therapeut@example.org", PASSWORD)
    page.goto(f"/referrals/{referral.pk}/")
    page.locator(
        f"a[href='/therapists/referrals/{referral.pk}/sessions/{slip.pk}/correct/']"
    ).click()
    distance = page.locator("input[name=distance_km]")
    assert distance.input_value() in ("24,0", "24.0")
    distance.fill("")
    distance.press_sequentially("2,4")
    page.get_by_role("button", name="Correctie opslaan").click()
    # No reason: the message beside the field, nothing saved.
    assert (
        page.locator("#id_reason").get_attribute("aria-invalid") == "true"
        or page.get_by_text("Geef de reden voor de correctie.").first.is_visible()
    )
    slip.refresh_from_db()
    assert slip.distance_km == Decimal("24.0")
    page.locator("#id_reason").fill("Komma weggevallen: 2,4 km werd 24 km.")
    page.get_by_role("button", name="Correctie opslaan").click()
    page.wait_for_url(f"**/referrals/{referral.pk}/")

    slip.refresh_from_db()
    assert slip.distance_km == Decimal("2.4")
    timeline = page.locator("ol.timeline")
    assert "gecorrigeerd" in timeline.inner_text()
    assert "Komma weggevallen" in timeline.inner_text()
    for history in timeline.locator("details.correction-history").all():
        history.evaluate("element => { element.open = true; }")
    assert "24,0 → 2,4" in timeline.inner_text()

    # The end letter stays as sent; the addendum carries the corrected total, and the GP hears.
    end_letter.refresh_from_db()
    assert bytes(end_letter.content) == sent_bytes
    addendum = ReferralDocument.objects.exclude(pk__in=addenda).get(kind="addendum")
    assert addendum.referral_id == referral.pk
    assert addendum.addendum_to == end_letter
    after = before - Decimal("21.6")
    assert attendance_context(referral)["distance_km"] == f"{after:.1f}".replace(".", ",")
    text = pdf_text(bytes(addendum.content))
    assert f"{after:.1f}".replace(".", ",") in text
    assert "2,4" in text and "24,0" in text
    assert Notification.objects.filter(
        referral=referral, kind=Notification.Kind.ADDENDUM_READY, recipient=referral.gp
    ).exists()
    link = page.locator(f"a[href='/referrals/{referral.pk}/documents/addenda/{addendum.pk}.pdf']")
    # The link names the letter it supplements (issue 17: "Aanvulling op de ... van ...").
    assert link.inner_text().startswith("Aanvulling op de eindrapportage van ")


def test_a_gp_corrects_a_patients_phone_number(page):
    call_command("seed_demo", "--no-documents")
    practice = User.objects.get(email="huisarts@example.org").practice
    patient = Patient.objects.filter(practice=practice, referrals__status=Status.IN_THERAPY).first()
    old = patient.phone
    sign_in(page, "huisarts@example.org", PASSWORD)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Gegevens corrigeren").click()
    phone = page.get_by_label("Telefoon")
    assert phone.input_value() == old
    phone.fill("abc")
    page.locator("#id_reason").fill("Nieuw nummer doorgegeven.")
    page.get_by_role("button", name="Correctie opslaan").click()
    assert page.locator("#error-summary").is_visible()  # "abc" is not a phone number
    patient.refresh_from_db()
    assert patient.phone == old
    page.get_by_label("Telefoon").fill("06-87654321")
    page.get_by_role("button", name="Correctie opslaan").click()
    page.wait_for_url(f"**/patients/{patient.pk}/")
    assert "06-87654321" in page.content()
    patient.refresh_from_db()
    assert patient.phone == "06-87654321"
    correction = Correction.objects.filter(patient=patient, changes__0__field="phone").latest("pk")
    assert correction.changes[0]["old"] == old
    referral = patient.referrals.get(status=Status.IN_THERAPY)
    page.goto(f"/referrals/{referral.pk}/")
    timeline = page.locator("ol.timeline").inner_text()
    assert "Patiëntgegevens gecorrigeerd" in timeline
    assert "Nieuw nummer doorgegeven." in timeline
