"""A schedule that cannot drift (issue 14, points 2-4): week 0 is the start of running, the GP's
follow-up is due three months after it whatever the therapist does, and questionnaires are
dated inside their week's window."""

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from notifications.due import due_items
from notifications.models import Notification
from outcomes import selectors
from outcomes.models import QuestionnaireResponse
from referrals.models import FollowUp, Referral, Status
from referrals.schedule import (
    add_months,
    close_reminder_due,
    follow_up_due,
    questionnaire_due,
    questionnaire_window,
    screening_late,
    therapy_start,
)
from therapy import services as therapy_services
from therapy.models import Screening, TherapyLetter

from .factories import (
    IntakeFactory,
    PatientFactory,
    ReferralFactory,
    ScreeningFactory,
    follow_up_post,
    in_therapy_since,
)
from .test_therapist_workspace import SCREENING as WORKSPACE_SCREENING

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
TODAY = timezone.localdate()


def nl(message: str) -> str:
    with translation.override("nl"):
        return translation.gettext(message)


# --- The pure rules -----------------------------------------------------------------------------


def test_the_start_of_therapy_is_the_screening_date_or_the_intake_when_one_visit():
    assert therapy_start(date(2026, 3, 2), date(2026, 4, 15)) == date(2026, 4, 15)
    assert therapy_start(date(2026, 3, 2), date(2026, 3, 2)) == date(2026, 3, 2)


def test_a_screening_more_than_28_days_after_the_intake_is_late():
    intake = date(2026, 3, 2)
    assert not screening_late(intake, intake + timedelta(days=28))
    assert screening_late(intake, intake + timedelta(days=29))


@pytest.mark.parametrize(
    ("week", "first", "last"),
    [(0, -7, 7), (5, 28, 49), (10, 63, 84)],
)
def test_each_week_has_its_window_counted_from_the_start(week, first, last):
    start = date(2026, 3, 2)
    assert questionnaire_window(start, week) == (
        start + timedelta(days=first),
        start + timedelta(days=last),
    )


def test_the_follow_up_is_three_months_after_the_start_or_two_weeks_after_a_late_close():
    start = date(2026, 1, 31)
    assert follow_up_due(start) == date(2026, 4, 30)  # the month's last day
    # Closed in time: three months still.
    assert follow_up_due(start, closed_on=date(2026, 4, 10)) == date(2026, 4, 30)
    # Closed less than two weeks before, or after: two weeks after the close.
    assert follow_up_due(start, closed_on=date(2026, 4, 20)) == date(2026, 5, 4)
    assert follow_up_due(start, closed_on=date(2026, 6, 1)) == date(2026, 6, 15)


def test_the_close_reminder_is_due_in_week_12():
    assert close_reminder_due(date(2026, 3, 2)) == date(2026, 5, 25)


# --- Screening: the start of therapy -----------------------------------------------------------


SCREENING = {**WORKSPACE_SCREENING, "late_reason": ""}


@pytest.fixture
def intake_44_days_ago(gp, therapist):
    intake = TODAY - timedelta(days=44)
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.INTAKE_DONE,
        intake_date=intake,
        intake_done_at=timezone.now() - timedelta(days=44),
    )
    IntakeFactory(referral=referral)
    return referral


def test_a_screening_on_day_44_without_a_reason_is_refused_beside_the_date(
    intake_44_days_ago, therapist, client_for
):
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_44_days_ago.pk]),
        {**SCREENING, "date": TODAY.isoformat()},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["date"]
    assert "44" in errors["date"][0] and "28" in errors["date"][0]
    intake_44_days_ago.refresh_from_db()
    assert intake_44_days_ago.status == Status.INTAKE_DONE
    assert intake_44_days_ago.therapy_start is None
    assert not Screening.objects.filter(referral=intake_44_days_ago).exists()


def test_the_service_refuses_it_too(intake_44_days_ago, therapist):
    screening = ScreeningFactory.build(referral=intake_44_days_ago, date=TODAY)
    with pytest.raises(therapy_services.TherapyError, match="28"):
        therapy_services.screening_record(
            referral=intake_44_days_ago, screening=screening, by=therapist
        )
    assert Referral.objects.get(pk=intake_44_days_ago.pk).status == Status.INTAKE_DONE


def test_with_a_reason_the_late_screening_starts_week_0_on_its_own_date(
    intake_44_days_ago, gp, therapist, client_for
):
    reason = "Patiënt had griep; screening twee keer verzet."
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_44_days_ago.pk]),
        {**SCREENING, "date": TODAY.isoformat(), "late_reason": reason},
    )

    assert response.status_code == 302
    referral = Referral.objects.get(pk=intake_44_days_ago.pk)
    assert referral.status == Status.IN_THERAPY
    assert referral.therapy_start == TODAY
    assert referral.follow_up_due == add_months(TODAY, 3)
    assert Screening.objects.get(referral=referral).late_reason == reason
    # Weeks 0, 5 and 10 count from the screening, not from the intake 44 days before.
    schedule = selectors.questionnaire_schedule(referral, today=TODAY)
    assert [row["due"] for row in schedule] == [
        TODAY,
        TODAY + timedelta(weeks=5),
        TODAY + timedelta(weeks=10),
    ]
    assert not any(row["overdue"] for row in schedule)
    # Nothing falls due at once: no week 5, no letters, no overdue week 0 of the intake.
    kinds = {(i.kind, i.detail) for i in due_items(today=TODAY, therapist=therapist)}
    assert kinds == {(Kind.QUESTIONNAIRE_DUE, "week 0")}
    # The reason is kept and shown, to the therapist and the GP.
    for user in (therapist, gp):
        page = client_for(user).get(reverse("referrals:detail", args=[referral.pk]))
        assert reason in page.content.decode()


