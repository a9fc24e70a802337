"""The therapist's workspace through real requests: answer a referral, intake, screening, reports,
closing, questionnaires with the item-9 alert, who may see what, query counts and due dates.
"""

import io
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from pypdf import PdfReader

from notifications import delivery
from notifications.models import Notification
from outcomes.models import QuestionnaireResponse, SafetyAlert
from referrals import readiness
from referrals.models import FitnessCheck, Referral, ReferralDocument, ReferralEvent, Status
from referrals.schedule import add_months, add_working_days, follow_up_due, questionnaire_due
from therapy.models import Intake, Screening, TherapyLetter

from .factories import (
    FitnessCheckFactory,
    IntakeFactory,
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralDocumentFactory,
    ReferralFactory,
    SafetyAlertFactory,
    ScreeningFactory,
    TherapyLetterFactory,
    TherapySessionFactory,
)

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
SCREENING = {
    "date": timezone.localdate().isoformat(),
    "late_reason": "",
    "resting_heart_rate": "64",
    "systolic": "125",
    "diastolic": "80",
    "height_cm": "178",
    "weight_kg": "74.0",
    "injuries": "",
    "notes": "",
    "outcome": "cleared",
    "restrictions": "",
}
CLOSE = {
    "outcome": "completed",
    "reason": "",
    "summary": "Twaalf weken trouw gelopen.",
    "fitness_progress": "Van 1 naar 30 minuten hardlopen.",
    "runs_independently": "yes",
    "advice": "Bespreek afbouw van de medicatie.",
}


# --- Helpers -----------------------------------------------------------------------------------


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def english_errors(form) -> dict[str, list[str]]:
    """The form's errors in English (they are lazy: translated when read)."""
    with translation.override("en"):
        return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def assert_says_nothing_about_the_patient(message, patient) -> None:
    """Emails say only that something waits: no name, no BSN, in any part."""
    parts = [message.subject, message.body, *(content for content, _t in message.alternatives)]
    for part in parts:
        for secret in (patient.first_name, patient.surname, patient.bsn):
            assert secret not in part


def in_status(referral: Referral, status: str, **fields) -> Referral:
    """Move a factory referral to `status` without the services (arrange, not act)."""
    Referral.objects.filter(pk=referral.pk).update(status=status, **fields)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def accepted(referral):
    return in_status(referral, Status.ACCEPTED, accepted_at=timezone.now())


@pytest.fixture
def intake_done(referral):
    """Intake recorded today; the screening waits."""
    referral = in_status(
        referral,
        Status.INTAKE_DONE,
        intake_date=timezone.localdate(),
        intake_done_at=timezone.now(),
    )
    IntakeFactory(referral=referral)
    return referral


@pytest.fixture
def in_therapy(referral_in_therapy):
    """In therapy (intake 28 days ago) with the GP's fitness check, intake and screening."""
    FitnessCheckFactory(referral=referral_in_therapy)
    IntakeFactory(referral=referral_in_therapy)
    ScreeningFactory(referral=referral_in_therapy)
    return referral_in_therapy


# --- Anonymous and wrong roles -----------------------------------------------------------------

THERAPIST_PAGES = [
    ("referrals:incoming", lambda r: []),
    ("referrals:decline", lambda r: [r.pk]),
    ("therapy:intake", lambda r: [r.pk]),
    ("therapy:screening", lambda r: [r.pk]),
    ("therapy:letter_back", lambda r: [r.pk, "intake_report"]),
    ("therapy:close", lambda r: [r.pk]),
]


@pytest.mark.parametrize(("name", "args"), THERAPIST_PAGES, ids=[n for n, _a in THERAPIST_PAGES])
def test_anonymous_is_sent_to_sign_in_from_the_therapist_pages(client, referral, name, args):
    url = reverse(name, args=args(referral))
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "args"), THERAPIST_PAGES, ids=[n for n, _a in THERAPIST_PAGES])
def test_gp_gets_403_on_the_therapist_pages(client_for, gp, referral, name, args):
    assert client_for(gp).get(reverse(name, args=args(referral))).status_code == 403


# --- Accept -------------------------------------------------------------------------------------


