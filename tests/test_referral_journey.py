"""The GP's referral journey: find or register the patient, write the referral, do the fitness
check, choose a therapist, send; what the therapist receives; and what never happens on the way.

Everything goes through the real views (test client, `reverse()`) and the real database; the only
stand-in is Django's in-memory outbox. Assertions on wording use the app's own msgids translated
to Dutch (`nl()`), the language every page is shown in by default.
"""

import hashlib
import io
import unicodedata
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from pypdf import PdfReader

from patients.models import Patient
from referrals import readiness, services
from referrals.models import (
    OPEN_STATUSES,
    FitnessCheck,
    Referral,
    ReferralDocument,
    ReferralEvent,
    Status,
)
from therapists.models import NetworkMembership, Therapist

from .factories import (
    TEST_BSNS,
    FitnessCheckFactory,
    NetworkMembershipFactory,
    PatientFactory,
    ReferralFactory,
    TherapistFactory,
)

QUESTIONS = [q.key for q in (*readiness.GENERAL, *readiness.DELAY)]
FITNESS_ALL_NO = dict.fromkeys(QUESTIONS, "False")


def nl(message: str) -> str:
    """An app message as a Dutch user reads it."""
    with translation.override("nl"):
        return gettext(message)


def page(response) -> str:
    return response.content.decode()


def found(response) -> list:
    return list(response.context["page"].object_list)


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(data))).pages)


def squash(text: str) -> str:
    """NFC, without whitespace: long values wrap wherever the layout breaks them."""
    return "".join(unicodedata.normalize("NFC", text).split())


def referral_form_data(**overrides) -> dict:
    data = {
        "consent_given": "on",
        "complaint": "P03",
        "severity": "mild",
        "uses_antidepressant": "False",
        "question": "Graag begeleiding bij hardlopen.",
        "purpose": "treatment",
        "funding": "self_pay",
        "urgency": "routine",
        "risk_suicidality": "False",
        "risk_psychosis": "False",
        "risk_bipolar": "False",
    }
    return {**data, **overrides}


def patient_form_data(**overrides) -> dict:
    data = {
        "bsn": TEST_BSNS[-1],
        "initials": "A.",
        "first_name": "Anna",
        "tussenvoegsel": "",
        "surname": "Jansen",
        "date_of_birth": "1970-05-06",
        "sex": "female",
        "phone": "",
        "email": "",
        "address": "",
        "postcode": "",
        "city": "",
    }
    return {**data, **overrides}


def invalid_bsn() -> str:
    """A valid test BSN with its last digit changed: the weighted sum is then off by one."""
    bsn = TEST_BSNS[-1]
    return bsn[:8] + str((int(bsn[8]) + 1) % 10)


def database_state() -> dict:
    """Every row the journey can write, to show that a refused request wrote nothing."""
    models = (Patient, Referral, ReferralEvent, FitnessCheck, NetworkMembership)
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    state["ReferralDocument"] = list(
        ReferralDocument.objects.order_by("pk").values_list("pk", "sha256")
    )
    return state


def url(name: str, referral: Referral) -> str:
    return reverse(f"referrals:{name}", args=[referral.pk])


@pytest.fixture
def draft(gp) -> Referral:
    """A filled-in draft of `gp` without fitness check and without therapist."""
    return ReferralFactory(
        patient__practice=gp.practice, gp=gp, therapist=None, uses_antidepressant=False
    )


@pytest.fixture
def ready(gp, therapist) -> Referral:
    """A draft of `gp` with everything needed to send it to `therapist`."""
    referral = ReferralFactory(
        patient__practice=gp.practice,
        gp=gp,
        therapist=therapist.therapist,
        uses_antidepressant=False,
    )
    FitnessCheckFactory(referral=referral)
    return referral


@pytest.fixture
def lenient_client_for(client_for):
    """Like `client_for`, but a crash comes back as a 500 response instead of an exception."""

    def make(user) -> Client:
        client = client_for(user)
        client.raise_request_exception = False
        return client

    return make


# 1. Finding and registering the patient


def test_patient_search_finds_by_surname_and_by_first_name(gp, client_for):
    wanted = PatientFactory(practice=gp.practice, first_name="Hendrika", surname="Brouwer")
    PatientFactory(practice=gp.practice, first_name="Klaas", surname="Visser")
    client = client_for(gp)
    for query in ("brouwer", "Hendrika", "hendrika brouwer"):
        response = client.post(reverse("patients:list"), {"query": query})
        assert response.context["searched"]
        assert found(response) == [wanted], query


def test_patient_search_finds_by_date_of_birth_written_dd_mm_yyyy(gp, client_for):
    wanted = PatientFactory(practice=gp.practice, date_of_birth=date(1975, 3, 14))
    PatientFactory(practice=gp.practice, date_of_birth=date(1975, 4, 13))
    response = client_for(gp).post(reverse("patients:list"), {"query": "14-03-1975"})
    assert found(response) == [wanted]