def test_before_the_screening_only_week_0_is_due_counted_from_the_intake(
    intake_44_days_ago, therapist
):
    items = due_items(today=TODAY, therapist=therapist)
    details = {(i.kind, i.detail) for i in items}
    assert (Kind.QUESTIONNAIRE_DUE, "week 0") in details
    assert not any(i.detail in ("week 5", "week 10") for i in items)
    assert not any(i.kind == Kind.LETTER_BACK_DUE for i in items)


# --- The GP's follow-up ---------------------------------------------------------------------------


def close(referral: Referral, therapist) -> None:
    therapy_services.therapy_close(
        referral=referral,
        outcome=Status.COMPLETED,
        letter=TherapyLetter(summary="Klaar.", runs_independently="yes"),
        by=therapist,
    )


def test_a_therapy_never_closed_still_yields_the_follow_up_at_start_plus_3_months(gp, therapist):
    referral = in_therapy_since(gp, therapist, 240)
    due = add_months(referral.therapy_start, 3)

    day_before = due_items(today=due - timedelta(days=1), gp=gp)
    on_the_day = due_items(today=due, gp=gp)

    assert not [i for i in day_before if i.kind == Kind.FOLLOW_UP_DUE]
    assert [(i.kind, i.due_date, i.referral_id) for i in on_the_day] == [
        (Kind.FOLLOW_UP_DUE, due, referral.pk)
    ]
    overdue = due_items(today=TODAY, gp=gp)
    assert {i.kind for i in overdue} == {Kind.FOLLOW_UP_DUE, Kind.FOLLOW_UP_OVERDUE}


def test_the_gp_holds_the_follow_up_while_the_therapy_is_open_and_the_close_ends_it(
    gp, therapist, client_for
):
    referral = in_therapy_since(gp, therapist, 100)
    data = follow_up_post(date=TODAY.isoformat(), antidepressant="continued", notes="")
    page = client_for(gp).get(reverse("referrals:detail", args=[referral.pk]))
    assert reverse("referrals:follow_up", args=[referral.pk]) in page.content.decode()

    response = client_for(gp).post(reverse("referrals:follow_up", args=[referral.pk]), data)

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.IN_THERAPY
    assert FollowUp.objects.filter(referral=referral).exists()
    assert not [i for i in due_items(today=TODAY, gp=gp) if i.referral_id == referral.pk]
    # Twice is refused.
    again = client_for(gp).post(reverse("referrals:follow_up", args=[referral.pk]), data)
    assert again.status_code == 302
    assert FollowUp.objects.filter(referral=referral).count() == 1

    close(referral, therapist)
    referral.refresh_from_db()
    assert referral.status == Status.FOLLOWED_UP
    assert list(referral.events.values_list("to_status", flat=True))[-2:] == [
        Status.COMPLETED,
        Status.FOLLOWED_UP,
    ]


def test_a_late_close_moves_the_follow_up_to_two_weeks_after_the_close(gp, therapist):
    referral = in_therapy_since(gp, therapist, 120)
    assert referral.follow_up_due < TODAY

    close(referral, therapist)

    referral.refresh_from_db()
    assert referral.follow_up_due == TODAY + timedelta(days=14)
    assert not [i for i in due_items(today=TODAY, gp=gp) if i.kind == Kind.FOLLOW_UP_DUE]


def test_a_close_in_time_keeps_start_plus_3_months(gp, therapist):
    referral = in_therapy_since(gp, therapist, 60)
    due = referral.follow_up_due

    close(referral, therapist)

    referral.refresh_from_db()
    assert referral.follow_up_due == due == add_months(TODAY - timedelta(days=60), 3)


def test_the_therapist_is_reminded_to_close_from_week_12_on(gp, therapist):
    early = in_therapy_since(gp, therapist, 83)
    due = in_therapy_since(gp, therapist, 84)

    items = [i for i in due_items(today=TODAY, therapist=therapist) if i.kind == Kind.CLOSE_DUE]

    assert [(i.referral_id, i.due_date) for i in items] == [(due.pk, TODAY)]
    assert early.pk not in {i.referral_id for i in items}


# --- Questionnaires inside their window ---------------------------------------------------------

PHQ = {f"item_{i}": "1" for i in range(1, 10)}


@pytest.fixture
def started_six_weeks_ago(gp, therapist):
    return in_therapy_since(gp, therapist, 42)


