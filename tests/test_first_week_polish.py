"""Defects a first week of real use found (issue 17), each with a test that fails without its
fix: a phone number of letters, a cancel offered on an ended therapy, a draft that could not be
discarded without a reason, a double full stop after a decline reason, the manager sent to
"your practice manager", developer text on the reminder-runs page."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.validators import validate_phone
from patients.models import Patient
from referrals.models import Referral, Status

from .factories import PatientFactory, ReferralFactory
from .test_referral_journey import patient_form_data

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "number",
    [
        "06-12345678",
        "06 1234 5678",
        "020-1234567",
        "(030) 123 45 67",
        "+31 6 12345678",
        "0031 20 123 4567",
        "+32 2 555 12 12",
    ],
)
def test_phone_numbers_as_people_type_them_are_accepted(number):
    validate_phone(number)


@pytest.mark.parametrize("number", ["abc", "bellen na 17 uur", "12345", "06-1234567", "+1"])
def test_a_phone_number_of_letters_or_too_few_digits_is_refused(number):
    with pytest.raises(ValidationError):
        validate_phone(number)


def test_registering_a_patient_with_abc_as_phone_saves_nothing_and_says_why(gp, client_for):
    response = client_for(gp).post(reverse("patients:create"), patient_form_data(phone="abc"))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert "06-12345678" in text(response)
    assert not Patient.objects.exists()


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.STOPPED])
def test_an_ended_therapy_cannot_be_cancelled(status, gp, therapist, client_for):
    referral = ReferralFactory(
        patient__practice=gp.practice, gp=gp, therapist=therapist.therapist, status=status
    )
    client = client_for(gp)
    detail = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert reverse("referrals:cancel", args=[referral.pk]) not in detail.content.decode()
    client.post(reverse("referrals:cancel", args=[referral.pk]), {"reason": "per ongeluk"})
    referral.refresh_from_db()
    assert referral.status == status


def test_an_open_referral_still_needs_a_reason_to_be_cancelled(gp, therapist, client_for):
    referral = ReferralFactory(
        patient__practice=gp.practice, gp=gp, therapist=therapist.therapist, status=Status.SENT
    )
    client = client_for(gp)
    detail = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert reverse("referrals:cancel", args=[referral.pk]) in detail.content.decode()
    response = client.post(reverse("referrals:cancel", args=[referral.pk]), {"reason": ""})
    assert response.context["form"].errors["reason"]
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_a_draft_is_discarded_without_a_reason_and_no_therapist_is_mentioned(gp, client_for):
    referral = ReferralFactory(patient__practice=gp.practice, gp=gp, status=Status.DRAFT)
    client = client_for(gp)
    url = reverse("referrals:cancel", args=[referral.pk])
    page = text(client.get(url))
    assert "therapeut" not in page
    assert "Dit concept verwijderen" in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED


def test_a_decline_reason_ending_in_a_full_stop_is_not_followed_by_another(
    gp, therapist, client_for
):
    referral = ReferralFactory(
        patient__practice=gp.practice,
        gp=gp,
        therapist=therapist.therapist,
        status=Status.DECLINED,
        decline_reason="Geen plek tot maart.",
    )
    page = text(client_for(gp).get(reverse("referrals:detail", args=[referral.pk])))
    assert "Geen plek tot maart." in page
    assert ".." not in page.replace("...", "")


def test_the_403_page_does_not_send_a_practice_manager_to_their_practice_manager(
    manager, gp, client_for
):
    manager_page = client_for(manager).get(reverse("patients:list"))
    assert manager_page.status_code == 403
    assert "praktijkmanager" not in text(manager_page)
    gp_page = client_for(gp).get(reverse("dashboard:page"))
    if gp_page.status_code == 403:
        assert "praktijkmanager" in text(gp_page)


def test_the_reminder_runs_page_has_no_developer_text(admin, client_for):
    page = text(client_for(admin).get(reverse("notifications:reminder_runs")))
    for word in ("Celery", "manage.py", "send_reminders"):
        assert word not in page


def test_erasing_a_record_is_tucked_away_with_its_ground(gp, client_for):
    patient = PatientFactory(practice=gp.practice)
    html = client_for(gp).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    details = html[html.index('<details class="mb-3">') :]
    details = details[: details.index("</details>")]
    assert reverse("patients:erase", args=[patient.pk]) in details
    assert "7:455" in details
    assert Referral.objects.count() == 0
