"""The referral letter as the NHG/LHV HASP lays it out (referrals.letters), the risk rubric's
rule (referrals.risk), the medication rows (a formset, all or nothing) and their data
migration."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from pypdf import PdfReader

from referrals import services
from referrals.exceptions import NotReadyToSend
from referrals.icpc import Icpc
from referrals.models import Referral, ReferralDocument, ReferralMedication, Status

from .factories import PatientFactory, ReferralFactory, draft_ready_to_send


def pdf_text(data: bytes) -> str:
    """The text without whitespace: values wrap over lines wherever the layout breaks them."""
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.split())


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def full_referral(gp, therapist) -> Referral:
    """A sendable draft with every HASP item filled in."""
    gp.first_name, gp.last_name = "Anna", "de Vries"
    gp.save()
    gp.gp_profile.direct_phone = "030-1234599"
    gp.gp_profile.save()
    referral = draft_ready_to_send(gp, therapist)
    patient = referral.patient
    patient.first_name, patient.tussenvoegsel, patient.surname = "Jan", "van der", "Berg"
    patient.bsn = "111222333"
    patient.sex = "male"
    patient.date_of_birth = datetime.date(1980, 5, 17)
    patient.address, patient.postcode, patient.city = "Straat 3", "1234 EF", "Utrecht"
    patient.phone, patient.email = "06-12345678", "jan.vdberg@example.org"
    patient.insurer_name, patient.insurer_uzovi, patient.policy_number = (
        "Zorgverzekeraar Test",
        "3311",
        "POL-998877",
    )
    patient.save()
    Referral.objects.filter(pk=referral.pk).update(
        complaint=Icpc.P03,
        other_complaints=[Icpc.P06],
        urgency="soon",
        question="Kan runningtherapie de stemming verbeteren?",
        course="Sinds maart somber, langzaam erger; slaapt slecht.",
        patient_request="Wil weer fit worden en verwacht structuur van het lopen.",
        poh_ggz="Vijf gesprekken bij de POH-GGZ, gedeeltelijk effect.",
        psychological_treatment="Geen eerdere psycholoog.",
        medication_tried="Mirtazapine 2023, gestopt om gewichtstoename.",
        risk_suicidality=False,
        risk_psychosis=False,
        risk_bipolar=False,
        risk_notes="Geen doodsgedachten besproken.",
        other_episodes="K86 Hypertensie zonder orgaanbeschadiging",
        allergies="Penicilline-allergie.",
        measured_on=datetime.date(2026, 11, 20),
        systolic=132,
        diastolic=84,
        height_cm=181,
        weight_kg=Decimal("72.5"),
        phq9_total=14,
        medication="Neemt soms paracetamol.",
    )
    ReferralMedication.objects.create(
        referral=referral, name="Sertraline", dose="50 mg 1dd", since="maart 2026"
    )
    return Referral.objects.get(pk=referral.pk)


def test_the_sent_letter_holds_every_hasp_item(full_referral, gp, client_for, therapist):
    sent = services.referral_send(referral=full_referral, by=gp)
    document = sent.documents.get(kind=ReferralDocument.Kind.LETTER)
    text = pdf_text(bytes(document.content))
    therapist_name = therapist.get_full_name()

    expected = {
        # Envelop
        "the three parts": ["Envelop", "Kern", "Dossiersamenvatting"],
        "patient": ["Janvan derBerg", "17-05-1980", "Man", "111222333", "Straat3", "1234EFUtrecht"],
        "patient's phone and e-mail": ["06-12345678", "jan.vdberg@example.org"],
        "insurer": ["ZorgverzekeraarTest", "UZOVI3311", "POL-998877"],
        "referrer": [
            "AnnadeVries",
            gp.gp_profile.agb_code,
            gp.gp_profile.big_number,
            gp.practice.name,
            gp.practice.agb_code,
            "030-1234599",
        ],
        "addressee": [therapist_name],
        "urgency": ["Urgentie", "binnen1week"],
        # Kern
        "vraagstelling": ["Vraagstelling", "Kanrunningtherapiedestemmingverbeteren?"],
        "probleemstelling": [
            "P03",
            "P06",
            "Beloop",
            "Sindsmaartsomber,langzaamerger;slaaptslecht.",
            "Hulpvraagenverwachtingvandepatiënt",
            "Wilweerfitworden",
        ],
        "beleid tot nu toe": [
            "POH-GGZ",
            "VijfgesprekkenbijdePOH-GGZ",
            "Psychologischebehandeling",
            "Geeneerderepsycholoog.",
            "Medicatiegeprobeerd",
            "Mirtazapine2023",
        ],
        "risk": ["Actievesuïcidaliteit", "Psychose", "Bipolairestoornis", "Geendoodsgedachten"],
        # Dossiersamenvatting
        "episode list": ["Episodelijst(ICPC)", "K86Hypertensiezonderorgaanbeschadiging"],
        "medication rows": ["Sertraline", "50mg1dd", "maart2026", "Neemtsoms paracetamol."],
        "allergies": ["Allergieën,intolerantiesencontra-indicaties", "Penicilline-allergie."],
        "measurements": ["132/84mmHg", "181cm", "72,5kg", "14/27", "20-11-2026"],
        # The send line instead of a signature
        "send line": ["ElektronischverzondendoorAnnadeVriesop", f"VB-{document.pk}"],
    }
    missing = {
        item: [value for value in values if flat(value) not in text]
        for item, values in expected.items()
    }
    assert not {item: values for item, values in missing.items() if values}, text
    assert "Handtekening" not in text

    # The checksum the letter cannot hold is shown beside it on the referral page.
    page = client_for(therapist).get(reverse("referrals:detail", args=[sent.pk]))
    assert document.sha256 in page.content.decode()
    assert f"VB-{document.pk}" in page.content.decode()


def test_a_draft_preview_says_it_is_not_sent(full_referral):
    from referrals.letters import render_referral_letter

    text = pdf_text(render_referral_letter(full_referral))
    assert "Concept:nognietverzonden." in text
    assert "Elektronischverzonden" not in text


# --- The risk rubric --------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["risk_suicidality", "risk_psychosis"])
def test_a_yes_on_active_suicidality_or_psychosis_is_refused_at_send_without_confirmation(
    gp, therapist, answer
):
    referral = draft_ready_to_send(gp, therapist)
    Referral.objects.filter(pk=referral.pk).update(**{answer: True})
    referral.refresh_from_db()

    assert any(
        "bevestig" in p.lower() or "confirm" in p.lower() for p in services.send_problems(referral)
    )
    with pytest.raises(NotReadyToSend):
        services.referral_send(referral=referral, by=gp)
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT
    assert not referral.documents.exists()

    Referral.objects.filter(pk=referral.pk).update(risk_confirmed=True)
    referral.refresh_from_db()
    assert services.referral_send(referral=referral, by=gp).status == Status.SENT


def test_a_yes_on_bipolar_disorder_needs_no_confirmation(gp, therapist):
    referral = draft_ready_to_send(gp, therapist)
    Referral.objects.filter(pk=referral.pk).update(risk_bipolar=True)
    referral.refresh_from_db()
    assert services.send_problems(referral) == []


def test_an_unanswered_risk_rubric_keeps_the_referral_from_being_sent(gp, therapist):
    referral = draft_ready_to_send(gp, therapist)
    Referral.objects.filter(pk=referral.pk).update(risk_psychosis=None)
    referral.refresh_from_db()
    assert services.send_problems(referral)
    with pytest.raises(NotReadyToSend):
        services.referral_send(referral=referral, by=gp)


def form_data(referral: Referral, **changes) -> dict:
    """A complete POST of the referral form, the medication formset's management included."""
    data = {
        "consent_given": "on",
        "complaint": "P03",
        "severity": "mild",
        "question": "Kan hardlopen helpen?",
        "purpose": "treatment",
        "funding": "health_insurer",
        "urgency": "routine",
        "uses_antidepressant": "False",
        "risk_suicidality": "False",
        "risk_psychosis": "False",
        "risk_bipolar": "False",
        "medication-TOTAL_FORMS": "2",
        "medication-INITIAL_FORMS": "0",
        "medication-MIN_NUM_FORMS": "0",
        "medication-MAX_NUM_FORMS": "20",
    }
    data |= changes
    return data


