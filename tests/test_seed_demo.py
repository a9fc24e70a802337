"""`manage.py seed_demo`: the demo world, and a second run that changes nothing."""

import hashlib
import io
import itertools
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Practice, User
from demo.data import PASSWORD, USERS
from notifications.due import due_items
from notifications.models import Notification
from outcomes.models import QuestionnaireResponse
from outcomes.recovery import RELIABLY_RECOVERED
from outcomes.selectors import recovery_summary
from patients.models import Patient
from patients.validators import bsn_is_valid
from referrals.models import (
    STATUS_TIMESTAMP,
    TRANSITIONS,
    Referral,
    ReferralEvent,
    ReferralRecipient,
    Status,
)
from therapists.models import Therapist

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("accounts", "patients", "therapists", "referrals", "outcomes")


def seed() -> None:
    call_command("seed_demo", "--no-documents", stdout=StringIO())


def snapshot() -> dict:
    return {
        "counts": {
            model._meta.label: model.objects.count()
            for app in PROJECT_APPS
            for model in apps.get_app_config(app).get_models()
        },
        "emails": set(User.objects.values_list("email", flat=True)),
        "bsns": set(Patient.objects.values_list("practice__agb_code", "bsn")),
        "referrals": set(Referral.objects.values_list("patient__bsn", "status", "sent_at")),
        "events": set(
            ReferralEvent.objects.values_list(
                "referral__patient__bsn", "from_status", "to_status", "actor__email", "created_at"
            )
        ),
        "verified": set(Therapist.objects.values_list("user__email", "is_verified")),
    }


@pytest.fixture
def seeded():
    seed()


def first_practice() -> Practice:
    return User.objects.get(email="huisarts@example.org").practice


def test_second_run_changes_nothing():
    seed()
    first = snapshot()

    seed()

    assert snapshot() == first
    assert first["counts"]["referrals.Referral"] > 0


def test_first_practice_has_a_referral_in_every_status(seeded):
    statuses = set(
        Referral.objects.filter(practice=first_practice()).values_list("status", flat=True)
    )
    assert statuses == set(Status)


def test_demo_has_two_practices(seeded):
    assert Practice.objects.count() == 2


def test_first_practice_has_about_twenty_patients_with_valid_bsns(seeded):
    bsns = list(Patient.objects.filter(practice=first_practice()).values_list("bsn", flat=True))
    assert len(bsns) >= 20
    assert all(bsn_is_valid(bsn) for bsn in bsns)
    assert all(bsn.startswith("99999") for bsn in bsns)


def test_exactly_one_demo_therapist_awaits_verification(seeded):
    unverified = Therapist.objects.filter(is_verified=False)
    assert unverified.count() == 1
    assert unverified.get().verified_by is None


def test_every_demo_referral_past_draft_has_a_verified_therapist(seeded):
    sent = Referral.objects.exclude(status=Status.DRAFT).select_related("therapist")
    assert all(referral.therapist.is_verified for referral in sent)


def test_every_demo_user_can_authenticate_with_the_demo_password(seeded):
    from django.test import RequestFactory

    for email, *_rest in USERS:
        # django-axes needs the request to count failures per account.
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=email, password=PASSWORD) is not None, email


def test_demo_has_a_user_for_every_role(seeded):
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role)


def test_demo_referral_histories_follow_the_lifecycle(seeded):
    for referral in Referral.objects.prefetch_related("events"):
        steps = [(e.from_status, e.to_status) for e in referral.events.all()]
        assert steps[0] == ("", Status.DRAFT), referral.pk
        for (_before, reached), (came_from, went_to) in itertools.pairwise(steps):
            assert came_from == reached, referral.pk
            assert went_to in TRANSITIONS[came_from], (referral.pk, came_from, went_to)
        assert steps[-1][1] == referral.status, referral.pk


def test_demo_referrals_carry_the_timestamp_of_every_step_they_passed(seeded):
    for referral in Referral.objects.prefetch_related("events"):
        for event in referral.events.all():
            if event.to_status in STATUS_TIMESTAMP:
                assert getattr(referral, STATUS_TIMESTAMP[event.to_status]), (
                    referral.pk,
                    event.to_status,
                )


def test_demo_timelines_show_each_step_at_its_own_moment(seeded):
    """The history is dated like the referral's steps, not all at the moment of seeding."""
    for referral in Referral.objects.prefetch_related("events"):
        for event in referral.events.all():
            if event.to_status in STATUS_TIMESTAMP:
                expected = getattr(referral, STATUS_TIMESTAMP[event.to_status])
                assert event.created_at == expected, (referral.pk, event.to_status)
            else:
                assert event.created_at == referral.created_at, referral.pk


