"""The therapist's own profile: what they may change, what GPs see in the choice, and the home
of a therapist who is not yet verified."""

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone, translation

from therapists.models import NOTE_FOR_GPS_LENGTH, Therapist
from therapists.selectors import therapists_choosable

from .factories import ReferralFactory, TherapistFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = "/therapists/profile/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def profile_post(**overrides) -> dict:
    return {
        "profession": "psychomotor_therapist",
        "organisation": "Rennen in Rhenen",
        "address": "Molenweg 3",
        "postcode": "3911ab",
        "city": "Rhenen",
        "phone": "0317-123456",
        "accepting_new_patients": "True",
        "capacity": "5",
        "note_for_gps": "Groepen op zaterdagochtend.",
    } | overrides


def test_the_profile_is_where_the_therapist_finds_it():
    assert reverse("therapists:profile") == PROFILE_URL


def test_therapist_edits_their_profile(therapist, client_for):
    response = client_for(therapist).post(PROFILE_URL, profile_post())
    assert response.status_code == 302
    saved = Therapist.objects.get(user=therapist)
    assert saved.organisation == "Rennen in Rhenen"
    assert (saved.address, saved.postcode, saved.city) == ("Molenweg 3", "3911 AB", "Rhenen")
    assert saved.profession == Therapist.Profession.PSYCHOMOTOR_THERAPIST
    assert (saved.accepting_new_patients, saved.capacity) == (True, 5)
    assert saved.note_for_gps == "Groepen op zaterdagochtend."


def test_verification_and_certificate_cannot_be_changed_by_the_therapist(client_for):
    unverified = TherapistFactory(certificate_number="RT-ECHT-1")
    post = profile_post(
        is_verified="on", certificate_number="RT-NEP-9", certificate_date="2001-01-01"
    )
    assert client_for(unverified.user).post(PROFILE_URL, post).status_code == 302
    unverified.refresh_from_db()
    assert unverified.is_verified is False and unverified.verified_by is None
    assert unverified.certificate_number == "RT-ECHT-1"
    assert unverified.organisation == "Rennen in Rhenen"


def test_not_accepting_clears_the_capacity(therapist, client_for):
    client_for(therapist).post(PROFILE_URL, profile_post(accepting_new_patients="False"))
    saved = Therapist.objects.get(user=therapist)
    assert (saved.accepting_new_patients, saved.capacity) == (False, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "abc", "Enter a phone number, for example 06-12345678 or 020-1234567."),
        ("postcode", "12345", "Enter a Dutch postcode, like 3521 AB."),
        ("capacity", "0", "Enter how many new patients you can take on: a whole number from 1"),
        ("capacity", "veel", "Enter how many new patients you can take on: a whole number from"),
        ("note_for_gps", "x" * (NOTE_FOR_GPS_LENGTH + 1), "Ensure this value has at most 400"),
        ("accepting_new_patients", "", "This field is required."),
        ("organisation", "", "This field is required."),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    field, value, message, therapist, client_for
):
    before = Therapist.objects.get(user=therapist)
    response = client_for(therapist).post(PROFILE_URL, profile_post(**{field: value}))
    assert response.status_code == 200
    with translation.override("en"):  # the request left its own language active
        assert str(response.context["form"].errors[field][0]).startswith(message)
    after = Therapist.objects.get(user=therapist)
    assert (after.organisation, after.city) == (before.organisation, before.city)


def test_the_database_refuses_a_capacity_out_of_range(therapist):
    with pytest.raises(IntegrityError):
        Therapist.objects.filter(user=therapist).update(capacity=0)


def test_gp_and_manager_have_no_profile_page(gp, manager, client_for):
    assert client_for(gp).get(PROFILE_URL).status_code == 403
    assert client_for(manager).post(PROFILE_URL, profile_post()).status_code == 403


def test_the_gp_sees_the_profile_in_the_choice(gp, therapist, client_for):
    client_for(therapist).post(PROFILE_URL, profile_post())
    draft = ReferralFactory(patient__practice=gp.practice, gp=gp, therapist=None)
    response = client_for(gp).get(reverse("referrals:therapist", kwargs={"pk": draft.pk}))
    html = response.text
    for shown in ("Rennen in Rhenen", "Molenweg 3", "3911 AB", "0317-123456"):
        assert shown in html
    assert "Groepen op zaterdagochtend." in html
    assert "Room for 5 new patients" in html


def test_a_therapist_taking_no_new_patients_is_listed_last_and_cannot_be_chosen(gp, client_for):
    full = TherapistFactory(verified=True, accepting_new_patients=False, city="Amersfoort")
    room = TherapistFactory(verified=True, city="Zwolle")
    assert list(therapists_choosable(practice=gp.practice)) == [room, full]
    draft = ReferralFactory(patient__practice=gp.practice, gp=gp, therapist=None)
    url = reverse("referrals:therapist", kwargs={"pk": draft.pk})
    html = client_for(gp).get(url).text
    assert "No new patients at the moment" in html
    assert f'name="therapist" value="{full.pk}"' not in html
    assert f'name="therapist" value="{room.pk}"' in html
    client_for(gp).post(url, {"therapist": full.pk})
    draft.refresh_from_db()
    assert draft.therapist is None


def test_an_unverified_therapists_home_says_what_the_admin_checks(client_for):
    unverified = TherapistFactory()
    html = client_for(unverified.user).get(reverse("referrals:incoming")).text
    assert "Your registration awaits verification" in html
    assert "running therapy certificate" in html and "BIG registration" in html
    assert "Nothing waits for you" not in html


def test_a_verified_therapists_home_says_nothing_of_verification(therapist, client_for):
    html = client_for(therapist).get(reverse("referrals:incoming")).text
    assert "awaits verification" not in html
    assert "Nothing waits for you" in html


def test_the_profile_page_shows_the_register_read_only(therapist, client_for):
    entry = therapist.therapist
    html = client_for(therapist).get(PROFILE_URL).text
    assert entry.certificate_number in html
    assert 'name="certificate_number"' not in html and 'name="is_verified"' not in html
    assert timezone.localdate(entry.verified_at).strftime("%d/%m/%Y") in html
