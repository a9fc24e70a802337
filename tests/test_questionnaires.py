"""Mood questionnaires (PHQ-9, GAD-7 at weeks 0, 5, 10) and the PHQ-9 item-9 safety alert."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from notifications import delivery
from notifications.models import Notification
from outcomes import selectors, services
from outcomes.alerts import alerts_open_for_gp
from outcomes.exceptions import QuestionnaireError
from outcomes.instruments import MSG_INVALID, MSG_MISSING, InvalidAnswers
from outcomes.models import QuestionnaireResponse, SafetyAlert
from referrals.models import Status

from .factories import (
    GPProfileFactory,
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    SafetyAlertFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English messages; pages use the language cookie, code uses this."""
    with translation.override("en"):
        yield


INTAKE = date(2026, 3, 2)
ITEM9_ONLY = [0, 0, 0, 0, 0, 0, 0, 0, 1]  # total 1, but thoughts of death: an alert
HIGH_WITHOUT_ITEM9 = [3, 3, 3, 3, 3, 3, 3, 3, 0]  # total 24 (27 - 3), severe: no alert
PHQ_MILD = [1, 1, 1, 1, 1, 1, 1, 1, 0]  # total 8, mild
GAD_MODERATE = [2, 2, 2, 2, 2, 1, 1]  # total 12, moderate


@pytest.fixture
def in_therapy(gp, therapist):
    """In therapy with `therapist`, referred by `gp`; intake (week 0) on INTAKE."""
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice, first_name="Jantine", surname="Veldkamp"),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=INTAKE,
    )


def make_referral(gp, therapist, status, intake_date=INTAKE):
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=status,
        intake_date=intake_date,
    )


def record(referral, by, *, code="PHQ-9", week=0, answers=PHQ_MILD, completed_on=None):
    return services.questionnaire_record(
        referral=referral,
        instrument_code=code,
        week=week,
        answers=answers,
        completed_on=completed_on or INTAKE + timedelta(weeks=week),
        by=by,
    )


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def enter_url(referral, code="PHQ-9", week=0):
    return reverse("outcomes:enter", args=[referral.pk, code, week])


def post_data(answers, completed_on=INTAKE):
    data = {f"item_{i + 1}": str(a) for i, a in enumerate(answers) if a is not None}
    data["completed_on"] = completed_on.isoformat()
    return data


# --- The service: who, when, what ----------------------------------------------------------


def test_record_scores_and_stores_the_questionnaire(in_therapy, therapist):
    response = record(in_therapy, therapist, code="GAD-7", week=5, answers=GAD_MODERATE)

    response.refresh_from_db()
    assert (response.instrument, response.instrument_version, response.week) == ("GAD-7", "2", 5)
    assert response.answers == GAD_MODERATE
    assert (response.total, response.band) == (12, "moderate")
    assert response.entered_by == therapist
    assert response.completed_on == INTAKE + timedelta(weeks=5)


def test_record_stores_string_answers_as_integers(in_therapy, therapist):
    response = record(in_therapy, therapist, answers=[str(a) for a in PHQ_MILD])

    response.refresh_from_db()
    assert response.answers == PHQ_MILD
    assert response.total == 8


def test_second_entry_of_the_same_week_is_refused(in_therapy, therapist):
    record(in_therapy, therapist)

    with pytest.raises(QuestionnaireError, match="already been entered"):
        record(in_therapy, therapist, answers=HIGH_WITHOUT_ITEM9)

    assert QuestionnaireResponse.objects.get().total == 8


def test_same_week_of_the_other_instrument_and_another_week_are_allowed(in_therapy, therapist):
    record(in_therapy, therapist)
    record(in_therapy, therapist, code="GAD-7", answers=GAD_MODERATE)
    record(in_therapy, therapist, week=5)

    assert QuestionnaireResponse.objects.filter(referral=in_therapy).count() == 3


def test_another_therapist_cannot_record(in_therapy, therapist_other):
    with pytest.raises(QuestionnaireError, match="running therapist"):
        record(in_therapy, therapist_other)

    assert not QuestionnaireResponse.objects.exists()


def test_the_gp_cannot_record(in_therapy, gp):
    with pytest.raises(QuestionnaireError):
        record(in_therapy, gp)

    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("status", [Status.SENT, Status.ACCEPTED])