def test_therapist_accepts_and_the_gp_is_emailed_once_after_commit(
    referral, gp, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(therapist).post(reverse("referrals:accept", args=[referral.pk]))
        # Nothing leaves before the transaction commits.
        assert mailoutbox == []

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.accepted_at is not None
    event = referral.events.get(to_status=Status.ACCEPTED)
    assert (event.from_status, event.actor) == (Status.SENT, therapist)

    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [gp.email]
    assert reverse("referrals:detail", args=[referral.pk]) in mailoutbox[0].body
    assert_says_nothing_about_the_patient(mailoutbox[0], referral.patient)


def test_accept_refuses_get(referral, therapist, client_for):
    response = client_for(therapist).get(reverse("referrals:accept", args=[referral.pk]))
    assert response.status_code == 405
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_another_therapist_cannot_accept(referral, therapist_other, client_for, mailoutbox):
    response = client_for(therapist_other).post(reverse("referrals:accept", args=[referral.pk]))
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert not ReferralEvent.objects.filter(referral=referral).exists()
    assert mailoutbox == []


def test_gp_cannot_accept(referral, gp, client_for):
    assert client_for(gp).post(reverse("referrals:accept", args=[referral.pk])).status_code == 403
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_accepting_twice_says_so_and_changes_nothing(
    accepted, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    before = (accepted.accepted_at, accepted.updated_at)
    client = english(client_for(therapist))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("referrals:accept", args=[accepted.pk]))

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[accepted.pk])
    assert message_texts(response) == ["This step does not fit the referral's current status."]
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED
    assert (accepted.accepted_at, accepted.updated_at) == before
    assert not ReferralEvent.objects.filter(referral=accepted).exists()
    assert mailoutbox == []


# --- Decline ------------------------------------------------------------------------------------


def test_decline_shows_a_form_asking_for_the_reason(referral, therapist, client_for):
    response = client_for(therapist).get(reverse("referrals:decline", args=[referral.pk]))
    assert response.status_code == 200
    assert b'name="reason"' in response.content


def test_decline_without_a_reason_is_refused_and_changes_nothing(
    referral, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(therapist).post(
            reverse("referrals:decline", args=[referral.pk]), {"reason": "   "}
        )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"reason"}
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (Status.SENT, "")
    assert not ReferralEvent.objects.filter(referral=referral).exists()
    assert mailoutbox == []