def test_the_form_warns_on_a_yes_and_send_is_refused_until_the_gp_confirms(
    gp, therapist, client_for
):
    referral = draft_ready_to_send(gp, therapist)
    client = client_for(gp)
    url = reverse("referrals:edit", args=[referral.pk])

    response = client.post(url, form_data(referral, risk_suicidality="True"), follow=True)
    assert "running therapy is not a first step" in response.content.decode() or (
        "geen eerste stap" in response.content.decode()
    )
    referral.refresh_from_db()
    assert referral.risk_suicidality is True and referral.risk_confirmed is False

    client.post(reverse("referrals:send", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT

    client.post(url, form_data(referral, risk_suicidality="True", risk_confirmed="on"))
    referral.refresh_from_db()
    assert referral.risk_confirmed is True
    client.post(reverse("referrals:send", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_a_confirmation_without_a_yes_is_not_kept(gp, therapist, client_for):
    referral = draft_ready_to_send(gp, therapist)
    client_for(gp).post(
        reverse("referrals:edit", args=[referral.pk]), form_data(referral, risk_confirmed="on")
    )
    referral.refresh_from_db()
    assert referral.risk_confirmed is False


# --- The medication rows ----------------------------------------------------------------------


def test_medication_rows_are_saved_with_the_referral(gp, therapist, client_for):
    referral = draft_ready_to_send(gp, therapist)
    response = client_for(gp).post(
        reverse("referrals:edit", args=[referral.pk]),
        form_data(
            referral,
            **{
                "medication-0-name": "Sertraline",
                "medication-0-dose": "50 mg 1dd",
                "medication-0-since": "maart 2026",
            },
        ),
    )
    assert response.status_code == 302
    assert list(referral.medications.values_list("name", "dose", "since")) == [
        ("Sertraline", "50 mg 1dd", "maart 2026")
    ]


def test_a_bad_medication_row_gets_a_message_and_nothing_is_saved(gp, therapist, client_for):
    referral = draft_ready_to_send(gp, therapist)
    response = client_for(gp).post(
        reverse("referrals:edit", args=[referral.pk]),
        form_data(
            referral,
            question="Een nieuwe vraag die niet bewaard mag worden.",
            **{
                "medication-0-name": "Sertraline",
                "medication-0-dose": "50 mg",
                "medication-1-name": "",
                "medication-1-dose": "10 mg",
            },
        ),
    )
    assert response.status_code == 200
    formset = response.context["medication"]
    assert formset.forms[1].errors["name"]
    assert "invalid-feedback" in response.content.decode()
    referral.refresh_from_db()
    assert referral.question == "Kan hardlopen helpen?"
    assert not referral.medications.exists()


def test_a_bad_measurement_is_refused_beside_its_field(gp, therapist, client_for):
    referral = draft_ready_to_send(gp, therapist)
    response = client_for(gp).post(
        reverse("referrals:edit", args=[referral.pk]),
        form_data(referral, systolic="120", diastolic="", weight_kg="72,5", phq9_total="30"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["diastolic"] and form.errors["phq9_total"]
    assert "weight_kg" not in form.errors  # a decimal comma is fine


# --- The data migration -----------------------------------------------------------------------

BEFORE = [("referrals", "0014_hasp_letter")]
AFTER = [("referrals", "0015_medication_to_rows")]


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor needs it
def test_the_data_migration_moves_a_one_line_medication_to_a_row_and_keeps_a_long_one(gp):
    patient = lambda: PatientFactory(practice=gp.practice)  # noqa: E731
    one_line = ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED)
    long_text = ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED)
    empty = ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        note = "Sertraline 50 mg 1dd sinds maart;\nomeprazol 20 mg bij maagklachten."
        Referral.objects.filter(pk=one_line.pk).update(medication="Sertraline 50 mg 1dd")
        Referral.objects.filter(pk=long_text.pk).update(medication=note)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)

        rows = ReferralMedication.objects.filter(referral=one_line)
        assert list(rows.values_list("name", "dose", "since")) == [("Sertraline 50 mg 1dd", "", "")]
        # Only the column this migration knows: later migrations add columns the model has.
        medication = Referral.objects.values_list("medication", flat=True)
        assert medication.get(pk=one_line.pk) == ""
        assert medication.get(pk=long_text.pk) == note
        assert not ReferralMedication.objects.filter(referral__in=[long_text, empty]).exists()
    finally:
        call_command("migrate", verbosity=0)