def test_patient_search_finds_by_exact_bsn_only(gp, client_for):
    wanted = PatientFactory(practice=gp.practice)
    PatientFactory(practice=gp.practice)
    client = client_for(gp)
    spaced = f"{wanted.bsn[:4]} {wanted.bsn[4:6]} {wanted.bsn[6:]}"
    for query in (wanted.bsn, spaced):
        assert found(client.post(reverse("patients:list"), {"query": query})) == [wanted]
    for partial in (wanted.bsn[:8], wanted.bsn[1:]):
        assert found(client.post(reverse("patients:list"), {"query": partial})) == []


def test_patient_search_never_finds_patients_of_another_practice(gp, gp_other_practice, client_for):
    elsewhere = PatientFactory(
        practice=gp_other_practice.practice,
        first_name="Geertruida",
        surname="Elderman",
        date_of_birth=date(1961, 7, 2),
    )
    client = client_for(gp)
    for query in ("Elderman", "Geertruida", "02-07-1961", elsewhere.bsn):
        response = client.post(reverse("patients:list"), {"query": query})
        assert found(response) == [], query


def test_patient_search_by_query_string_does_not_search(gp, client_for):
    """The search is POSTed so a BSN never ends up in a URL; `?query=` is ignored."""
    wanted = PatientFactory(practice=gp.practice)
    other = PatientFactory(practice=gp.practice)
    response = client_for(gp).get(reverse("patients:list"), {"query": wanted.bsn})
    assert response.status_code == 200
    assert not response.context["searched"]
    assert set(found(response)) == {wanted, other}
    assert 'method="post"' in page(response)


@pytest.mark.parametrize("query", ["Jan van der Berg", "van der Berg"])
def test_patient_search_finds_the_full_name_with_a_multiword_tussenvoegsel(query, gp, client_for):
    wanted = PatientFactory(
        practice=gp.practice, first_name="Jan", tussenvoegsel="van der", surname="Berg"
    )
    response = client_for(gp).post(reverse("patients:list"), {"query": query})
    assert found(response) == [wanted]


def test_registering_a_patient_with_a_valid_bsn_saves_and_opens_the_patient(gp, client_for):
    response = client_for(gp).post(reverse("patients:create"), patient_form_data())
    patient = Patient.objects.get()
    assert (patient.practice, patient.bsn, patient.surname) == (
        gp.practice,
        TEST_BSNS[-1],
        "Jansen",
    )
    assert response.status_code == 302
    assert response.url == reverse("patients:detail", args=[patient.pk])


def test_registering_a_patient_with_a_bsn_failing_the_11_check_saves_nothing(gp, client_for):
    response = client_for(gp).post(reverse("patients:create"), patient_form_data(bsn=invalid_bsn()))
    assert response.status_code == 200
    message = nl("This is not a valid BSN (it fails the 11-check). Please check the number.")
    assert response.context["form"].errors["bsn"] == [message]
    # Shown at the field itself, not only in the summary at the top.
    html = page(response)
    assert 'id="error_1_id_bsn"' in html
    assert escape(message) in html.split('id="error_1_id_bsn"', 1)[1][:400]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("separator", [" ", "."], ids=["spaces", "dots"])
def test_registering_a_bsn_written_in_groups_is_accepted(separator, gp, client_for):
    bsn = TEST_BSNS[-1]
    written = separator.join((bsn[:4], bsn[4:6], bsn[6:]))
    response = client_for(gp).post(reverse("patients:create"), patient_form_data(bsn=written))
    assert response.status_code == 302
    assert Patient.objects.get().bsn == bsn


def test_registering_a_bsn_already_in_the_practice_links_to_that_patient(gp, client_for):
    existing = PatientFactory(practice=gp.practice, first_name="Bestaande", surname="Patiënt")
    response = client_for(gp).post(
        reverse("patients:create"), patient_form_data(bsn=existing.bsn, surname="Dubbel")
    )
    assert response.status_code == 200
    assert "bsn" in response.context["form"].errors
    assert f'href="{reverse("patients:detail", args=[existing.pk])}"' in page(response)
    assert list(Patient.objects.all()) == [existing]


def test_registering_a_bsn_known_in_another_practice_is_allowed(gp, gp_other_practice, client_for):
    elsewhere = PatientFactory(practice=gp_other_practice.practice)
    response = client_for(gp).post(reverse("patients:create"), patient_form_data(bsn=elsewhere.bsn))
    assert response.status_code == 302
    mine = Patient.objects.get(practice=gp.practice)
    assert mine.bsn == elsewhere.bsn
    assert Patient.objects.get(practice=gp_other_practice.practice) == elsewhere
    assert response.url == reverse("patients:detail", args=[mine.pk])


# 2. Starting the referral


def test_starting_a_referral_creates_a_draft_and_opens_the_form(gp, client_for):
    patient = PatientFactory(practice=gp.practice)
    response = client_for(gp).post(reverse("referrals:start", args=[patient.pk]))
    referral = Referral.objects.get(patient=patient)
    assert (referral.status, referral.gp, referral.practice) == (Status.DRAFT, gp, gp.practice)
    assert response.status_code == 302
    assert response.url == url("edit", referral)
    assert referral.events.get().to_status == Status.DRAFT