def test_decline_with_a_reason_goes_back_to_the_gp_who_can_choose_another_therapist(
    referral, gp, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    reason = "Mijn groep zit vol tot het voorjaar."
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(therapist).post(
            reverse("referrals:decline", args=[referral.pk]), {"reason": reason}
        )

    assert response.status_code == 302
    assert response.url == reverse("referrals:incoming")
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED
    assert referral.decline_reason == reason
    assert referral.events.get(to_status=Status.DECLINED).note == reason
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [gp.email]
    assert_says_nothing_about_the_patient(mailoutbox[0], referral.patient)

    gp_client = english(client_for(gp))
    page = gp_client.get(reverse("referrals:detail", args=[referral.pk]))
    assert "Choose another therapist" in page.content.decode()
    assert reason in page.content.decode()
    assert reverse("referrals:therapist", args=[referral.pk]) in page.content.decode()
    # Editable again: the form and the register open instead of bouncing back to the referral.
    assert gp_client.get(reverse("referrals:edit", args=[referral.pk])).status_code == 200
    assert gp_client.get(reverse("referrals:therapist", args=[referral.pk])).status_code == 200


# --- Intake -------------------------------------------------------------------------------------


def intake_data(day: date) -> dict:
    return {
        "date": day.isoformat(),
        "goals": "Weer energie krijgen.",
        "running_experience": "",
        "motivation": "",
        "current_activity": "",
        "plan_weeks": "9",
        "plan_supervised_per_week": "1",
        "plan_own_runs_per_week": "2",
        "plan_minutes": "45",
        "plan_borg_rpe": "13",
        "plan": "Twee keer per week.",
    }


@pytest.mark.parametrize("status", [Status.SENT, Status.INTAKE_DONE, Status.IN_THERAPY])
def test_intake_only_fits_an_accepted_referral(referral, therapist, client_for, status):
    in_status(referral, status, intake_date=None)
    client = client_for(therapist)
    url = reverse("therapy:intake", args=[referral.pk])

    for response in (client.get(url), client.post(url, intake_data(timezone.localdate()))):
        assert response.status_code == 302
        assert response.url == reverse("referrals:detail", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == status
    assert referral.intake_date is None
    assert not Intake.objects.filter(referral=referral).exists()


def test_intake_in_the_future_is_refused_beside_the_date(accepted, therapist, client_for):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = english(client_for(therapist)).post(
        reverse("therapy:intake", args=[accepted.pk]), intake_data(tomorrow)
    )
    assert response.status_code == 200
    assert english_errors(response.context["form"]) == {
        "date": ["The intake date cannot be in the future."]
    }
    content = response.content.decode()
    beside_date = content[content.index('id="div_id_date"') : content.index('id="div_id_goals"')]
    assert "The intake date cannot be in the future." in beside_date
    accepted.refresh_from_db()
    assert (accepted.status, accepted.intake_date) == (Status.ACCEPTED, None)
    assert not Intake.objects.filter(referral=accepted).exists()


def test_intake_before_the_referral_was_sent_is_refused(accepted, therapist, client_for):
    sent = timezone.now() - timedelta(days=3)
    in_status(accepted, Status.ACCEPTED, sent_at=sent)
    day_before = timezone.localdate(sent) - timedelta(days=1)
    response = english(client_for(therapist)).post(
        reverse("therapy:intake", args=[accepted.pk]), intake_data(day_before)
    )
    assert response.status_code == 200
    assert english_errors(response.context["form"]) == {
        "date": ["The intake cannot be before the referral was sent."]
    }
    assert not Intake.objects.filter(referral=accepted).exists()


def test_intake_on_the_day_it_was_sent_starts_week_0(accepted, therapist, client_for):
    sent = timezone.now() - timedelta(days=3)
    in_status(accepted, Status.ACCEPTED, sent_at=sent)
    day = timezone.localdate(sent)
    response = client_for(therapist).post(
        reverse("therapy:intake", args=[accepted.pk]), intake_data(day)
    )

    assert response.status_code == 302
    assert response.url == reverse("therapy:screening", args=[accepted.pk])
    accepted.refresh_from_db()
    assert accepted.status == Status.INTAKE_DONE
    assert accepted.intake_date == day
    assert accepted.intake_done_at is not None
    intake = Intake.objects.get(referral=accepted)
    assert (intake.date, intake.goals, intake.recorded_by) == (
        day,
        "Weer energie krijgen.",
        therapist,
    )
    event = accepted.events.get(to_status=Status.INTAKE_DONE)
    assert (event.from_status, event.actor) == (Status.ACCEPTED, therapist)


def test_intake_page_shows_the_gps_fitness_check_alongside(accepted, therapist, client_for):
    check = FitnessCheck.objects.get(referral=accepted)
    check.answers |= {"q2": True}
    check.evaluated_by, check.evaluated_on = "Dr. Hoekstra, cardioloog", timezone.localdate()
    check.evaluation = FitnessCheck.Evaluation.CLEARED_WITH_LIMITS
    check.evaluation_limits = "Klachten zijn cardiologisch uitgezocht."
    check.save()
    response = english(client_for(therapist)).get(reverse("therapy:intake", args=[accepted.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    with translation.override("en"):
        questions = [escape(str(q.text)) for q in (*readiness.GENERAL, *readiness.DELAY)]
    assert "The GP's activity check (PAR-Q+)" in content
    assert all(question in content for question in questions)
    assert "Cleared with limits" in content and "Dr. Hoekstra, cardioloog" in content
    assert "Klachten zijn cardiologisch uitgezocht." in content
    assert response.context["form"]["date"].value() == timezone.localdate()


# --- Screening ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"resting_heart_rate": "20"}, "resting_heart_rate"),
        ({"resting_heart_rate": "201"}, "resting_heart_rate"),
        ({"systolic": "300"}, "systolic"),
        ({"diastolic": "30"}, "diastolic"),
        ({"diastolic": "125"}, "diastolic"),  # equal to the systolic
        ({"diastolic": "130"}, "diastolic"),  # above the systolic
        ({"height_cm": "90"}, "height_cm"),
        ({"weight_kg": "301"}, "weight_kg"),
        ({"outcome": "restricted", "restrictions": "  "}, "restrictions"),
        ({"outcome": "not_cleared", "notes": ""}, "notes"),
    ],
)
def test_screening_refuses_out_of_range_or_incomplete_answers(
    intake_done, therapist, client_for, mailoutbox, changes, field
):
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_done.pk]), {**SCREENING, **changes}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {field}
    intake_done.refresh_from_db()
    assert intake_done.status == Status.INTAKE_DONE
    assert not Screening.objects.filter(referral=intake_done).exists()
    assert mailoutbox == []


def test_screening_only_fits_after_the_intake(accepted, therapist, client_for):
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[accepted.pk]), SCREENING
    )
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED
    assert not Screening.objects.filter(referral=accepted).exists()