def test_week_0_is_refused_before_the_intake(gp, therapist, status):
    referral = make_referral(gp, therapist, status, intake_date=None)

    with pytest.raises(QuestionnaireError, match="after the intake"):
        record(referral, therapist)


def test_week_0_may_be_entered_once_the_intake_is_done(gp, therapist):
    referral = make_referral(gp, therapist, Status.INTAKE_DONE)

    assert record(referral, therapist).week == 0


@pytest.mark.parametrize("week", [5, 10])
def test_weeks_5_and_10_are_refused_before_therapy_starts(gp, therapist, week):
    referral = make_referral(gp, therapist, Status.INTAKE_DONE)

    with pytest.raises(QuestionnaireError, match="while the therapy runs"):
        record(referral, therapist, week=week)

    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.STOPPED, Status.CANCELLED])
def test_nothing_is_entered_after_the_therapy_ended(gp, therapist, status):
    referral = make_referral(gp, therapist, status)

    with pytest.raises(QuestionnaireError):
        record(referral, therapist, week=10, completed_on=INTAKE + timedelta(weeks=10))


def test_a_completion_date_in_the_future_is_refused(gp, therapist):
    referral = make_referral(gp, therapist, Status.IN_THERAPY, intake_date=timezone.localdate())

    with pytest.raises(QuestionnaireError, match="future"):
        record(referral, therapist, completed_on=timezone.localdate() + timedelta(days=1))

    assert not QuestionnaireResponse.objects.exists()


def test_a_week_0_date_more_than_7_days_before_the_start_is_refused(in_therapy, therapist):
    assert record(in_therapy, therapist, completed_on=INTAKE - timedelta(days=7))
    with pytest.raises(QuestionnaireError, match="Week 0 questionnaires are dated from"):
        record(
            in_therapy,
            therapist,
            code="GAD-7",
            answers=GAD_MODERATE,
            completed_on=INTAKE - timedelta(days=8),
        )


def test_the_intake_date_itself_is_a_valid_completion_date(in_therapy, therapist):
    assert record(in_therapy, therapist, completed_on=INTAKE).completed_on == INTAKE


@pytest.mark.parametrize(
    ("answers", "bad_items"),
    [
        ([0, 0, 0, 0, 4, 0, 0, 0, 0], {4}),
        ([0, 0, 0, 0, 0, 0, 0, 0], {None, 8}),  # None: the count
        ([0, None, 0, 0, 0, 0, 0, -1, 0], {1, 7}),
    ],
)
def test_unscorable_answers_raise_per_item_and_save_nothing(
    in_therapy, therapist, answers, bad_items
):
    with pytest.raises(InvalidAnswers) as exc:
        record(in_therapy, therapist, answers=answers)

    assert set(exc.value.errors) == bad_items
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize(("code", "week"), [("BDI", 0), ("PHQ-9", 3), ("GAD-7", 12)])
def test_unknown_instrument_or_week_is_refused(in_therapy, therapist, code, week):
    with pytest.raises(QuestionnaireError):
        record(in_therapy, therapist, code=code, week=week, completed_on=INTAKE)


# --- The safety alert ----------------------------------------------------------------------