def test_starting_a_referral_is_post_only(gp, client_for):
    patient = PatientFactory(practice=gp.practice)
    assert client_for(gp).get(reverse("referrals:start", args=[patient.pk])).status_code == 405
    assert not Referral.objects.exists()


def test_second_referral_while_one_is_open_is_refused_and_shows_the_open_one(gp, client_for):
    open_referral = ReferralFactory(patient__practice=gp.practice, gp=gp, status=Status.SENT)
    patient = open_referral.patient
    client = client_for(gp)
    response = client.post(reverse("referrals:start", args=[patient.pk]))
    assert response.status_code == 302
    assert response.url == url("detail", open_referral)
    assert list(Referral.objects.all()) == [open_referral]
    followed = client.get(response.url)
    message = nl("This patient already has an open referral: here it is.")
    assert [str(m) for m in followed.context["messages"]] == [message]


def test_patient_page_links_to_the_open_referral_instead_of_the_start_button(gp, client_for):
    open_referral = ReferralFactory(patient__practice=gp.practice, gp=gp)
    patient = open_referral.patient
    html = page(client_for(gp).get(reverse("patients:detail", args=[patient.pk])))
    assert f'href="{url("detail", open_referral)}"' in html
    assert reverse("referrals:start", args=[patient.pk]) not in html


def test_patient_page_offers_to_start_once_the_last_referral_is_closed(gp, client_for):
    closed = ReferralFactory(patient__practice=gp.practice, gp=gp, status=Status.CANCELLED)
    html = page(client_for(gp).get(reverse("patients:detail", args=[closed.patient.pk])))
    assert f'action="{reverse("referrals:start", args=[closed.patient.pk])}"' in html


# 3. The fitness check