@pytest.mark.parametrize(
    "changes",
    [{}, {"outcome": "restricted", "restrictions": "Hartslag onder 150."}],
    ids=["cleared", "restricted"],
)
def test_cleared_screening_starts_the_therapy(
    intake_done, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox, changes
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(therapist).post(
            reverse("therapy:screening", args=[intake_done.pk]), {**SCREENING, **changes}
        )

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[intake_done.pk])
    intake_done.refresh_from_db()
    assert intake_done.status == Status.IN_THERAPY
    assert intake_done.therapy_started_at is not None
    screening = Screening.objects.get(referral=intake_done)
    assert (screening.systolic, screening.diastolic, screening.weight_kg) == (
        125,
        80,
        Decimal("74.0"),
    )
    assert screening.recorded_by == therapist
    assert mailoutbox == []


def test_not_cleared_screening_returns_the_referral_to_the_gp_with_the_reason(
    intake_done, gp, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    reason = "Rustbloeddruk 178/104; eerst cardiologische beoordeling."
    # 178/104 is 160/90 or higher: the therapist confirms the values (therapy.plausibility).
    data = {
        **SCREENING,
        "systolic": "178",
        "diastolic": "104",
        "outcome": "not_cleared",
        "values_confirmed": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(therapist).post(
            reverse("therapy:screening", args=[intake_done.pk]), {**data, "notes": reason}
        )

    assert response.status_code == 302
    intake_done.refresh_from_db()
    assert intake_done.status == Status.NOT_CLEARED
    assert intake_done.not_cleared_reason == reason
    assert intake_done.therapy_started_at is None
    assert intake_done.events.get(to_status=Status.NOT_CLEARED).note == reason
    assert Screening.objects.get(referral=intake_done).outcome == Screening.Outcome.NOT_CLEARED
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [gp.email]
    assert_says_nothing_about_the_patient(mailoutbox[0], intake_done.patient)


# --- Reports ------------------------------------------------------------------------------------


def test_reports_only_fit_a_referral_in_therapy(intake_done, therapist, client_for):
    client = client_for(therapist)
    url = reverse("therapy:letter_back", args=[intake_done.pk, "intake_report"])
    for response in (client.get(url), client.post(url, {"summary": "Te vroeg."})):
        assert response.status_code == 302
        assert response.url == reverse("referrals:detail", args=[intake_done.pk])
    assert not TherapyLetter.objects.filter(referral=intake_done).exists()


@pytest.mark.parametrize("kind", ["end_report", "letter", "nonsense"])
def test_report_of_an_unknown_kind_is_404(in_therapy, therapist, client_for, kind):
    client = client_for(therapist)
    url = reverse("therapy:letter_back", args=[in_therapy.pk, kind])
    assert client.get(url).status_code == 404
    assert client.post(url, {"summary": "x"}).status_code == 404
    assert not TherapyLetter.objects.filter(referral=in_therapy).exists()


@pytest.mark.parametrize(("days_since_intake", "allowed"), [(34, False), (35, True)])
def test_progress_report_waits_for_week_5(
    in_therapy, therapist, client_for, days_since_intake, allowed
):
    in_status(
        in_therapy,
        Status.IN_THERAPY,
        intake_date=timezone.localdate() - timedelta(days=days_since_intake),
    )
    url = reverse("therapy:letter_back", args=[in_therapy.pk, "progress_report"])
    response = english(client_for(therapist)).get(url)
    detail = english(client_for(therapist)).get(reverse("referrals:detail", args=[in_therapy.pk]))

    if allowed:
        assert response.status_code == 200
        assert url in detail.content.decode()
    else:
        assert response.status_code == 302
        assert message_texts(response) == ["The progress report is due after week 5."]
        assert url not in detail.content.decode()


def test_progress_report_before_week_5_is_not_stored_when_posted(
    in_therapy, therapist, client_for, mailoutbox
):
    in_status(in_therapy, Status.IN_THERAPY, intake_date=timezone.localdate() - timedelta(days=20))
    response = client_for(therapist).post(
        reverse("therapy:letter_back", args=[in_therapy.pk, "progress_report"]),
        {"summary": "Te vroeg."},
    )
    assert response.status_code == 302
    assert not TherapyLetter.objects.filter(referral=in_therapy).exists()
    assert not ReferralDocument.objects.filter(referral=in_therapy, kind="progress_report").exists()
    assert mailoutbox == []


def test_progress_report_due_date_counts_calendar_weeks_across_daylight_saving(
    in_therapy, therapist, client_for, time_machine
):
    """Intake 1 October 2026; summer time ends on 25 October; week 5 is 5 November."""
    in_status(in_therapy, Status.IN_THERAPY, intake_date=date(2026, 10, 1))
    url = reverse("therapy:letter_back", args=[in_therapy.pk, "progress_report"])

    # Signed in at each moment, so the session's age never depends on the real date.
    time_machine.move_to(datetime(2026, 11, 4, 23, 59, tzinfo=AMSTERDAM), tick=False)
    assert client_for(therapist).get(url).status_code == 302
    # Ten past midnight in Amsterdam is still the 4th in UTC: the local date decides.
    time_machine.move_to(datetime(2026, 11, 5, 0, 10, tzinfo=AMSTERDAM), tick=False)
    assert client_for(therapist).get(url).status_code == 200


def test_report_after_intake_is_stored_as_pdf_emailed_once_and_not_sent_twice(
    in_therapy, gp, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    url = reverse("therapy:letter_back", args=[in_therapy.pk, "intake_report"])
    client = english(client_for(therapist))
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"summary": "Goed gestart, komt trouw."})
    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[in_therapy.pk])
    report = TherapyLetter.objects.get(referral=in_therapy)
    assert (report.kind, report.summary, report.written_by) == (
        TherapyLetter.Kind.INTAKE,
        "Goed gestart, komt trouw.",
        therapist,
    )
    document = ReferralDocument.objects.get(referral=in_therapy, kind="intake_report")
    assert bytes(document.content).startswith(b"%PDF")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [gp.email]
    assert_says_nothing_about_the_patient(mailoutbox[0], in_therapy.patient)

    # The same kind a second time: refused with a message, nothing new stored or sent.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"summary": "Nog een keer."})
    assert again.status_code == 302
    assert "This report has already been sent." in message_texts(again)
    assert TherapyLetter.objects.filter(referral=in_therapy).count() == 1
    assert ReferralDocument.objects.filter(referral=in_therapy, kind="intake_report").count() == 1
    assert len(mailoutbox) == 1

    # The GP downloads exactly what was stored, and it names the patient.
    download = client_for(gp).get(
        reverse("referrals:document", args=[in_therapy.pk, "intake_report"])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content == bytes(document.content)
    assert in_therapy.patient.surname in pdf_text(download.content)


@pytest.fixture
def stored_report(in_therapy):
    """A report after intake with its (fake) PDF, as report_send leaves it."""
    TherapyLetterFactory(referral=in_therapy)
    return ReferralDocumentFactory(
        referral=in_therapy,
        kind=ReferralDocument.Kind.INTAKE_LETTER_BACK,
        content=b"%PDF-1.4 report after intake",
        created_by=in_therapy.therapist.user,
    )


@pytest.mark.parametrize("persona", ["gp", "therapist"])
def test_the_referral_s_gp_and_therapist_can_download_a_stored_report(
    stored_report, client_for, request, persona
):
    response = client_for(request.getfixturevalue(persona)).get(
        reverse("referrals:document", args=[stored_report.referral_id, "intake_report"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.4 report after intake"


@pytest.mark.parametrize("persona", ["gp_other_practice", "therapist_other"])
def test_others_cannot_download_a_stored_report(stored_report, client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).get(
        reverse("referrals:document", args=[stored_report.referral_id, "intake_report"])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["progress_report", "letter", "nonsense"])
def test_a_document_that_is_not_there_or_not_a_report_is_404(stored_report, gp, client_for, kind):
    url = reverse("referrals:document", args=[stored_report.referral_id, kind])
    assert client_for(gp).get(url).status_code == 404


# --- Closing the therapy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intake", "due"),
    [
        # Closed in time: three months after the start, as set when the therapy started.
        (timezone.localdate() - timedelta(days=20), None),
        # Closed late (the three months are past): two weeks after the close.
        (date(2026, 8, 31), timezone.localdate() + timedelta(days=14)),
    ],
)
def test_completing_the_therapy_sends_the_end_report_and_sets_the_follow_up_date(
    in_therapy,
    gp,
    therapist,
    client_for,
    django_capture_on_commit_callbacks,
    mailoutbox,
    intake,
    due,
):
    in_status(in_therapy, Status.IN_THERAPY, intake_date=intake)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(therapist).post(reverse("therapy:close", args=[in_therapy.pk]), CLOSE)

    assert response.status_code == 302
    in_therapy.refresh_from_db()
    assert in_therapy.status == Status.COMPLETED
    assert in_therapy.completed_at is not None
    assert in_therapy.follow_up_due == (due or follow_up_due(intake))
    assert in_therapy.follow_up_due == follow_up_due(intake, closed_on=timezone.localdate())
    report = TherapyLetter.objects.get(referral=in_therapy)
    assert report.kind == TherapyLetter.Kind.END
    assert report.runs_independently == TherapyLetter.Independence.YES
    assert ReferralDocument.objects.filter(referral=in_therapy, kind="end_report").count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [gp.email]


def test_stopping_without_a_reason_is_refused(in_therapy, therapist, client_for, mailoutbox):
    response = client_for(therapist).post(
        reverse("therapy:close", args=[in_therapy.pk]), {**CLOSE, "outcome": "stopped"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"reason"}
    in_therapy.refresh_from_db()
    assert (in_therapy.status, in_therapy.stop_reason) == (Status.IN_THERAPY, "")
    assert not TherapyLetter.objects.filter(referral=in_therapy).exists()
    assert mailoutbox == []


def test_stopping_with_a_reason_stores_it(
    in_therapy, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    reason = "Patiënt is na week 4 niet meer gekomen; verhuisd."
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(therapist).post(
            reverse("therapy:close", args=[in_therapy.pk]),
            {**CLOSE, "outcome": "stopped", "reason": reason, "runs_independently": "no"},
        )

    assert response.status_code == 302
    in_therapy.refresh_from_db()
    assert in_therapy.status == Status.STOPPED
    assert in_therapy.stop_reason == reason
    assert in_therapy.follow_up_due == follow_up_due(in_therapy.intake_date)
    assert in_therapy.events.get(to_status=Status.STOPPED).note == reason
    assert TherapyLetter.objects.get(referral=in_therapy).kind == TherapyLetter.Kind.END
    assert len(mailoutbox) == 1


def test_close_only_fits_a_referral_in_therapy(intake_done, therapist, client_for):
    response = client_for(therapist).post(reverse("therapy:close", args=[intake_done.pk]), CLOSE)
    assert response.status_code == 302
    intake_done.refresh_from_db()
    assert intake_done.status == Status.INTAKE_DONE
    assert not TherapyLetter.objects.filter(referral=intake_done).exists()


# --- Another therapist's referrals -------------------------------------------------------------

OTHER_THERAPIST_URLS = [
    ("referrals:detail", lambda r: [r.pk]),
    ("referrals:letter", lambda r: [r.pk]),
    ("referrals:decline", lambda r: [r.pk]),
    ("therapy:intake", lambda r: [r.pk]),
    ("therapy:screening", lambda r: [r.pk]),
    ("therapy:letter_back", lambda r: [r.pk, "intake_report"]),
    ("therapy:letter_back", lambda r: [r.pk, "progress_report"]),
    ("therapy:close", lambda r: [r.pk]),
    ("referrals:document", lambda r: [r.pk, "intake_report"]),
    ("outcomes:enter", lambda r: [r.pk, "PHQ-9", 0]),
    ("therapy:session_add", lambda r: [r.pk]),
    ("patients:detail", lambda r: [r.patient_id]),
]


@pytest.mark.parametrize(
    ("name", "args"),
    OTHER_THERAPIST_URLS,
    ids=[f"{n}-{i}" for i, (n, _a) in enumerate(OTHER_THERAPIST_URLS)],
)
def test_therapist_cannot_see_referrals_sent_to_another_therapist(
    stored_report, therapist, therapist_other, client_for, name, args
):
    referral = stored_report.referral
    ReferralDocumentFactory(referral=referral)  # the letter as sent
    url = reverse(name, args=args(referral))

    # The referral's own therapist gets through, so the 404 below comes from the scoping.
    assert client_for(therapist).get(url).status_code in (200, 302)
    other = client_for(therapist_other)
    assert other.get(url).status_code == 404
    assert other.post(url, {**SCREENING, **CLOSE, "summary": "x"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.IN_THERAPY
    assert TherapyLetter.objects.filter(referral=referral).count() == 1


def test_another_therapist_s_caseload_does_not_list_the_referral(
    referral, therapist, therapist_other, client_for
):
    other = client_for(therapist_other).get(reverse("referrals:incoming"))
    own = client_for(therapist).get(reverse("referrals:incoming"))
    assert list(other.context["page"].object_list) == []
    assert [r.pk for r in own.context["page"].object_list] == [referral.pk]


# --- The item-9 safety alert reaches the GP once ------------------------------------------------


def answers(values: list[int], completed_on: date) -> dict:
    data = {f"item_{i}": str(v) for i, v in enumerate(values, start=1)}
    return {**data, "completed_on": completed_on.isoformat()}


def test_item_9_alert_reaches_the_gp_once_and_stays_on_the_worklist_until_acknowledged(
    in_therapy, gp, therapist, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    client = client_for(therapist)
    week0 = in_therapy.intake_date
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("outcomes:enter", args=[in_therapy.pk, "PHQ-9", 0]),
            answers([1, 1, 0, 0, 0, 0, 0, 0, 1], week0),
        )
    assert response.status_code == 302
    alert = SafetyAlert.objects.get(referral=in_therapy)
    assert (alert.response.instrument, alert.response.total) == ("PHQ-9", 3)
    email = Notification.objects.get(kind=Notification.Kind.SAFETY_ALERT, key=f"alert-{alert.pk}")
    assert email.sent_at is not None
    assert sorted(m.to[0] for m in mailoutbox) == sorted([gp.email, gp.practice.email])
    for message in mailoutbox:
        assert_says_nothing_about_the_patient(message, in_therapy.patient)

    # The GAD-7 afterwards, and the task running again, alarm nobody a second time.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("outcomes:enter", args=[in_therapy.pk, "GAD-7", 0]),
            answers([2, 2, 1, 1, 1, 0, 0], week0),
        )
    assert response.status_code == 302
    assert delivery.deliver(email.pk) is False
    assert QuestionnaireResponse.objects.filter(referral=in_therapy).count() == 2
    assert SafetyAlert.objects.filter(referral=in_therapy).count() == 1
    assert len(mailoutbox) == 2

    # On the GP's worklist, above the referrals, until acknowledged.
    gp_client = client_for(gp)
    worklist = gp_client.get(reverse("referrals:worklist"))
    content = worklist.content.decode()
    assert list(worklist.context["alerts"]) == [alert]
    assert 'id="open-alerts-heading"' in content
    assert content.index('id="open-alerts-heading"') < content.index('id="section-1"')
    assert reverse("outcomes:acknowledge", args=[alert.pk]) in content

    response = gp_client.post(
        reverse("outcomes:acknowledge", args=[alert.pk]), {"note": "Patiënt gebeld."}
    )
    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[in_therapy.pk])
    alert.refresh_from_db()
    assert alert.acknowledged_by == gp
    worklist = gp_client.get(reverse("referrals:worklist"))
    assert list(worklist.context["alerts"]) == []
    assert 'id="open-alerts-heading"' not in worklist.content.decode()
    assert len(mailoutbox) == 2


# --- Query counts -------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    """Queries of one GET, after a first GET has done any once-only work (read receipts)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


CASELOAD_STATUSES = [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE, Status.IN_THERAPY]


def caseload_referral(therapist, n: int) -> Referral:
    """The n-th referral of a mixed caseload; those past intake carry questionnaires and reports."""
    status = CASELOAD_STATUSES[n % len(CASELOAD_STATUSES)]
    past_intake = status in (Status.INTAKE_DONE, Status.IN_THERAPY)
    referral = ReferralFactory(
        therapist=therapist.therapist,
        status=status,
        intake_date=timezone.localdate() - timedelta(days=40 + n) if past_intake else None,
    )
    if past_intake:
        QuestionnaireResponseFactory(referral=referral)
    if status == Status.IN_THERAPY and n % 8 == 3:
        TherapyLetterFactory(referral=referral)
    return referral


def test_caseload_query_count_does_not_grow_with_the_referrals(therapist, client_for):
    client = client_for(therapist)
    url = reverse("referrals:incoming")
    caseload_referral(therapist, 3)  # in therapy, with a questionnaire and a report
    one = count_queries(client, url)
    for n in range(24):
        caseload_referral(therapist, n)
    response = client.get(url)
    many = count_queries(client, url)

    rows = list(response.context["page"].object_list)
    assert len(rows) == 25
    labels = {str(task["label"]) for row in rows for task in row.tasks}
    with translation.override(settings.LANGUAGE_CODE):
        assert str(translation.gettext("Questionnaires week %(week)s") % {"week": 5}) in labels
    assert many == one, (one, many)


def test_patient_page_query_count_does_not_grow_with_sessions_or_questionnaires(
    in_therapy, therapist, client_for
):
    client = client_for(therapist)
    url = reverse("referrals:detail", args=[in_therapy.pk])
    TherapySessionFactory(referral=in_therapy)
    one = count_queries(client, url)

    TherapySessionFactory.create_batch(24, referral=in_therapy)
    for week in (0, 5, 10):
        QuestionnaireResponseFactory(referral=in_therapy, week=week)
        QuestionnaireResponseFactory(
            referral=in_therapy, week=week, instrument="GAD-7", answers=[1] * 7
        )
    SafetyAlertFactory(
        referral=in_therapy,
        response=QuestionnaireResponse.objects.get(referral=in_therapy, instrument="PHQ-9", week=5),
    )
    TherapyLetterFactory(referral=in_therapy)
    ReferralDocumentFactory(referral=in_therapy, kind=ReferralDocument.Kind.INTAKE_LETTER_BACK)
    response = client.get(url)
    many = count_queries(client, url)

    assert len(response.context["sessions"]) == 25
    assert all(row["complete"] for row in response.context["schedule"])
    assert many == one, (one, many)


def test_patient_history_query_count_does_not_grow_with_the_referrals(gp, therapist, client_for):
    patient = PatientFactory(practice=gp.practice)
    client = client_for(therapist)
    url = reverse("patients:detail", args=[patient.pk])
    closed = [Status.FOLLOWED_UP, Status.CANCELLED, Status.NOT_CLEARED]

    def make(status):
        # Closed ones the therapist treated (intake held): their past clients, still theirs to read.
        treated = timezone.now() if status in closed else None
        return ReferralFactory(
            patient=patient,
            gp=gp,
            therapist=therapist.therapist,
            status=status,
            intake_done_at=treated,
        )

    make(Status.IN_THERAPY)
    one = count_queries(client, url)
    for n in range(24):
        make(closed[n % len(closed)])
    response = client.get(url)
    many = count_queries(client, url)

    assert len(response.context["referrals"]) == 25
    assert response.context["open_referral"].status == Status.IN_THERAPY
    assert many == one, (one, many)


# --- Due dates (referrals.schedule) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "due"),
    [(0, date(2026, 10, 1)), (5, date(2026, 11, 5)), (10, date(2026, 12, 10))],
)
def test_questionnaire_due_dates_keep_the_weekday_across_the_october_clock_change(week, due):
    assert questionnaire_due(date(2026, 10, 1), week) == due
    assert due.weekday() == date(2026, 10, 1).weekday()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 5, 31), 12, date(2027, 5, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("intake", "due"),
    [(date(2026, 8, 31), date(2026, 11, 30)), (date(2026, 11, 30), date(2027, 2, 28))],
)
def test_follow_up_is_due_three_months_after_the_start(intake, due):
    assert follow_up_due(intake) == due


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (date(2026, 10, 1), 1, date(2026, 10, 2)),  # Thursday -> Friday
        (date(2026, 10, 1), 2, date(2026, 10, 5)),  # Thursday -> over the weekend -> Monday
        (date(2026, 10, 2), 1, date(2026, 10, 5)),  # Friday -> Monday
        (date(2026, 10, 2), 5, date(2026, 10, 9)),  # Friday -> a week later
        (date(2026, 10, 3), 1, date(2026, 10, 5)),  # Saturday -> Monday
        (date(2026, 10, 25), 1, date(2026, 10, 26)),  # Sunday of the clock change -> Monday
        (date(2026, 10, 3), 0, date(2026, 10, 3)),
    ],
)
def test_add_working_days_skips_weekends(day, days, expected):
    assert add_working_days(day, days) == expected


def test_newly_chosen_therapist_sees_a_declined_referral_only_once_it_is_sent_to_them(
    referral, gp, therapist, therapist_other, client_for
):
    client_for(therapist).post(
        reverse("referrals:decline", args=[referral.pk]), {"reason": "Groep zit vol."}
    )
    client_for(gp).post(
        reverse("referrals:therapist", args=[referral.pk]),
        {"therapist": therapist_other.therapist.pk},
    )
    referral.refresh_from_db()
    assert (referral.status, referral.therapist.user) == (Status.DECLINED, therapist_other)

    other = client_for(therapist_other)
    assert other.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert other.get(reverse("referrals:letter", args=[referral.pk])).status_code == 404
    assert other.get(reverse("patients:detail", args=[referral.patient_id])).status_code == 404