def enter_url(referral, code="PHQ-9", week=5):
    return reverse("outcomes:enter", args=[referral.pk, code, week])


def test_a_week_5_questionnaire_dated_on_the_start_day_is_refused_beside_the_date(
    started_six_weeks_ago, therapist, client_for
):
    start = started_six_weeks_ago.therapy_start
    response = client_for(therapist).post(
        enter_url(started_six_weeks_ago), {**PHQ, "completed_on": start.isoformat()}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["completed_on"]
    assert "28" in errors["completed_on"][0] and "49" in errors["completed_on"][0]
    assert not QuestionnaireResponse.objects.filter(referral=started_six_weeks_ago).exists()


def test_ticked_without_a_reason_it_is_refused_beside_the_reason(
    started_six_weeks_ago, therapist, client_for
):
    start = started_six_weeks_ago.therapy_start
    response = client_for(therapist).post(
        enter_url(started_six_weeks_ago),
        {**PHQ, "completed_on": start.isoformat(), "outside_window": "on"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["outside_window_reason"]
    assert not QuestionnaireResponse.objects.exists()


def test_with_the_tick_and_a_reason_it_is_kept_and_the_reason_shows_beside_the_score(
    started_six_weeks_ago, gp, therapist, client_for
):
    referral = started_six_weeks_ago
    reason = "Lijst per ongeluk op de startdag meegegeven en toen ingevuld."
    response = client_for(therapist).post(
        enter_url(referral),
        {
            **PHQ,
            "completed_on": referral.therapy_start.isoformat(),
            "outside_window": "on",
            "outside_window_reason": reason,
        },
    )

    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(referral=referral)
    assert (saved.week, saved.outside_window, saved.outside_window_reason) == (5, True, reason)
    for user in (therapist, gp):
        page = client_for(user).get(reverse("referrals:detail", args=[referral.pk]))
        assert reason in page.content.decode()
    follow_up = client_for(gp).get(reverse("referrals:follow_up", args=[referral.pk]))
    assert reason in follow_up.content.decode()


def test_inside_the_window_no_tick_is_needed(started_six_weeks_ago, therapist, client_for):
    day = started_six_weeks_ago.therapy_start + timedelta(days=35)
    response = client_for(therapist).post(
        enter_url(started_six_weeks_ago), {**PHQ, "completed_on": day.isoformat()}
    )
    assert response.status_code == 302
    assert not QuestionnaireResponse.objects.get().outside_window


def test_a_tick_on_a_date_inside_the_window_is_ignored(
    started_six_weeks_ago, therapist, client_for
):
    """Found in a try-out: a tick by mistake on a date inside the window was shown as
    "outside the window" with its reason."""
    day = started_six_weeks_ago.therapy_start + timedelta(days=35)
    response = client_for(therapist).post(
        enter_url(started_six_weeks_ago),
        {
            **PHQ,
            "completed_on": day.isoformat(),
            "outside_window": "on",
            "outside_window_reason": "per ongeluk aangevinkt",
        },
    )
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get()
    assert (saved.outside_window, saved.outside_window_reason) == (False, "")


def test_the_caseload_and_the_adherence_count_from_the_start_not_the_intake(
    gp, therapist, client_for
):
    """Found in a try-out: after a late screening the client list said "week 0" on the intake
    day, and the adherence table counted weeks of missed sessions before the patient was
    cleared."""
    from .factories import IntakeFactory

    referral = in_therapy_since(gp, therapist, 20)
    Referral.objects.filter(pk=referral.pk).update(
        intake_date=referral.therapy_start - timedelta(days=40)
    )
    IntakeFactory(referral=referral, date=referral.therapy_start - timedelta(days=40))
    client = client_for(therapist)
    start = referral.therapy_start

    caseload = client.get(reverse("referrals:incoming")).content.decode()
    assert f"{start:%d-%m-%Y}" in caseload
    page = client.get(reverse("referrals:detail", args=[referral.pk]))
    weeks = page.context["adherence"]
    assert weeks and weeks[0].start == start


def test_the_database_refuses_outside_the_window_without_a_reason(started_six_weeks_ago):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireResponse.objects.create(
            referral=started_six_weeks_ago,
            instrument="PHQ-9",
            week=5,
            answers=[1] * 9,
            total=9,
            band="mild",
            completed_on=TODAY,
            outside_window=True,
            entered_by=started_six_weeks_ago.therapist.user,
        )


def test_the_questionnaire_table_shows_each_weeks_window(started_six_weeks_ago, therapist):
    referral = started_six_weeks_ago
    schedule = selectors.questionnaire_schedule(referral, today=TODAY)
    html = render_to_string(
        "outcomes/_questionnaires.html",
        {"referral": referral, "schedule": schedule, "changes": [], "user": therapist},
        request=RequestFactory().get("/"),
    )
    first, last = questionnaire_window(referral.therapy_start, 5)
    assert schedule[1]["window_from"] == first and schedule[1]["window_to"] == last
    assert first.strftime("%d-%m-%Y") in html
    assert questionnaire_due(referral.therapy_start, 5).strftime("%d-%m-%Y") in html