def test_send_without_fitness_check_is_refused(
    gp, therapist, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    referral = ReferralFactory(
        patient__practice=gp.practice,
        gp=gp,
        therapist=therapist.therapist,
        uses_antidepressant=False,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(gp).post(url("send", referral))
    assert response.status_code == 200
    assert escape(nl("Do the activity check (PAR-Q+).")) in page(response)
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT
    assert not ReferralDocument.objects.exists()
    assert (callbacks, mailoutbox) == ([], [])


def test_send_with_a_hard_stop_and_a_note_is_refused(
    gp, ready, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    check = FitnessCheck.objects.get(referral=ready)
    check.answers |= {"q2": True}
    check.notes = "Inspanningstest 2025 zonder afwijkingen."
    check.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(gp).post(url("send", ready))
    assert response.status_code == 200
    assert escape(nl("question %(n)s") % {"n": "2"}) in page(response)
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT
    assert not ReferralDocument.objects.exists()
    assert mailoutbox == []


def test_send_with_a_hard_stop_cleared_by_a_medical_evaluation_is_sent(
    gp, ready, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    check = FitnessCheck.objects.get(referral=ready)
    check.answers |= {"q2": True}
    check.evaluated_by = "Dr. Hoekstra, cardioloog"
    check.evaluated_on = timezone.localdate()
    check.evaluation = FitnessCheck.Evaluation.CLEARED
    check.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(gp).post(url("send", ready))
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Status.SENT
    assert ReferralDocument.objects.filter(referral=ready).count() == 1
    assert len(mailoutbox) == 1


def test_fitness_check_without_answers_gives_an_error_per_question_and_saves_nothing(
    gp, draft, client_for
):
    response = client_for(gp).post(url("fitness", draft), {"notes": "Niets ingevuld."})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == set(QUESTIONS)
    assert all(errors[name] == [nl("Answer yes or no.")] for name in QUESTIONS)
    assert not FitnessCheck.objects.exists()


def test_fitness_check_with_one_question_skipped_flags_only_that_question(gp, draft, client_for):
    answers = {name: "False" for name in QUESTIONS if name != "q3"}
    response = client_for(gp).post(url("fitness", draft), answers)
    assert set(response.context["form"].errors) == {"q3"}
    assert not FitnessCheck.objects.exists()


def test_saving_the_fitness_check_records_who_checked_and_when(gp, draft, client_for):
    before = timezone.now()
    response = client_for(gp).post(url("fitness", draft), {**FITNESS_ALL_NO, "notes": "Fit."})
    check = FitnessCheck.objects.get(referral=draft)
    assert check.checked_by == gp
    assert before <= check.checked_at <= timezone.now()
    assert (check.passes, check.notes) == (True, "Fit.")
    # No therapist chosen yet: that is the next step.
    assert response.url == url("therapist", draft)


# 4. The therapist


@pytest.mark.parametrize(
    "unfit",
    [{"is_verified": False}, {"verified": True, "accepting_new_patients": False}],
    ids=["unverified", "not-accepting"],
)
def test_choosing_a_therapist_who_cannot_receive_referrals_is_refused(unfit, gp, draft, client_for):
    unfit_therapist = TherapistFactory(**unfit)
    client = client_for(gp)
    response = client.post(url("therapist", draft), {"therapist": unfit_therapist.pk})
    assert response.status_code == 302
    followed = client.get(response.url)
    message = nl("This therapist cannot receive referrals: not verified or not accepting patients.")
    assert [str(m) for m in followed.context["messages"]] == [message]
    draft.refresh_from_db()
    assert draft.therapist is None


def test_choosing_a_verified_therapist_sets_the_therapist(gp, draft, therapist, client_for):
    response = client_for(gp).post(url("therapist", draft), {"therapist": therapist.therapist.pk})
    assert response.url == url("detail", draft)
    draft.refresh_from_db()
    assert draft.therapist == therapist.therapist


@pytest.mark.parametrize(
    "change", [{"is_verified": False}, {"accepting_new_patients": False}], ids=str
)
def test_therapist_who_no_longer_can_receive_referrals_blocks_sending(
    change, gp, ready, client_for, mailoutbox
):
    Therapist.objects.filter(pk=ready.therapist_id).update(**change)
    response = client_for(gp).post(url("send", ready))
    assert response.status_code == 200
    problem = nl("The chosen therapist is not verified or not accepting new patients.")
    assert escape(problem) in page(response)
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT
    assert not ReferralDocument.objects.exists()
    assert mailoutbox == []


def test_register_lists_verified_therapists_network_first_and_the_full_ones_last(
    gp, draft, client_for
):
    in_network = TherapistFactory(verified=True, city="Zwolle")
    NetworkMembershipFactory(practice=gp.practice, therapist=in_network)
    elsewhere = TherapistFactory(verified=True, city="Amersfoort")
    unverified = TherapistFactory(city="Amersfoort")
    full = TherapistFactory(verified=True, accepting_new_patients=False, city="Amersfoort")
    full_in_network = TherapistFactory(verified=True, accepting_new_patients=False, city="Baarn")
    NetworkMembershipFactory(practice=gp.practice, therapist=full_in_network)
    response = client_for(gp).get(url("therapist", draft))
    listed = found(response)
    assert listed[0] == in_network
    assert elsewhere in listed
    assert unverified not in listed
    # Who takes no new patients now is shown, last, marked and without a "Choose" button.
    assert listed[-2:] == [full_in_network, full]
    assert escape(nl("Your network")) in page(response)
    assert page(response).count(escape(nl("No new patients at the moment"))) == 2
    assert page(response).count('name="therapist"') == 2


def test_register_search_by_city_prefix(gp, draft, client_for):
    utrecht = TherapistFactory(verified=True, city="Utrecht", postcode="3521 AB")
    TherapistFactory(verified=True, city="Uithoorn", postcode="1422 AB")
    TherapistFactory(verified=True, city="Amsterdam", postcode="1012 AB")
    response = client_for(gp).get(url("therapist", draft), {"place": "utr"})
    assert found(response) == [utrecht]


def test_register_search_by_postcode_digits(gp, draft, client_for):
    utrecht = TherapistFactory(verified=True, city="Utrecht", postcode="3521 AB")
    zeist = TherapistFactory(verified=True, city="Zeist", postcode="3701 AB")
    TherapistFactory(verified=True, city="Amsterdam", postcode="1012 AB")
    client = client_for(gp)
    assert found(client.get(url("therapist", draft), {"place": "35"})) == [utrecht]
    assert set(found(client.get(url("therapist", draft), {"place": "3"}))) == {utrecht, zeist}


def test_register_filters_by_profession(gp, draft, client_for):
    psychologist = TherapistFactory(verified=True, profession=Therapist.Profession.PSYCHOLOGIST)
    TherapistFactory(verified=True, profession=Therapist.Profession.PHYSIOTHERAPIST)
    response = client_for(gp).get(url("therapist", draft), {"profession": "psychologist"})
    assert found(response) == [psychologist]


def test_network_button_adds_and_then_removes_the_therapist(gp, draft, therapist, client_for):
    network_url = reverse("referrals:network", args=[draft.pk, therapist.therapist.pk])
    client = client_for(gp)
    response = client.post(network_url)
    assert response.url == url("therapist", draft)
    membership = NetworkMembership.objects.get()
    assert (membership.practice, membership.therapist, membership.added_by) == (
        gp.practice,
        therapist.therapist,
        gp,
    )
    client.post(network_url)
    assert not NetworkMembership.objects.exists()


# 5. The letter


def test_sending_stores_one_letter_that_downloads_byte_for_byte(gp, therapist, ready, client_for):
    response = client_for(gp).post(url("send", ready))
    assert response.status_code == 302
    document = ReferralDocument.objects.get(referral=ready)
    content = bytes(document.content)
    assert document.kind == ReferralDocument.Kind.LETTER
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert content.startswith(b"%PDF")
    for user in (gp, therapist):
        download = client_for(user).get(url("letter", ready))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download.content == content


@pytest.mark.parametrize("persona", ["gp_other_practice", "therapist_other"])
def test_letter_is_404_for_other_practice_and_other_therapist(
    persona, referral, request, client_for
):
    response = client_for(request.getfixturevalue(persona)).get(url("letter", referral))
    assert response.status_code == 404


def test_preview_shows_the_draft_letter_without_storing_it(gp, draft, client_for):
    before = database_state()
    response = client_for(gp).get(url("preview", draft))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert database_state() == before


# 6. Another practice


def test_gp_of_another_practice_gets_404_on_the_patient_page(gp, gp_other_practice, client_for):
    patient = PatientFactory(practice=gp.practice)
    response = client_for(gp_other_practice).get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["detail", "edit", "fitness", "therapist", "send", "preview", "information_sheet", "letter"],
)
def test_gp_of_another_practice_gets_404_on_the_referral_pages(
    name, referral, gp, gp_other_practice, client_for
):
    assert client_for(gp).get(url(name, referral)).status_code in (200, 302)
    assert client_for(gp_other_practice).get(url(name, referral)).status_code == 404


@pytest.mark.parametrize("name", ["edit", "fitness", "therapist", "send", "cancel", "start"])
def test_gp_of_another_practice_cannot_post_to_the_referral(
    name, ready, gp_other_practice, client_for
):
    data = {
        "edit": referral_form_data(question="Overgenomen"),
        "fitness": FITNESS_ALL_NO,
        "therapist": {"therapist": ready.therapist_id},
        "send": {},
        "cancel": {"reason": "Niet van u"},
        "start": {},
    }[name]
    target = (
        reverse("referrals:start", args=[ready.patient_id]) if name == "start" else url(name, ready)
    )
    before = database_state()
    response = client_for(gp_other_practice).post(target, data)
    assert response.status_code == 404
    assert database_state() == before


def test_gp_of_another_practice_cannot_change_the_network_through_a_referral(
    ready, gp_other_practice, client_for
):
    target = reverse("referrals:network", args=[ready.pk, ready.therapist_id])
    assert client_for(gp_other_practice).post(target).status_code == 404
    assert not NetworkMembership.objects.exists()


# 7. The therapist's email


def test_sending_emails_the_therapist_once_after_commit_without_patient_details(
    gp, therapist, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    patient = PatientFactory(
        practice=gp.practice,
        first_name="Wilhelmina",
        surname="Zwanenburg",
        date_of_birth=date(1966, 11, 23),
    )
    referral = ReferralFactory(
        patient=patient,
        gp=gp,
        therapist=therapist.therapist,
        uses_antidepressant=False,
        complaint="P78",
        complaint_notes="Uitgeblust sinds de reorganisatie",
        question="Kan zij in een groep van acht starten?",
    )
    FitnessCheckFactory(referral=referral)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.referral_send(referral=referral, by=gp)
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [therapist.email]
    texts = [email.subject, email.body, *(content for content, _type in email.alternatives)]
    link = f"{settings.SITE_URL}{url('detail', referral)}"
    assert link in email.body
    assert link in email.alternatives[0][0]
    secrets = [
        "Wilhelmina",
        "Zwanenburg",
        patient.bsn,
        "23-11-1966",
        "1966-11-23",
        "23 november 1966",
        "burnout",
        "Burn-out",
        "P78",
        "Uitgeblust",
        "groep van acht",
    ]
    for text in texts:
        for secret in secrets:
            assert secret.lower() not in text.lower(), secret


def test_rolled_back_send_emails_nobody_and_stores_nothing(
    gp, ready, mailoutbox, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    def send_then_fail() -> None:
        """Something after the send, in the same transaction, fails: everything rolls back."""
        with transaction.atomic():
            services.referral_send(referral=ready, by=gp)
            raise Boom

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        send_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    ready.refresh_from_db()
    assert ready.status == Status.DRAFT
    assert ready.sent_at is None
    assert not ReferralDocument.objects.exists()
    assert not ready.events.filter(to_status=Status.SENT).exists()


# 8. Names and markup, through every form of the journey

NAMES = {
    "dutch": ("I.J.", "IJsbrand", "van 't", "Hof-Çelik"),
    "long": (
        "M.A.",
        "Maximiliaan-Aurélien",
        "van der",
        "Hof-Çelik-Vanderschuerenbroeck-Łukasiewicz-Nørgaard-Ñúñez-Papadopoulou-Kowalczyk",
    ),
}
FREE_TEXT = (
    "complaint_notes",
    "medication",
    "history",
    "question",
    "notes",
    "evaluated_by",
    "evaluation_limits",
)


def markup(field: str) -> str:
    return f'<script>alert("{field}")</script><b onclick="x()">{field}</b>'


@pytest.mark.parametrize("names", NAMES.values(), ids=NAMES.keys())
def test_names_and_markup_pass_through_the_journey_escaped_and_literal(names, gp, client_for):
    initials, first_name, tussenvoegsel, surname = names
    zoe = TherapistFactory(verified=True, user__first_name="Zoë", user__last_name="d'Ancona")
    client = client_for(gp)
    client.post(
        reverse("patients:create"),
        patient_form_data(
            initials=initials,
            first_name=first_name,
            tussenvoegsel=tussenvoegsel,
            surname=surname,
        ),
    )
    patient = Patient.objects.get()
    full_name = f"{first_name} {tussenvoegsel} {surname}"
    assert patient.full_name == full_name

    client.post(reverse("referrals:start", args=[patient.pk]))
    referral = Referral.objects.get()
    response = client.post(
        url("edit", referral),
        referral_form_data(**{name: markup(name) for name in FREE_TEXT[:4]}),
    )
    assert response.status_code == 302, response.context["form"].errors
    response = client.post(
        url("fitness", referral),
        {
            **FITNESS_ALL_NO,
            **dict.fromkeys((c.key for c in readiness.FOLLOW_UPS), "False"),
            "q2": "True",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluation": "cleared_with_limits",
            **{n: markup(n) for n in FREE_TEXT[4:]},
        },
    )
    assert response.status_code == 302
    client.post(url("therapist", referral), {"therapist": zoe.pk})
    assert client.post(url("send", referral)).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert all(getattr(referral, name) == markup(name) for name in FREE_TEXT[:4]) and all(
        getattr(referral.fitness_check, name) == markup(name) for name in FREE_TEXT[4:]
    )

    html = page(client.get(url("detail", referral)))
    assert "&lt;script&gt;" in html
    assert "<script>alert" not in html
    assert "<b onclick" not in html
    assert escape(full_name) in html
    for name in ("question", "notes", "evaluated_by", "evaluation_limits"):
        assert escape(markup(name)) in html, name

    letter = pdf_text(ReferralDocument.objects.get(referral=referral).content)
    for name in FREE_TEXT:
        assert squash(markup(name)) in squash(letter), name
    assert squash(full_name) in squash(letter)
    assert squash("Zoë d'Ancona") in squash(letter)


# 9. Query counts and pagination


def count_queries(client: Client, target: str, **kwargs) -> int:
    client.get(target, **kwargs)  # warm up: the session and the user are loaded the same way
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target, **kwargs)
    assert response.status_code == 200
    return len(queries)


def worklist_referral(gp, therapist, i: int) -> Referral:
    statuses = list(OPEN_STATUSES)
    return ReferralFactory(
        patient__practice=gp.practice,
        gp=gp,
        therapist=therapist.therapist,
        status=statuses[i % len(statuses)],
    )


def test_worklist_query_count_does_not_grow_with_the_number_of_referrals(gp, therapist, client_for):
    client = client_for(gp)
    worklist_referral(gp, therapist, 0)
    one = count_queries(client, reverse("referrals:worklist"))
    for i in range(1, 25):
        worklist_referral(gp, therapist, i)
    response = client.get(reverse("referrals:worklist"))
    assert len(found(response)) == 25
    assert count_queries(client, reverse("referrals:worklist")) == one


def test_worklist_paginates_at_25(gp, therapist, client_for):
    for i in range(26):
        worklist_referral(gp, therapist, i)
    client = client_for(gp)
    first = client.get(reverse("referrals:worklist"))
    assert len(found(first)) == 25
    second = client.get(reverse("referrals:worklist"), {"page": 2})
    assert second.status_code == 200
    assert len(found(second)) == 1
    assert {r.pk for r in found(first)} | {r.pk for r in found(second)} == set(
        Referral.objects.values_list("pk", flat=True)
    )


def test_patient_list_query_count_does_not_grow_with_the_number_of_patients(gp, client_for):
    client = client_for(gp)
    PatientFactory(practice=gp.practice)
    one = count_queries(client, reverse("patients:list"))
    PatientFactory.create_batch(19, practice=gp.practice)
    assert len(found(client.get(reverse("patients:list")))) == 20
    assert count_queries(client, reverse("patients:list")) == one


def test_therapist_register_query_count_does_not_grow_with_the_number_of_therapists(
    gp, draft, client_for
):
    client = client_for(gp)
    NetworkMembershipFactory(practice=gp.practice)
    one = count_queries(client, url("therapist", draft))
    for therapist in TherapistFactory.create_batch(19, verified=True):
        if therapist.pk % 2:
            NetworkMembershipFactory(practice=gp.practice, therapist=therapist)
    assert len(found(client.get(url("therapist", draft)))) == 20
    assert count_queries(client, url("therapist", draft)) == one


# 10. The read receipt


def test_therapist_opening_the_referral_sets_opened_at_only_the_first_time(
    referral, therapist, client_for
):
    client = client_for(therapist)
    assert client.get(url("detail", referral)).status_code == 200
    referral.refresh_from_db()
    first = referral.opened_at
    assert first is not None
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        client.get(url("detail", referral))
    referral.refresh_from_db()
    assert referral.opened_at == first


def test_gp_opening_the_referral_does_not_set_opened_at(referral, gp, client_for):
    html = page(client_for(gp).get(url("detail", referral)))
    referral.refresh_from_db()
    assert referral.opened_at is None
    assert escape(nl("not yet")) in html


def test_gp_sees_when_the_therapist_opened_the_referral(referral, gp, therapist, client_for):
    client_for(therapist).get(url("detail", referral))
    referral.refresh_from_db()
    html = page(client_for(gp).get(url("detail", referral)))
    opened = dateformat.format(timezone.localtime(referral.opened_at), "d-m-Y H:i")
    assert f"<strong>{nl('Opened by the therapist')}</strong>" in html
    assert nl("Opened by the therapist") == "Geopend door de therapeut"
    assert opened in html
    row = html.split(f"<strong>{nl('Opened by the therapist')}</strong>", 1)[1][:200]
    assert escape(nl("not yet")) not in row  # (the progress bar may say "not yet accepted")


# 11. Cancelling


def test_cancel_page_asks_for_confirmation_and_changes_nothing(referral, gp, client_for):
    before = database_state()
    response = client_for(gp).get(url("cancel", referral))
    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    assert database_state() == before


def test_cancel_with_a_reason_cancels_and_records_the_reason(referral, gp, client_for):
    response = client_for(gp).post(url("cancel", referral), {"reason": "Patiënt verhuisd."})
    assert response.url == url("detail", referral)
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED
    assert referral.cancel_reason == "Patiënt verhuisd."
    assert referral.cancelled_at is not None
    event = referral.events.get(to_status=Status.CANCELLED)
    assert (event.from_status, event.actor, event.note) == (Status.SENT, gp, "Patiënt verhuisd.")


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_cancel_without_a_reason_shows_the_error_and_changes_nothing(
    reason, referral, gp, client_for
):
    before = database_state()
    response = client_for(gp).post(url("cancel", referral), {"reason": reason})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert 'id="error-summary"' in page(response)
    assert database_state() == before


# 12. Sending again after a decline


def decline(referral: Referral, therapist_user) -> None:
    services.referral_transition(
        referral=referral,
        to=Status.DECLINED,
        by=therapist_user,
        decline_reason="Geen plek tot de zomer.",
    )


def test_declined_referral_can_be_sent_to_another_therapist(
    gp,
    therapist,
    therapist_other,
    ready,
    client_for,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    services.referral_send(referral=ready, by=gp)
    decline(ready, therapist)
    client = client_for(gp)
    response = client.post(url("therapist", ready), {"therapist": therapist_other.therapist.pk})
    assert response.url == url("detail", ready)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("send", ready))
    assert response.status_code == 302
    ready.refresh_from_db()
    assert (ready.status, ready.therapist) == (Status.SENT, therapist_other.therapist)
    assert (ready.decline_reason, ready.opened_at) == ("", None)
    letters = ReferralDocument.objects.filter(referral=ready, kind=ReferralDocument.Kind.LETTER)
    assert letters.count() == 2
    assert [m.to for m in mailoutbox] == [[therapist_other.email]]
    # The new therapist downloads the new letter, addressed to them.
    download = client_for(therapist_other).get(url("letter", ready))
    assert download.content == bytes(letters.first().content)


def test_declined_referral_cannot_be_sent_again_to_the_therapist_who_declined(
    gp, therapist, referral, client_for, mailoutbox
):
    Referral.objects.filter(pk=referral.pk).update(uses_antidepressant=False)
    decline(referral, therapist)
    before = database_state()
    response = client_for(gp).post(url("send", referral))
    assert response.status_code == 200
    problem = nl("This therapist declined the referral: choose another therapist.")
    assert escape(problem) in page(response)
    assert database_state() == before
    assert mailoutbox == []


# 13. Garbage in, no 500 and nothing half-saved

LONG = "x" * 100_000


@pytest.mark.parametrize(
    "data",
    [
        {"query": LONG},
        {"query": "\x00"},
        {"query": ""},
        {"query": "31-02-2020"},
        {"query": "00-00-0000"},
        {"query": ["a", "b"]},
    ],
    ids=["long", "nul", "empty", "impossible-date", "zero-date", "twice"],
)
def test_patient_search_survives_garbage(data, gp, lenient_client_for):
    PatientFactory(practice=gp.practice)
    response = lenient_client_for(gp).post(reverse("patients:list"), data)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "garbage",
    [
        {"bsn": LONG},
        {"bsn": "abcdefghi"},
        {"bsn": "²²²²²²²²²"},
        {"date_of_birth": "2020-13-45"},
        {"date_of_birth": "0001-01-01"},
        {"date_of_birth": "9999-12-31"},
        {"date_of_birth": "99999999-01-01"},
        {"sex": "alien"},
        {"email": "not-an-email"},
        {"postcode": "ABCD12"},
        {"surname": LONG},
        {"first_name": "\x00"},
        {"initials": ""},
    ],
    ids=lambda g: next(iter(g)),
)
def test_patient_registration_survives_garbage(garbage, gp, lenient_client_for):
    response = lenient_client_for(gp).post(reverse("patients:create"), patient_form_data(**garbage))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "garbage",
    [
        {"complaint": "bogus"},
        {"other_complaints": ["bogus"]},
        {"severity": "extreme"},
        {"uses_antidepressant": "maybe"},
        {"complaint_notes": "x" * 201},
        {"medication": "x" * 4001},
        {"history": LONG},
        {"question": LONG},
        {"purpose": "world-domination"},
        {"funding": "bitcoin"},
        {"urgency": "yesterday"},
        {"urgency": ""},
        {"question": "\x00"},
    ],
    ids=lambda g: f"{next(iter(g))}",
)
def test_referral_form_survives_garbage(garbage, gp, ready, lenient_client_for):
    before = database_state()
    response = lenient_client_for(gp).post(url("edit", ready), referral_form_data(**garbage))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert database_state() == before


@pytest.mark.parametrize(
    "garbage",
    [
        {"q2": "maybe"},
        {"q2": ""},
        {"notes": "x" * 4001},
        {"evaluation_limits": LONG},
        {"notes": "\x00"},
    ],
    ids=["invalid-choice", "empty-answer", "long-notes", "long-limits", "nul"],
)
def test_fitness_form_survives_garbage(garbage, gp, draft, lenient_client_for):
    before = database_state()
    response = lenient_client_for(gp).post(url("fitness", draft), {**FITNESS_ALL_NO, **garbage})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert database_state() == before


@pytest.mark.parametrize(
    "data",
    [{}, {"therapist": "-1"}, {"therapist": "999999999"}, {"therapist": "9" * 30}],
    ids=["missing", "negative", "unknown", "out-of-range"],
)
def test_choosing_a_therapist_survives_unknown_ids(data, gp, draft, lenient_client_for):
    before = database_state()
    response = lenient_client_for(gp).post(url("therapist", draft), data)
    assert response.status_code == 404
    assert database_state() == before


@pytest.mark.parametrize("value", ["abc", "", "1.5"], ids=["abc", "empty", "decimal"])
def test_choosing_a_therapist_with_a_non_numeric_id_does_not_500(
    value, gp, draft, lenient_client_for
):
    before = database_state()
    response = lenient_client_for(gp).post(url("therapist", draft), {"therapist": value})
    assert response.status_code < 500
    assert database_state() == before


@pytest.mark.parametrize(
    "query",
    [
        {"place": "x" * 51},
        {"profession": "astronaut"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"place": "\x00"},
    ],
    ids=["long-place", "bad-profession", "page-abc", "page-negative", "page-huge", "nul"],
)
def test_therapist_register_survives_garbage_filters(query, gp, draft, lenient_client_for):
    response = lenient_client_for(gp).get(url("therapist", draft), query)
    assert response.status_code == 200


@pytest.mark.parametrize("reason", ["x" * 2001, "\x00", ["a", "b"]], ids=["long", "nul", "twice"])
def test_cancel_survives_garbage(reason, gp, referral, lenient_client_for):
    before = database_state()
    response = lenient_client_for(gp).post(url("cancel", referral), {"reason": reason})
    assert response.status_code < 500
    if isinstance(reason, str):  # a repeated field keeps its last value: that one is valid
        assert response.status_code == 200
        assert database_state() == before


def test_send_survives_a_post_with_garbage_fields(gp, draft, lenient_client_for):
    before = database_state()
    response = lenient_client_for(gp).post(url("send", draft), {"therapist": "abc", "x": LONG})
    assert response.status_code == 200
    assert database_state() == before


@pytest.mark.parametrize(
    "name", ["patients:list", "referrals:worklist"], ids=["patients", "worklist"]
)
@pytest.mark.parametrize("page_number", ["abc", "-1", "0", "99999", LONG[:200]])
def test_lists_survive_garbage_page_numbers(name, page_number, gp, draft, lenient_client_for):
    response = lenient_client_for(gp).get(reverse(name), {"page": page_number})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["detail", "edit", "letter", "preview"])
def test_referral_pages_with_an_out_of_range_id_are_404(name, gp, lenient_client_for):
    response = lenient_client_for(gp).get(reverse(f"referrals:{name}", args=[10**30]))
    assert response.status_code == 404


def test_the_timeline_shows_the_opening_among_the_steps_in_order(gp, therapist, client_for):
    from referrals.selectors import timeline

    referral = ReferralFactory(
        gp=gp,
        patient=PatientFactory(practice=gp.practice),
        therapist=therapist.therapist,
        status=Status.SENT,
    )
    sent = ReferralEvent.objects.create(
        referral=referral, from_status=Status.DRAFT, to_status=Status.SENT, actor=gp
    )
    accepted = ReferralEvent.objects.create(
        referral=referral, from_status=Status.SENT, to_status=Status.ACCEPTED, actor=None
    )
    ReferralEvent.objects.filter(pk=sent.pk).update(created_at=timezone.now() - timedelta(days=3))
    ReferralEvent.objects.filter(pk=accepted.pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    Referral.objects.filter(pk=referral.pk).update(opened_at=timezone.now() - timedelta(days=2))
    referral.refresh_from_db()

    with translation.override("en"):
        entries = timeline(referral)
        labels = [str(entry["label"]) for entry in entries]

    assert labels == [
        "Sent",
        "Opened by the therapist",
        "Accepted",
    ]
    assert entries[2]["by"] == "Loopbaan"
    page = client_for(gp).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert (
        page.index("Verstuurd")
        < page.index("Geopend door de therapeut")
        < page.index("Geaccepteerd</strong>")
    )