def test_item_9_above_0_raises_one_alert_and_emails_the_gp_and_the_practice_after_commit(
    in_therapy, therapist, gp, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = record(in_therapy, therapist, answers=ITEM9_ONLY)
        assert mailoutbox == []  # nothing leaves before the commit

    alert = SafetyAlert.objects.get()
    assert (alert.referral, alert.response, alert.code) == (in_therapy, response, "phq9_item9")
    assert response.total == 1
    assert len(callbacks) == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([gp.email, gp.practice.email])
    assert alert_email(alert).sent_at is not None
    practice_copy = Notification.objects.get(key=f"alert-{alert.pk}-practice")
    assert (practice_copy.address, practice_copy.to) == (gp.practice.email, gp.practice.email)
    assert practice_copy.sent_at is not None
    assert alert.acknowledged_at is None


def test_the_alert_email_carries_no_medical_detail(
    in_therapy, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(in_therapy, therapist, answers=ITEM9_ONLY)

    email = mailoutbox[0]
    html = email.alternatives[0][0]
    path = reverse("referrals:detail", args=[in_therapy.pk])
    assert path in email.body
    assert path in html
    patient = in_therapy.patient
    for text in (email.subject, email.body, html):
        lowered = text.lower()
        for secret in (
            patient.first_name,
            patient.surname,
            patient.bsn,
            "phq",
            "gad",
            "score",
            "item",
            "dood",
            "dead",
            "minimal",
            "minimaal",
        ):
            assert secret.lower() not in lowered


def test_an_entry_rolled_back_sends_nothing(
    in_therapy, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(in_therapy, therapist, answers=ITEM9_ONLY)

    assert len(callbacks) == 2  # the GP's and the practice's
    assert mailoutbox == []
    assert alert_email(SafetyAlert.objects.get()).sent_at is None


def alert_email(alert: SafetyAlert) -> Notification:
    """The GP's e-mail about `alert`: a row in the outbox."""
    return Notification.objects.get(kind=Notification.Kind.SAFETY_ALERT, key=f"alert-{alert.pk}")


def test_delivering_the_alert_email_twice_sends_one_email(
    in_therapy, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(in_therapy, therapist, answers=ITEM9_ONLY)
    row = alert_email(SafetyAlert.objects.get())

    assert delivery.deliver(row.pk) is False
    assert len(mailoutbox) == 2  # the GP's and the practice's, each once


def test_a_failed_alert_email_is_retried_after_its_back_off_and_shows_in_healthz(
    in_therapy, therapist, gp, settings, client, mailoutbox, django_capture_on_commit_callbacks
):
    """Before, the alert e-mail had a claim of its own that /healthz and the reminder runs
    never saw; now it is an outbox row like any other."""
    settings.REDIS_URL = ""  # /healthz asks the broker only when there is one
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = record(in_therapy, therapist, answers=ITEM9_ONLY)
    assert response.pk, "the therapist's entry stands"
    row = alert_email(SafetyAlert.objects.get())
    assert row.sent_at is None and row.attempts == 1
    assert row.retry_at > timezone.now()
    assert "SMTPServerDisconnected" in row.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.deliver(row.pk) is False, "not before its back-off has passed"
    Notification.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(hours=2), retry_at=timezone.now()
    )
    assert client.get(reverse("healthz")).status_code == 503

    assert delivery.deliver(row.pk) is True
    assert [m.to for m in mailoutbox] == [[gp.email]]  # the practice's copy waits its back-off
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.parametrize(
    ("code", "answers"),
    [("PHQ-9", HIGH_WITHOUT_ITEM9), ("PHQ-9", [0] * 9), ("GAD-7", [3] * 7)],
)
def test_no_alert_without_item_9_whatever_the_total(
    in_therapy, therapist, mailoutbox, django_capture_on_commit_callbacks, code, answers
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(in_therapy, therapist, code=code, answers=answers)

    assert not SafetyAlert.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


def test_gp_sees_the_alert_until_it_is_acknowledged(in_therapy, therapist, gp, client_for):
    record(in_therapy, therapist, answers=ITEM9_ONLY)
    alert = SafetyAlert.objects.get()
    assert list(alerts_open_for_gp(gp)) == [alert]

    response = english(client_for(gp)).post(
        reverse("outcomes:acknowledge", args=[alert.pk]), {"note": "Patient gebeld."}
    )

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[in_therapy.pk])
    alert.refresh_from_db()
    assert alert.acknowledged_by == gp
    assert alert.acknowledged_at is not None
    assert alert.acknowledgement_note == "Patient gebeld."
    assert list(alerts_open_for_gp(gp)) == []
    assert "acknowledged" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_gp_of_another_practice_never_sees_nor_acknowledges_the_alert(
    in_therapy, gp_other_practice, client_for
):
    alert = SafetyAlertFactory(response__referral=in_therapy)

    assert list(alerts_open_for_gp(gp_other_practice)) == []
    response = client_for(gp_other_practice).post(
        reverse("outcomes:acknowledge", args=[alert.pk]), {"note": "Gebeld."}
    )

    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    with pytest.raises(QuestionnaireError):
        services.alert_acknowledge(alert=alert, by=gp_other_practice, note="Gebeld.")
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_a_colleague_in_the_same_practice_may_acknowledge(in_therapy, gp):
    colleague = GPProfileFactory(user__practice=gp.practice).user
    alert = SafetyAlertFactory(response__referral=in_therapy)

    # The alert belongs to the practice: it waits on every GP's home, the colleague's too.
    assert list(alerts_open_for_gp(colleague)) == [alert]
    assert list(alerts_open_for_gp(gp)) == [alert]

    assert services.alert_acknowledge(alert=alert, by=colleague, note="Gebeld.") is True

    alert.refresh_from_db()
    assert alert.acknowledged_by == colleague
    assert list(alerts_open_for_gp(colleague)) == []
    assert list(alerts_open_for_gp(gp)) == []


def test_the_first_acknowledgement_stays(in_therapy, gp):
    colleague = GPProfileFactory(user__practice=gp.practice).user
    alert = SafetyAlertFactory(response__referral=in_therapy)

    assert services.alert_acknowledge(alert=alert, by=gp, note="Gebeld.") is True
    assert services.alert_acknowledge(alert=alert, by=colleague, note="Ook gebeld.") is False

    alert.refresh_from_db()
    assert alert.acknowledged_by == gp


def test_the_therapist_cannot_acknowledge(in_therapy, therapist, client_for):
    alert = SafetyAlertFactory(response__referral=in_therapy)

    response = client_for(therapist).post(reverse("outcomes:acknowledge", args=[alert.pk]))

    assert response.status_code == 403
    with pytest.raises(QuestionnaireError):
        services.alert_acknowledge(alert=alert, by=therapist, note="Gebeld.")
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_acknowledge_answers_post_only(in_therapy, gp, client_for):
    alert = SafetyAlertFactory(response__referral=in_therapy)

    response = client_for(gp).get(reverse("outcomes:acknowledge", args=[alert.pk]))

    assert response.status_code == 405


def test_open_alerts_for_gp_are_longest_waiting_first_in_a_constant_number_of_queries(
    gp, therapist, django_assert_num_queries
):
    alerts = [
        SafetyAlertFactory(response__referral=make_referral(gp, therapist, Status.IN_THERAPY))
        for _i in range(3)
    ]
    SafetyAlertFactory(
        response__referral=make_referral(gp, therapist, Status.IN_THERAPY),
        acknowledged_by=gp,
        acknowledged_at=timezone.now(),
    )

    with django_assert_num_queries(1):
        rows = list(alerts_open_for_gp(gp))
        names = [alert.referral.patient.formal_name for alert in rows]

    assert rows == alerts  # the longest waiting first (raised first)
    assert len(names) == 3


# --- The entry page ------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, in_therapy):
    url = enter_url(in_therapy)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_gp_gets_403_on_the_entry_page(in_therapy, gp, client_for):
    assert client_for(gp).get(enter_url(in_therapy)).status_code == 403


def test_other_therapist_gets_404_on_the_entry_page(in_therapy, therapist_other, client_for):
    client = client_for(therapist_other)

    assert client.get(enter_url(in_therapy)).status_code == 404
    assert client.post(enter_url(in_therapy), post_data(PHQ_MILD)).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize(
    ("code", "week"), [("PHQ-9", 3), ("GAD-7", 15), ("BDI", 0), ("phq-9", 0), ("PHQ-8", 5)]
)
def test_unknown_instrument_or_week_is_404(in_therapy, therapist, client_for, code, week):
    response = client_for(therapist).get(enter_url(in_therapy, code, week))

    assert response.status_code == 404


def test_entry_page_shows_lead_in_items_and_four_options(in_therapy, therapist, client_for):
    response = english(client_for(therapist)).get(enter_url(in_therapy, "GAD-7", 5))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Over the last 2 weeks, how often have you been bothered" in html
    assert "Feeling nervous, anxious, or on edge" in html
    assert "Feeling afraid as if something awful might happen" in html
    for label in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert label in html
    assert html.count('type="radio"') == 7 * 4 + 4  # the items, and the functioning question
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_entry_page_sends_back_when_the_week_cannot_be_entered_yet(gp, therapist, client_for):
    referral = make_referral(gp, therapist, Status.INTAKE_DONE)

    response = client_for(therapist).get(enter_url(referral, "PHQ-9", 5))

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[referral.pk])


def test_valid_post_saves_and_reports_total_and_band(in_therapy, therapist, client_for):
    client = english(client_for(therapist))

    response = client.post(enter_url(in_therapy, "PHQ-9", 0), post_data(PHQ_MILD))

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[in_therapy.pk])
    saved = QuestionnaireResponse.objects.get()
    assert (saved.total, saved.band, saved.answers) == (8, "mild", PHQ_MILD)
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert messages == [("success", "PHQ-9 week 0 saved: total score 8 (Mild).")]


def test_post_with_item_9_shows_the_safety_alert_message(
    in_therapy, therapist, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = english(client_for(therapist))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(enter_url(in_therapy), post_data(ITEM9_ONLY))

    assert response.status_code == 302
    levels = {m.level_tag: str(m) for m in get_messages(response.wsgi_request)}
    assert levels["error"].startswith("Safety alert:")
    # Not "has been informed": at this moment the e-mail may still fail (found by the operator).
    assert (
        "Every GP of the practice sees the alert in Loopbaan now; the referring GP and "
        "the practice's address are sent an e-mail." in (levels["error"])
    )
    # Concrete guidance, not "your safety protocol": today's risk assessment, 112 and 113.
    for guidance in ("Assess the risk with the patient today", "112", "0800-0113", "113.nl"):
        assert guidance in levels["error"]
    assert SafetyAlert.objects.count() == 1
    assert len(mailoutbox) == 2


def test_missing_answers_are_shown_per_item_and_nothing_is_saved(in_therapy, therapist, client_for):
    answers = [1, None, 1, 1, 1, 1, 1, 1, None]

    response = english(client_for(therapist)).post(enter_url(in_therapy), post_data(answers))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"item_2", "item_9"}
    assert errors["item_2"] == [str(MSG_MISSING)]
    assert 'id="id_item_2_error"' in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_out_of_range_answer_is_shown_next_to_its_item_and_nothing_is_saved(
    in_therapy, therapist, client_for
):
    data = post_data(PHQ_MILD)
    data["item_5"] = "7"

    response = english(client_for(therapist)).post(enter_url(in_therapy), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"item_5": [str(MSG_INVALID)]}
    assert "Choose an answer from 0 to 3." in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    assert not SafetyAlert.objects.exists()


def test_missing_and_out_of_range_answers_are_shown_together(in_therapy, therapist, client_for):
    data = post_data([1, None, 1, 1, 1, 1, 1, 1, 1])
    data["item_5"] = "7"

    response = client_for(therapist).post(enter_url(in_therapy), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "item_2": [str(MSG_MISSING)],
        "item_5": [str(MSG_INVALID)],
    }
    assert not QuestionnaireResponse.objects.exists()


def test_future_date_in_the_form_is_shown_and_nothing_is_saved(gp, therapist, client_for):
    referral = make_referral(gp, therapist, Status.IN_THERAPY, intake_date=timezone.localdate())
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = english(client_for(therapist)).post(
        enter_url(referral), post_data(PHQ_MILD, completed_on=tomorrow)
    )

    assert response.status_code == 200
    assert "future" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_duplicate_post_is_refused_with_a_message(in_therapy, therapist, client_for):
    record(in_therapy, therapist)

    response = english(client_for(therapist)).post(
        enter_url(in_therapy), post_data(HIGH_WITHOUT_ITEM9)
    )

    assert response.status_code == 200
    assert "already been entered" in response.content.decode()
    assert QuestionnaireResponse.objects.get().total == 8


# --- Schedule, due dates, change -----------------------------------------------------------


@pytest.mark.parametrize(
    ("intake", "week", "due"),
    [
        (date(2026, 10, 1), 5, date(2026, 11, 5)),
        (date(2026, 10, 1), 10, date(2026, 12, 10)),
        (date(2026, 10, 20), 5, date(2026, 11, 24)),
        (date(2026, 10, 20), 0, date(2026, 10, 20)),
    ],
)
def test_due_dates_do_not_move_across_the_october_clock_change(gp, therapist, intake, week, due):
    referral = make_referral(gp, therapist, Status.IN_THERAPY, intake_date=intake)

    schedule = selectors.questionnaire_schedule(referral, today=intake)

    assert {row["week"]: row["due"] for row in schedule}[week] == due


@pytest.mark.parametrize(("days_late", "overdue"), [(0, False), (7, False), (8, True)])
def test_a_week_is_overdue_from_the_eighth_day_after_its_due_date(
    gp, therapist, days_late, overdue
):
    referral = make_referral(gp, therapist, Status.IN_THERAPY, intake_date=date(2026, 10, 1))
    due = date(2026, 11, 5)

    schedule = selectors.questionnaire_schedule(referral, today=due + timedelta(days=days_late))

    assert schedule[1]["week"] == 5
    assert schedule[1]["overdue"] is overdue


def test_overdue_counts_on_the_clock_when_today_is_not_given(gp, therapist, time_machine):
    time_machine.move_to(date(2026, 11, 13))  # week 5 was due 2026-11-05: eight days ago
    referral = make_referral(gp, therapist, Status.IN_THERAPY, intake_date=date(2026, 10, 1))

    schedule = selectors.questionnaire_schedule(referral)

    assert [row["overdue"] for row in schedule] == [True, True, False]


def test_a_week_with_both_questionnaires_entered_is_not_overdue(in_therapy, therapist):
    record(in_therapy, therapist)
    record(in_therapy, therapist, code="GAD-7", answers=GAD_MODERATE)
    late = INTAKE + timedelta(days=30)

    schedule = selectors.questionnaire_schedule(in_therapy, today=late)

    assert schedule[0]["overdue"] is False
    assert schedule[0]["complete"] is True
    assert schedule[0]["responses"]["PHQ-9"].total == 8
    with translation.override("en"):
        assert str(schedule[0]["responses"]["GAD-7"].band_label) == "Moderate"


def test_a_week_with_one_questionnaire_missing_is_overdue(in_therapy, therapist):
    record(in_therapy, therapist)

    schedule = selectors.questionnaire_schedule(in_therapy, today=INTAKE + timedelta(days=8))

    assert schedule[0]["overdue"] is True
    assert schedule[0]["responses"]["GAD-7"] is None


def test_nothing_is_overdue_once_the_therapy_has_ended(gp, therapist):
    referral = make_referral(gp, therapist, Status.COMPLETED)

    schedule = selectors.questionnaire_schedule(referral, today=INTAKE + timedelta(weeks=20))

    assert not any(row["overdue"] for row in schedule)
    assert not any(row["can_enter"] for row in schedule)


def test_schedule_is_empty_without_an_intake_date(referral):
    assert selectors.questionnaire_schedule(referral) == []


@pytest.mark.parametrize("entered", [0, 1, 6])
def test_schedule_takes_one_query_however_many_responses(
    in_therapy, therapist, django_assert_num_queries, entered
):
    slots = [(w, c) for w in (0, 5, 10) for c in ("PHQ-9", "GAD-7")][:entered]
    for week, code in slots:
        answers = PHQ_MILD if code == "PHQ-9" else GAD_MODERATE
        QuestionnaireResponseFactory(
            referral=in_therapy, instrument=code, week=week, answers=answers
        )

    with django_assert_num_queries(1):
        schedule = selectors.questionnaire_schedule(in_therapy, today=INTAKE)

    assert sum(r is not None for row in schedule for r in row["responses"].values()) == entered


def test_score_changes_give_reliable_change_from_week_0(in_therapy, therapist):
    record(in_therapy, therapist, answers=[2, 2, 2, 2, 2, 2, 2, 2, 0])  # 16
    record(in_therapy, therapist, week=5, answers=[1, 1, 1, 1, 1, 1, 1, 1, 0])  # 8: improved
    record(in_therapy, therapist, week=10, answers=[2, 2, 2, 2, 2, 1, 2, 1, 0])  # 14: none
    record(in_therapy, therapist, code="GAD-7", answers=[0, 0, 1, 0, 0, 0, 1])  # 2
    record(in_therapy, therapist, code="GAD-7", week=5, answers=[1, 1, 1, 1, 1, 1, 0])  # 6

    changes = {row["code"]: row for row in selectors.score_changes(in_therapy)}

    assert changes["PHQ-9"]["totals"] == {0: 16, 5: 8, 10: 14}
    assert [(c["to_week"], c["verdict"]) for c in changes["PHQ-9"]["changes"]] == [
        (5, "improved"),
        (10, "no_change"),
    ]
    assert changes["PHQ-9"]["changes"][0]["difference"] == -8
    assert changes["GAD-7"]["totals"] == {0: 2, 5: 6, 10: None}
    assert [(c["to_week"], c["verdict"]) for c in changes["GAD-7"]["changes"]] == [
        (5, "deteriorated")
    ]


def test_score_changes_without_week_0_give_no_verdict(in_therapy):
    QuestionnaireResponseFactory(referral=in_therapy, week=5)

    changes = {row["code"]: row for row in selectors.score_changes(in_therapy)}

    assert changes["PHQ-9"]["totals"] == {0: None, 5: 9, 10: None}
    assert changes["PHQ-9"]["changes"] == []


# --- The partials --------------------------------------------------------------------------


def render_partial(name, user, **context):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(f"outcomes/{name}", {"user": user, **context}, request=request)


def test_questionnaire_partial_offers_the_therapist_the_missing_entries(in_therapy, therapist):
    record(in_therapy, therapist)

    html = render_partial(
        "_questionnaires.html",
        therapist,
        referral=in_therapy,
        schedule=selectors.questionnaire_schedule(in_therapy, today=INTAKE),
        changes=selectors.score_changes(in_therapy),
    )

    assert enter_url(in_therapy, "PHQ-9", 0) not in html
    assert enter_url(in_therapy, "GAD-7", 0) in html
    assert enter_url(in_therapy, "PHQ-9", 5) in html
    assert "02/03/2026" in html and "06/04/2026" in html  # week 0 and 5, English: day first


def test_questionnaire_partial_shows_the_gp_scores_and_verdicts_but_no_buttons(
    in_therapy, therapist, gp
):
    record(in_therapy, therapist, answers=[2, 2, 2, 2, 2, 2, 2, 2, 0])
    record(in_therapy, therapist, week=5, answers=[1, 1, 1, 1, 1, 1, 1, 1, 0])

    html = render_partial(
        "_questionnaires.html",
        gp,
        referral=in_therapy,
        schedule=selectors.questionnaire_schedule(in_therapy, today=INTAKE + timedelta(days=60)),
        changes=selectors.score_changes(in_therapy),
    )

    assert reverse("outcomes:enter", args=[in_therapy.pk, "GAD-7", 0]) not in html
    assert "16" in html and "8" in html
    assert str(selectors.CHANGE_LABELS["improved"]) in html


def test_alert_banner_has_an_acknowledge_button_for_the_gp_only(in_therapy, gp, therapist):
    alert = SafetyAlertFactory(response__referral=in_therapy)
    acknowledge = reverse("outcomes:acknowledge", args=[alert.pk])
    alerts = selectors.alerts_for_referral(in_therapy)

    for_gp = render_partial("_alert_banner.html", gp, alerts=alerts)
    for_therapist = render_partial("_alert_banner.html", therapist, alerts=alerts)

    assert 'role="alert"' in for_gp and 'role="alert"' in for_therapist
    assert acknowledge in for_gp
    assert acknowledge not in for_therapist


def test_alert_banner_is_quiet_once_acknowledged(in_therapy, gp):
    SafetyAlertFactory(
        response__referral=in_therapy, acknowledged_by=gp, acknowledged_at=timezone.now()
    )

    html = render_partial(
        "_alert_banner.html", gp, alerts=selectors.alerts_for_referral(in_therapy)
    )

    assert 'role="alert"' not in html


def test_gp_alert_list_links_to_the_referral_by_formal_name(in_therapy, gp):
    alert = SafetyAlertFactory(response__referral=in_therapy)

    html = render_partial("_open_alerts.html", gp, alerts=alerts_open_for_gp(gp))

    assert reverse("referrals:detail", args=[in_therapy.pk]) in html
    assert "Veldkamp, T." in html
    assert reverse("outcomes:acknowledge", args=[alert.pk]) in html


def test_gp_alert_list_renders_nothing_without_alerts(gp):
    html = render_partial("_open_alerts.html", gp, alerts=alerts_open_for_gp(gp))

    assert html.strip() == ""
