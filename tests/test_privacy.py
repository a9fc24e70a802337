"""Privacy rights: export every row of a patient, erase after the retention period, review."""

import io
import json
import secrets
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AccessLog, User
from notifications.models import Notification
from patientlinks.models import PatientLink
from patients import privacy
from patients.models import Patient
from referrals.models import FollowUp, Referral, ReferralDocument, ReferralMedication, Status

from .factories import (
    FitnessCheckFactory,
    IntakeFactory,
    PatientFactory,
    ReferralDocumentFactory,
    ReferralEventFactory,
    ReferralFactory,
    RunLogEntryFactory,
    SafetyAlertFactory,
    ScreeningFactory,
    TherapyLetterFactory,
    TherapySessionFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def full_record(gp: User, therapist: User) -> Patient:
    """A patient with at least one row in every table that belongs to a patient.

    When a new model gets a foreign key to Patient or Referral, add a row of it here.
    """
    patient = PatientFactory(practice=gp.practice)
    ReferralFactory(patient=patient, gp=gp, status=Status.CANCELLED)
    referral = ReferralFactory(
        patient=patient, gp=gp, therapist=therapist.therapist, status=Status.FOLLOWED_UP
    )
    ReferralEventFactory(referral=referral)
    FitnessCheckFactory(referral=referral)
    ReferralMedication.objects.create(referral=referral, name="Sertraline", dose="50 mg 1 dd")
    ReferralDocumentFactory(referral=referral)
    ReferralDocumentFactory(
        referral=referral,
        kind=ReferralDocument.Kind.END_LETTER_BACK,
        content=b"%PDF-1.4 end report",
    )
    IntakeFactory(referral=referral)
    ScreeningFactory(referral=referral)
    TherapySessionFactory(referral=referral)
    SafetyAlertFactory(response__referral=referral)  # and its questionnaire response
    TherapyLetterFactory(referral=referral)
    Notification.objects.create(
        referral=referral,
        kind=Notification.Kind.FOLLOW_UP_DUE,
        due_date=timezone.localdate(),
        recipient=gp,
    )
    FollowUp.objects.create(
        referral=referral,
        date=timezone.localdate(),
        wellbeing=FollowUp.Wellbeing.BETTER,
        antidepressant=FollowUp.Antidepressant.NEVER,
        work_status=FollowUp.Work.WORKING,
        runs_per_week=2,
        minutes_per_week=60,
        recorded_by=gp,
    )
    RunLogEntryFactory(referral=referral)
    PatientLink.objects.create(
        referral=referral, purpose=PatientLink.Purpose.RUNNING_LOG, token_hash=secrets.token_hex(32)
    )
    audit.access_log_write(user=therapist, action="view", part="referral", patient_id=patient.pk)
    from django.contrib.contenttypes.models import ContentType

    from patients.models import Correction

    Correction.objects.create(
        patient=patient,
        content_type=ContentType.objects.get_for_model(Patient),
        object_id=patient.pk,
        changes=[{"field": "phone", "old": "", "new": "06-12345678"}],
        reason="Nieuw nummer",
        by=gp,
    )
    return patient


def models_pointing_at_a_patient_or_referral() -> set[str]:
    return {
        model._meta.label_lower
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in (Patient, Referral)
    }


def export(client: Client, patient: Patient) -> zipfile.ZipFile:
    response = client.post(reverse("patients:export", args=[patient.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="patient-{patient.pk}.zip"'
    return zipfile.ZipFile(io.BytesIO(response.content))


def exported_rows(archive: zipfile.ZipFile) -> dict[str, set]:
    rows: dict[str, set] = {}
    for row in json.loads(archive.read("patient.json")):
        rows.setdefault(row["model"], set()).add(row["pk"])
    return rows


# --- Export --------------------------------------------------------------------------------------


def test_export_holds_every_row_of_the_patient_and_nothing_of_another(gp, therapist):
    patient = full_record(gp, therapist)
    other = full_record(gp, therapist)
    expected = {
        owned.model._meta.label_lower: set(
            owned.model._base_manager.filter(**{owned.patient_path: patient.pk}).values_list(
                "pk", flat=True
            )
        )
        for owned in privacy.owned_models()
    }
    expected["accounts.accesslog"] = set(
        AccessLog.objects.filter(patient_id=patient.pk).values_list("pk", flat=True)
    )

    rows = exported_rows(export(signed_in(gp), patient))

    assert rows == expected
    assert all(expected.values()), "full_record() leaves a table empty"
    assert other.pk not in rows["patients.patient"]


def test_export_leaves_out_no_model_that_points_at_a_patient_or_referral(gp, therapist):
    patient = full_record(gp, therapist)

    rows = exported_rows(export(signed_in(gp), patient))

    missing = models_pointing_at_a_patient_or_referral() - set(rows)
    assert missing == set(), "export these (and add a row of each to full_record())"
    assert {
        "patients.patient",
        "referrals.referral",
        "referrals.referralevent",
        "referrals.fitnesscheck",
        "referrals.referraldocument",
        "therapy.therapyletter",
        "notifications.notification",
        "referrals.followup",
        "therapy.intake",
        "therapy.screening",
        "therapy.therapysession",
        "outcomes.questionnaireresponse",
        "outcomes.safetyalert",
        "accounts.accesslog",
    } <= set(rows)


def test_export_holds_every_pdf_as_stored_and_keeps_them_out_of_the_json(gp, therapist):
    patient = full_record(gp, therapist)

    archive = export(signed_in(gp), patient)

    documents = ReferralDocument.objects.filter(referral__patient=patient)
    assert {name for name in archive.namelist() if name.startswith("documents/")} == {
        f"documents/{d.referral_id}-{d.kind}-{d.pk}.pdf" for d in documents
    }
    for document in documents:
        name = f"documents/{document.referral_id}-{document.kind}-{document.pk}.pdf"
        assert archive.read(name) == bytes(document.content)
    stored = [
        row for row in json.loads(archive.read("patient.json"))
        if row["model"] == "referrals.referraldocument"
    ]  # fmt: skip
    assert all("content" not in row["fields"] and row["fields"]["sha256"] for row in stored)


def test_export_get_shows_a_confirm_page_and_post_is_logged(gp, therapist):
    patient = full_record(gp, therapist)
    client = signed_in(gp)

    page = client.get(reverse("patients:export", args=[patient.pk]))
    export(client, patient)

    assert page.status_code == 200
    assert b"<form" in page.content
    row = AccessLog.objects.get(url_name="patients:export", method="POST")
    assert (row.action, row.patient_id, row.user) == ("export", patient.pk, gp)


@pytest.mark.parametrize("name", ["patients:export", "patients:erase"])
def test_gp_of_another_practice_gets_404(name, referral, gp_other_practice):
    client = signed_in(gp_other_practice)
    url = reverse(name, args=[referral.patient_id])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Patient.objects.filter(pk=referral.patient_id).exists()


@pytest.mark.parametrize("name", ["patients:export", "patients:erase"])
def test_only_the_gp_may_export_or_erase(name, referral, therapist, manager):
    url = reverse(name, args=[referral.patient_id])

    assert signed_in(therapist).post(url).status_code == 403
    assert signed_in(manager).post(url).status_code == 403


# --- Erasure -------------------------------------------------------------------------------------


def test_erasure_is_refused_within_the_retention_period(gp, therapist):
    patient = full_record(gp, therapist)

    with time_machine.travel(timezone.now() + timedelta(days=19 * 365)):
        client = signed_in(gp)
        page = client.get(reverse("patients:erase", args=[patient.pk]))
        response = client.post(reverse("patients:erase", args=[patient.pk]), follow=True)

    assert page.status_code == 200
    assert page.context["erasable"] is False
    assert b"Erase for good" not in page.content and b"Definitief wissen" not in page.content
    assert response.redirect_chain == [(reverse("patients:erase", args=[patient.pk]), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert Referral.objects.filter(patient=patient).count() == 2
    refused = AccessLog.objects.get(url_name="patients:erase", method="POST")
    assert (refused.action, refused.outcome, refused.patient_id) == ("denied", "denied", patient.pk)


def test_erasure_after_the_retention_period_removes_everything_but_the_log(gp, therapist):
    patient = full_record(gp, therapist)
    other = full_record(gp, therapist)
    rows = privacy.linked_rows(patient)
    log_before = set(AccessLog.objects.filter(patient_id=patient.pk).values_list("pk", flat=True))

    with time_machine.travel(timezone.now() + timedelta(days=21 * 365)):
        client = signed_in(gp)
        page = client.get(reverse("patients:erase", args=[patient.pk]))
        response = client.post(reverse("patients:erase", args=[patient.pk]))

    assert page.context["erasable"] is True
    assert response.status_code == 302
    assert response.url == reverse("patients:retention")
    for model, found in rows.items():
        assert not model._base_manager.filter(pk__in=[row.pk for row in found]).exists(), model
    assert Patient.objects.filter(pk=other.pk).exists()
    assert Referral.objects.filter(patient=other).count() == 2
    log = AccessLog.objects.filter(patient_id=patient.pk)
    assert log_before < set(log.values_list("pk", flat=True))
    erased = log.get(action="erase")
    assert (erased.user, erased.part, erased.outcome, erased.url_name) == (
        gp,
        "patient",
        "ok",
        "patients:erase",
    )
    assert not log.filter(url_name="patients:erase", method="POST").exclude(pk=erased.pk).exists()


def test_any_recent_row_of_the_record_counts_as_activity(gp, therapist):
    with time_machine.travel(timezone.now() - timedelta(days=25 * 365)):
        patient = PatientFactory(practice=gp.practice)
        referral = ReferralFactory(
            patient=patient, gp=gp, therapist=therapist.therapist, status=Status.IN_THERAPY
        )
    with time_machine.travel(timezone.now() - timedelta(days=365)):
        TherapySessionFactory(referral=referral)

    assert privacy.patient_last_activity(patient) > timezone.now() - timedelta(days=366)
    with pytest.raises(privacy.RetentionNotOver):
        privacy.patient_erase(patient=patient, by=gp)


# --- Retention review ----------------------------------------------------------------------------


def test_retention_list_shows_only_untouched_records_of_the_own_practice(
    gp, gp_other_practice, therapist
):
    with time_machine.travel(timezone.now() - timedelta(days=21 * 365)):
        untouched = PatientFactory(practice=gp.practice, surname="Oud")
        old_referral = ReferralFactory(
            patient=PatientFactory(practice=gp.practice, surname="Recent"),
            gp=gp,
            therapist=therapist.therapist,
            status=Status.IN_THERAPY,
        )
        PatientFactory(practice=gp_other_practice.practice, surname="Elders")
    TherapySessionFactory(referral=old_referral)  # activity today
    PatientFactory(practice=gp.practice, surname="Nieuw")

    response = signed_in(gp).get(reverse("patients:retention"))

    assert response.status_code == 200
    assert [p.pk for p in response.context["page"]] == [untouched.pk]
    html = response.content.decode()
    assert reverse("patients:export", args=[untouched.pk]) in html
    assert reverse("patients:erase", args=[untouched.pk]) in html


def test_retention_list_says_so_when_nothing_is_due(gp):
    PatientFactory(practice=gp.practice)

    response = signed_in(gp).get(reverse("patients:retention"))

    assert list(response.context["page"]) == []
    assert response.context["years"] == privacy.RETENTION_YEARS
    assert 'colspan="4"' in response.content.decode()


def test_retention_list_is_for_gps_only(therapist, manager):
    assert signed_in(therapist).get(reverse("patients:retention")).status_code == 403
    assert signed_in(manager).get(reverse("patients:retention")).status_code == 403


def test_retention_list_query_count_does_not_grow_with_the_patients(gp):
    def queries_for(count: int) -> int:
        with time_machine.travel(timezone.now() - timedelta(days=21 * 365)):
            PatientFactory.create_batch(count, practice=gp.practice)
        client = signed_in(gp)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("patients:retention")).status_code == 200
        return len(queries)

    assert queries_for(1) == queries_for(19)


def test_years_later_handles_29_february():
    moment = timezone.now().replace(year=2024, month=2, day=29)

    assert privacy.years_later(moment, 20).date().isoformat() == "2044-02-29"
    assert privacy.years_later(moment, -21).date().isoformat() == "2003-02-28"


def test_export_names_staff_by_name_and_role_only(gp, therapist):
    """Found by the attacker: the export held staff e-mail addresses, user ids and the IP
    addresses they worked from."""
    patient = full_record(gp, therapist)
    Client(REMOTE_ADDR="203.0.113.44").force_login(gp)
    looked = Client(REMOTE_ADDR="203.0.113.44")
    looked.force_login(therapist)
    looked.get(reverse("patients:detail", args=[patient.pk]))

    text = export(signed_in(gp), patient).read("patient.json").decode()
    rows = json.loads(text)

    for user in (gp, therapist):
        assert user.email not in text
    assert "203.0.113.44" not in text
    assert "claimed_by" not in text
    logs = [row["fields"] for row in rows if row["model"] == "accounts.accesslog"]
    assert logs and all(isinstance(row["user"], str) for row in logs)
    referral = next(row["fields"] for row in rows if row["model"] == "referrals.referral")
    assert referral["gp"] == f"{gp.get_full_name()} (Huisarts)"


def test_export_holds_the_patients_links_but_never_their_hash(gp, therapist):
    patient = full_record(gp, therapist)
    rows = json.loads(export(signed_in(gp), patient).read("patient.json").decode())
    links = [row["fields"] for row in rows if row["model"] == "patientlinks.patientlink"]
    assert links and all("token_hash" not in link for link in links)
    assert any(row["model"] == "therapy.runlogentry" for row in rows)


def test_the_admins_referral_page_is_read_only_and_saving_it_moves_nothing(referral, admin):
    """Found by the attacker: saving the read-only page moved `updated_at`, which restarts the
    20-year retention clock of the record."""
    before = Referral.objects.get(pk=referral.pk).updated_at
    client = signed_in(admin)
    url = reverse("admin:referrals_referral_change", args=[referral.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text

    assert client.post(url, {"_save": "1"}).status_code == 403
    assert Referral.objects.get(pk=referral.pk).updated_at == before
