"""Issue 18: the patient's personal link (questionnaires), its protections and its e-mails."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import AccessLog
from notifications.models import Notification
from notifications.sweep import sweep
from outcomes.models import QuestionnaireResponse, SafetyAlert
from patientlinks.exceptions import LinkError
from patientlinks.models import PatientLink
from patientlinks.services import link_issue, parse_birth_date
from tests.factories import in_therapy_since

pytestmark = pytest.mark.django_db

PHQ9 = [1, 1, 0, 1, 0, 1, 0, 0, 0]
GAD7 = [1, 0, 1, 0, 1, 0, 0]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def consenting(gp, therapist):
    referral = in_therapy_since(gp, therapist, days=0, self_report_consent=True)
    referral.patient.email = "patient@example.invalid"
    referral.patient.save()
    return referral


def _issue(referral, therapist, week=0):
    return link_issue(referral=referral, purpose="questionnaire", week=week, by=therapist)


def _sign_in(client, token, birth="01-01-1980"):
    return client.post(f"/p/{token}/", {"birth_date": birth})


def _answer_all(client, token, phq9=PHQ9, gad7=GAD7):
    for code, answers in (("PHQ-9", phq9), ("GAD-7", gad7)):
        for index, value in enumerate(answers):
            client.post(f"/p/{token}/", {"step": f"{code}:{index}", "answer": value})
            if code == "PHQ-9" and index == 8 and value > 0:
                client.post(f"/p/{token}/", {"crisis_seen": "1"})
        if not (code == "PHQ-9" and phq9[8] > 0):
            client.post(f"/p/{token}/", {"step": f"{code}:d", "answer": 1})


def test_no_link_without_consent(gp, therapist, client_for):
    referral = in_therapy_since(gp, therapist, days=0)
    with pytest.raises(LinkError):
        _issue(referral, therapist)
    page = client_for(therapist).get(f"/referrals/{referral.pk}/patient-links/")
    assert "geen toestemming" in page.content.decode()
    assert not PatientLink.objects.exists()


def test_the_token_is_stored_only_as_its_hash(consenting, therapist):
    link, token = _issue(consenting, therapist)
    assert len(token) >= 43  # 32 random bytes, URL-safe
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = str(PatientLink.objects.filter(pk=link.pk).values().get())
    assert token not in stored


@pytest.mark.parametrize("typed", ["01-01-1980", "1-1-1980", "01/01/1980", " 1/01/1980 "])
def test_the_date_of_birth_is_read_the_dutch_way(typed):
    assert parse_birth_date(typed).isoformat() == "1980-01-01"


def test_five_wrong_dates_lock_the_link(consenting, therapist):
    link, token = _issue(consenting, therapist)
    client = Client()
    for _attempt in range(4):
        assert _sign_in(client, token, "02-02-1980").status_code == 400
    assert _sign_in(client, token, "02-02-1980").status_code == 403
    link.refresh_from_db()
    assert link.locked_at and link.failed_attempts == 5
    # Even the right date no longer opens it.
    assert _sign_in(client, token).status_code == 403
    refused = AccessLog.objects.filter(user_email=f"patient-link:{link.pk}", outcome="denied")
    assert refused.count() == 6


def test_the_patient_fills_in_both_and_the_link_is_used(consenting, therapist, client_for):
    link, token = _issue(consenting, therapist)
    client = Client()
    assert _sign_in(client, token, "12-12-1999").status_code == 400
    assert _sign_in(client, token).status_code == 302
    first = client.get(f"/p/{token}/").content.decode()
    assert "Test" in first and "Patiënt" not in first  # only the first name
    _answer_all(client, token)
    responses = QuestionnaireResponse.objects.filter(referral=consenting)
    assert {(r.instrument, r.entered_by_patient) for r in responses} == {
        ("PHQ-9", True),
        ("GAD-7", True),
    }
    assert client.get(f"/p/{token}/").status_code == 200  # the thank-you page, same session
    assert Client().get(f"/p/{token}/").status_code == 410  # used
    page = client_for(therapist).get(f"/referrals/{consenting.pk}/").content.decode()
    assert page.count("ingevuld door patiënt") == 2
    assert AccessLog.objects.filter(user_email=f"patient-link:{link.pk}", outcome="ok").exists()


def test_item_9_shows_the_crisis_message_and_raises_the_alert(consenting, therapist, gp):
    link, token = _issue(consenting, therapist)
    client = Client()
    _sign_in(client, token)
    for index, value in enumerate([0, 0, 0, 0, 0, 0, 0, 0, 2]):
        client.post(f"/p/{token}/", {"step": f"PHQ-9:{index}", "answer": value})
    crisis = client.get(f"/p/{token}/").content.decode()
    assert "0800-0113" in crisis and "112" in crisis and "113.nl" in crisis
    assert "uw therapeut en huisarts worden vandaag ingelicht" in crisis.lower()
    alert = SafetyAlert.objects.get(referral=consenting)
    told = set(
        Notification.objects.filter(kind="safety_alert", key=f"alert-{alert.pk}").values_list(
            "recipient_id", flat=True
        )
    )
    assert {gp.pk, therapist.pk} <= told


def test_an_expired_link_refuses(consenting, therapist):
    link, token = _issue(consenting, therapist)
    PatientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = Client().get(f"/p/{token}/")
    assert page.status_code == 410
    assert "verlopen" in page.content.decode()
    assert Client().get("/p/not-a-token/").status_code == 404


def test_a_new_link_replaces_the_old(consenting, therapist):
    _first, old = _issue(consenting, therapist)
    _issue(consenting, therapist)
    assert Client().get(f"/p/{old}/").status_code == 410


def test_two_sweeps_send_each_patient_email_once(consenting, therapist):
    sweep(trigger="test")
    sweep(trigger="test")
    to_patient = [m for m in mail.outbox if m.to == ["patient@example.invalid"]]
    assert len(to_patient) == 1
    link = PatientLink.objects.get(referral=consenting)
    assert link.week == 0 and link.mailed_at
    # Three days later, still open: one reminder, however often the sweep runs.
    PatientLink.objects.filter(pk=link.pk).update(created_at=timezone.now() - timedelta(days=3))
    sweep(trigger="test")
    sweep(trigger="test")
    to_patient = [m for m in mail.outbox if m.to == ["patient@example.invalid"]]
    assert len(to_patient) == 2
    # The newest e-mail's link opens the questionnaire.
    token = re.search(r"/p/([\w-]+)/", to_patient[-1].body).group(1)
    assert Client().get(f"/p/{token}/").status_code == 200


def test_the_patient_email_carries_no_medical_detail(consenting, therapist):
    sweep(trigger="test")
    message = next(m for m in mail.outbox if m.to == ["patient@example.invalid"])
    text = (message.subject + message.body + message.alternatives[0][0]).lower()
    for word in ("phq", "gad", "depress", "angst", "somber", "stemming", "psych", "test patiënt"):
        assert word not in text
    assert "/p/" in message.body


def test_no_sweep_email_without_consent(gp, therapist):
    referral = in_therapy_since(gp, therapist, days=0)
    referral.patient.email = "patient@example.invalid"
    referral.patient.save()
    sweep(trigger="test")
    assert not [m for m in mail.outbox if m.to == ["patient@example.invalid"]]


def test_the_therapist_shows_a_qr_code_and_emails_a_link(
    consenting, therapist, client_for, django_capture_on_commit_callbacks
):
    client = client_for(therapist)
    shown = client.post(
        f"/referrals/{consenting.pk}/patient-links/", {"what": "questionnaire-0", "deliver": "show"}
    )
    assert shown.status_code == 200 and b"<svg" in shown.content and b"/p/" in shown.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/referrals/{consenting.pk}/patient-links/",
            {"what": "running_log", "deliver": "mail"},
        )
    assert [m for m in mail.outbox if m.to == ["patient@example.invalid"]]


def test_another_therapist_gets_404(consenting, therapist_other, client_for):
    page = client_for(therapist_other).get(f"/referrals/{consenting.pk}/patient-links/")
    assert page.status_code == 404


def test_the_running_log_link_records_the_patients_run(consenting, therapist):
    from therapy.models import RunLogEntry

    link, token = link_issue(referral=consenting, purpose="running_log", by=therapist)
    assert link.expires_at is None
    client = Client()
    _sign_in(client, token)
    today = timezone.localdate().strftime("%d-%m-%Y")
    run = {"date": today, "minutes_running": "20", "minutes_walking": "10", "borg": "13"}
    assert client.post(f"/p/{token}/", run).status_code == 302
    assert client.post(f"/p/{token}/", run).status_code == 302  # not single use
    entries = RunLogEntry.objects.filter(referral=consenting)
    assert entries.count() == 2
    assert all(e.entered_by_patient and e.via_link == link.pk for e in entries)
    assert client.post(f"/p/{token}/", {**run, "borg": "30"}).status_code == 400