def test_seed_with_documents_stores_a_letter_for_every_sent_referral_and_the_reports():
    from referrals.models import ReferralDocument
    from therapy.models import TherapyLetter

    call_command("seed_demo", stdout=StringIO())
    sent = Referral.objects.filter(sent_at__isnull=False)
    letters = ReferralDocument.objects.filter(kind=ReferralDocument.Kind.LETTER)
    assert set(letters.values_list("referral_id", flat=True)) == set(
        sent.values_list("pk", flat=True)
    )
    for report in TherapyLetter.objects.all():
        assert ReferralDocument.objects.filter(referral=report.referral, kind=report.kind).exists()
    assert TherapyLetter.objects.filter(kind=TherapyLetter.Kind.END).exists()
    # The letter each therapist got is the one the send stored.
    for recipient in ReferralRecipient.objects.select_related("letter"):
        assert recipient.letter == letters.get(referral_id=recipient.referral_id)
    # A full HASP letter: the send line with its document number, the checksum of the bytes.
    letter = letters.filter(referral__medications__isnull=False).first()
    text = "".join(
        "".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(bytes(letter.content))).pages
    )
    assert "Elektronischverzondendoor" in text and f"VB-{letter.pk}" in text
    assert "Dossiersamenvatting" in text and "Allergieën" in text
    assert letter.sha256 == hashlib.sha256(bytes(letter.content)).hexdigest()
    # The reports back give the week 0 the referral page shows (referral.therapy_start), not
    # the intake date of a stale instance.
    for report in TherapyLetter.objects.exclude(kind=TherapyLetter.Kind.INTAKE):
        stored = ReferralDocument.objects.get(referral=report.referral, kind=report.kind)
        text = "".join(
            "".join((page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(bytes(stored.content))).pages
        )
        start = report.referral.therapy_start.strftime("%d-%m-%Y")
        assert f"Starttherapie(week0){start}" in text, (report.referral_id, start)


def test_the_demo_referrals_fill_in_the_hasp_letter(seeded):
    from referrals.models import ReferralMedication

    referrals = Referral.objects.all()
    assert ReferralMedication.objects.filter(referral__in=referrals).exists()
    assert not referrals.filter(risk_suicidality__isnull=True).exists()
    assert referrals.filter(risk_bipolar=True).exists()
    assert not referrals.filter(allergies="").exists()
    assert not referrals.filter(systolic__isnull=True).exists()
    assert not Patient.objects.filter(insurer_uzovi="").exists()


def test_every_demo_send_is_recorded_with_its_therapist_and_moment(seeded):
    """The demo backdates with QuerySet.update(): the recipients carry the history's moments."""
    sent = Referral.objects.filter(sent_at__isnull=False)
    assert set(ReferralRecipient.objects.values_list("referral", "therapist", "sent_at")) == set(
        sent.values_list("pk", "therapist", "sent_at")
    )


def test_the_demo_therapist_sees_their_caseload_and_past_clients(seeded):
    from referrals.selectors import past_clients, therapist_worklist

    therapist = User.objects.get(email="therapeut@example.org")
    caseload = set(therapist_worklist(user=therapist).values_list("status", flat=True))
    assert caseload == {Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE, Status.IN_THERAPY}
    past = set(past_clients(user=therapist).values_list("status", flat=True))
    assert {Status.FOLLOWED_UP, Status.NOT_CLEARED} <= past
    # The referral the GP cancelled before any intake is no longer the therapist's.
    cancelled = Referral.objects.get(status=Status.CANCELLED, therapist__user=therapist)
    assert cancelled.intake_done_at is None
    assert not past_clients(user=therapist).filter(pk=cancelled.pk).exists()


def test_the_demo_shows_an_escalated_and_an_acknowledged_safety_alert(seeded):
    from notifications.models import Notification
    from outcomes.models import SafetyAlert

    escalated = SafetyAlert.objects.get(referral__patient__surname="Bakker")
    acknowledged = SafetyAlert.objects.get(referral__patient__surname="Horst")

    assert escalated.acknowledged_at is None and escalated.escalated_at is not None
    gps = User.objects.filter(role=User.Role.GP, practice=escalated.referral.practice)
    rows = Notification.objects.filter(kind=Notification.Kind.SAFETY_ALERT_ESCALATED)
    assert set(rows.filter(address="").values_list("recipient", flat=True)) == set(
        gps.values_list("pk", flat=True)
    )
    assert rows.filter(address=escalated.referral.practice.email).count() == 1
    assert acknowledged.acknowledged_by.email == "huisarts3@example.org"
    assert acknowledged.acknowledged_by != acknowledged.referral.gp  # a colleague
    assert acknowledged.acknowledgement_note.startswith("Patiënt gebeld")
    assert all(p.email for p in Practice.objects.all())


def test_the_demo_shows_the_schedule_and_the_outcomes_of_issue_14(seeded):
    """A follow-up due while the therapy is open, a questionnaire outside its window with a
    reason, a reliable recovery and a reliable deterioration (told to the GP)."""
    today = timezone.localdate()
    items = due_items(today=today)
    open_follow_ups = [
        i
        for i in items
        if i.kind == Notification.Kind.FOLLOW_UP_DUE
        and Referral.objects.get(pk=i.referral_id).status == Status.IN_THERAPY
    ]
    assert open_follow_ups
    outside = QuestionnaireResponse.objects.filter(outside_window=True)
    assert outside.exists() and all(r.outside_window_reason for r in outside)
    outcomes = {
        getattr(recovery_summary(list(r.questionnaires.all())), "outcome", None)
        for r in Referral.objects.filter(therapy_start__isnull=False)
    }
    assert RELIABLY_RECOVERED in outcomes
    assert [i for i in items if i.kind == Notification.Kind.DETERIORATION]
    assert Notification.objects.filter(kind=Notification.Kind.DETERIORATION).exists()
    # Every started demo therapy has its week 0 and its follow-up date.
    started = Referral.objects.filter(therapy_started_at__isnull=False)
    assert not started.filter(therapy_start__isnull=True).exists()
    assert not started.filter(follow_up_due__isnull=True).exists()


def test_demo_shows_a_corrected_session_a_withdrawn_one_and_a_corrected_patient(seeded):
    from patients.models import Correction
    from therapy.models import TherapySession

    kinds = {c.content_type.model for c in Correction.objects.select_related("content_type")}
    assert {"therapysession", "patient"} <= kinds
    assert Correction.objects.filter(action=Correction.Action.WITHDRAWN).exists()
    assert TherapySession.objects.exclude(withdrawn_at=None).exists()
    assert all(c.reason for c in Correction.objects.all())
