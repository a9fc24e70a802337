"""Safety alerts belong to the practice (issue 14, point 1) and the schedule's urgency and
holidays (point 6): who sees an open alert, what it says, acknowledging with a note, the
escalation after one working day (once, even with two sweeps at the same moment), the intake
reminder by urgency, working days around Dutch public holidays."""

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications import due as due_module
from notifications import sweep as sweep_module
from notifications.models import Notification
from outcomes import signals
from outcomes.alerts import (
    alerts_escalate,
    alerts_open_for_gp,
    alerts_open_for_therapist,
    escalation_due,
)
from outcomes.instruments import PHQ9
from outcomes.models import SafetyAlert
from outcomes.pages import alert_timeline
from referrals.models import Status, Urgency
from referrals.schedule import add_working_days, intake_due, is_working_day

from .factories import (
    GPProfileFactory,
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    SafetyAlertFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
Kind = Notification.Kind
ITEM9_MORE_THAN_HALF = [1, 1, 0, 0, 0, 0, 0, 0, 2]


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS)


@pytest.fixture
def colleague(gp) -> User:
    """A second GP of the referring GP's practice: not the one who referred."""
    return GPProfileFactory(
        user__practice=gp.practice, user__first_name="Els", user__last_name="Collega"
    ).user


@pytest.fixture
def in_therapy(gp, therapist):
    return ReferralFactory(
        patient=PatientFactory(
            practice=gp.practice, first_name="Jantine", surname="Veldkamp", phone="06 12345678"
        ),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=date(2026, 3, 2),
    )


def make(gp, therapist, status=Status.IN_THERAPY, **fields):
    """A referral of `gp`'s patient to `therapist` in `status`."""
    fields.setdefault("intake_date", date(2026, 3, 2) if status == Status.IN_THERAPY else None)
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=status,
        **fields,
    )


def raise_alert(referral, raised_at: datetime | None = None, **fields) -> SafetyAlert:
    response = QuestionnaireResponseFactory(
        referral=referral, answers=ITEM9_MORE_THAN_HALF, total=4, band="minimal"
    )
    alert = SafetyAlertFactory(response=response, **fields)
    if raised_at is not None:  # auto_now_add: set afterwards
        SafetyAlert.objects.filter(pk=alert.pk).update(raised_at=raised_at)
        alert.refresh_from_db()
    return alert


def english(client):
    client.cookies["django_language"] = "en"
    return client


# 1. Every GP of the practice sees the alert; a GP of another practice does not


def test_a_colleague_gp_sees_the_alert_on_their_home_marked_with_the_referring_gp(
    in_therapy, gp, colleague, client_for
):
    alert = raise_alert(in_therapy)

    response = english(client_for(colleague)).get(reverse("referrals:worklist"))

    html = response.content.decode()
    assert response.status_code == 200
    assert [a.pk for a in response.context["alerts"]] == [alert.pk]
    assert f"referred by {gp.get_full_name()}" in html
    assert in_therapy.patient.formal_name in html
    assert "Answer on item 9: “More than half the days”." in html
    assert "Patient's phone:" in html
    assert 'href="tel:0612345678"' in html
    for guidance in ("same-day risk assessment", "call 112", "0800-0113", "113.nl"):
        assert guidance in html
    assert reverse("outcomes:acknowledge", args=[alert.pk]) in html
    assert response.context["due_badge"] == 1


def test_a_colleague_gp_acknowledges_with_a_note_on_the_timeline(
    in_therapy, gp, colleague, client_for
):
    alert = raise_alert(in_therapy)
    client = english(client_for(colleague))

    response = client.post(
        reverse("outcomes:acknowledge", args=[alert.pk]),
        {"note": "Patient gebeld, geen acuut gevaar, afspraak morgen"},
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == colleague
    assert alert.acknowledgement_note == "Patient gebeld, geen acuut gevaar, afspraak morgen"
    assert alerts_open_for_gp(gp) == [] and alerts_open_for_gp(colleague) == []
    page = client.get(reverse("referrals:detail", args=[in_therapy.pk]))
    entries = [e for e in page.context["timeline"] if "acknowledged" in str(e["label"])]
    assert [(e["by"], e["note"]) for e in entries] == [
        (colleague.get_full_name(), "Patient gebeld, geen acuut gevaar, afspraak morgen")
    ]
    assert "Patient gebeld, geen acuut gevaar, afspraak morgen" in page.content.decode()


def test_a_second_gp_acknowledging_after_a_colleague_gets_their_note_back(
    in_therapy, gp, colleague, client_for
):
    """Found in a try-out: the colleague who acknowledged second saw only "already
    acknowledged", and what they had done (an appointment made) was lost."""
    alert = raise_alert(in_therapy)
    first = client_for(gp).post(
        reverse("outcomes:acknowledge", args=[alert.pk]),
        {"note": "Assistente teruggebeld, geen gehoor; voicemail ingesproken."},
    )
    assert first.status_code == 302

    second = client_for(colleague).post(
        reverse("outcomes:acknowledge", args=[alert.pk]),
        {"note": "Patiënte gebeld, komt vanmiddag 16:00 op spreekuur."},
    )

    assert second.status_code == 409
    html = second.content.decode()
    assert "Patiënte gebeld, komt vanmiddag 16:00 op spreekuur." in html
    assert "Assistente teruggebeld, geen gehoor; voicemail ingesproken." in html
    assert gp.get_full_name() in html
    alert.refresh_from_db()
    assert alert.acknowledged_by == gp
    assert alert.acknowledgement_note.startswith("Assistente teruggebeld")


def test_a_gp_of_another_practice_neither_sees_nor_acknowledges_the_alert(
    in_therapy, gp_other_practice, client_for
):
    alert = raise_alert(in_therapy)
    client = client_for(gp_other_practice)

    home = client.get(reverse("referrals:worklist"))
    response = client.post(reverse("outcomes:acknowledge", args=[alert.pk]), {"note": "Gebeld."})

    assert home.context["alerts"] == []
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


@pytest.mark.parametrize("note", ["", "   "])
def test_the_note_is_required_with_its_message_beside_the_field(in_therapy, gp, client_for, note):
    alert = raise_alert(in_therapy)

    response = english(client_for(gp)).post(
        reverse("outcomes:acknowledge", args=[alert.pk]), {"note": note}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["note"]
    message = "Write down briefly what was done, for example: patient called, no acute danger,"
    html = response.content.decode()
    assert f'id="id_alert{alert.pk}_note_error"' in html
    assert message in html
    assert "<title>Acknowledge safety alert · " in html
    alert.refresh_from_db()
    assert (alert.acknowledged_at, alert.acknowledgement_note) == (None, "")


def test_the_therapist_sees_open_alerts_on_the_caseload_and_in_the_badge(
    in_therapy, therapist, client_for
):
    alert = raise_alert(in_therapy)

    response = english(client_for(therapist)).get(reverse("referrals:incoming"))

    html = response.content.decode()
    assert [a.pk for a in response.context["alerts"]] == [alert.pk]
    assert response.context["alert_referral_ids"] == {in_therapy.pk}
    assert "Safety alerts: act now" in html
    assert "Not yet acknowledged by a GP of the practice." in html
    assert reverse("outcomes:acknowledge", args=[alert.pk]) not in html
    assert "0800-0113" in html
    assert alerts_open_for_therapist(therapist) == [alert]


def test_another_therapist_does_not_see_the_alert(in_therapy, therapist_other):
    raise_alert(in_therapy)

    assert alerts_open_for_therapist(therapist_other) == []


def test_open_alerts_of_the_practice_take_one_query_at_1_and_at_20(
    gp, colleague, therapist, django_assert_num_queries
):
    for count in (1, 20):
        SafetyAlert.objects.all().delete()
        for _i in range(count):
            raise_alert(make(gp, therapist))
        with django_assert_num_queries(1):
            rows = alerts_open_for_gp(colleague)
        with django_assert_num_queries(1):
            assert len(alerts_open_for_therapist(therapist)) == count
        assert len(rows) == count
        assert all(a.answer == PHQ9.options[2] for a in rows)


# 2. Escalation after one working day, once


def escalation_rows(alert):
    return sorted(
        Notification.objects.filter(key__startswith=f"alert-{alert.pk}-escalated").values_list(
            "recipient_id", "address", "kind"
        )
    )


def test_not_acknowledged_within_a_working_day_it_escalates_to_every_gp_and_the_practice(
    in_therapy, gp, colleague, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(role=User.Role.GP, practice=gp.practice, is_active=False)  # left the practice
    GPProfileFactory()  # a GP of another practice
    monday = date(2026, 3, 9)
    alert = raise_alert(in_therapy, raised_at=at(monday, 10))

    assert alerts_escalate(now=at(monday + timedelta(days=1), 9, 59)) == []
    assert escalation_rows(alert) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_escalate(now=at(monday + timedelta(days=1), 10)) == [alert]

    alert.refresh_from_db()
    assert alert.escalated_at == at(monday + timedelta(days=1), 10)
    kind = Kind.SAFETY_ALERT_ESCALATED
    assert escalation_rows(alert) == sorted(
        [(gp.pk, "", kind), (colleague.pk, "", kind), (gp.pk, gp.practice.email, kind)]
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [gp.email, colleague.email, gp.practice.email]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_escalate(now=at(monday + timedelta(days=2), 10)) == []
    assert len(mailoutbox) == 3


def test_an_acknowledged_alert_never_escalates(in_therapy, gp):
    alert = raise_alert(
        in_therapy,
        raised_at=at(date(2026, 3, 9)),
        acknowledged_by=gp,
        acknowledged_at=at(date(2026, 3, 9), 11),
        acknowledgement_note="Gebeld.",
    )

    assert alerts_escalate(now=at(date(2026, 3, 20))) == []
    assert escalation_rows(alert) == []


@pytest.mark.parametrize(
    ("raised", "escalates"),
    [
        (at(date(2026, 3, 13), 10), at(date(2026, 3, 16), 10)),  # Friday -> Monday
        (at(date(2026, 4, 24), 15), at(date(2026, 4, 28), 15)),  # Friday, Koningsdag Mon 27/4
        (at(date(2026, 12, 24), 9), at(date(2026, 12, 28), 9)),  # Christmas on Fri and Sat
        (at(date(2026, 4, 2), 12), at(date(2026, 4, 7), 12)),  # Good Friday, Easter Monday
    ],
)
def test_escalation_waits_one_working_day_past_weekends_and_holidays(raised, escalates):
    assert escalation_due(raised) == escalates


def test_the_sweep_escalates_and_the_escalation_is_on_the_timeline(in_therapy, gp):
    raised = timezone.now() - timedelta(days=6)
    alert = raise_alert(in_therapy, raised_at=raised)

    sweep_module.sweep(trigger="test")

    alert.refresh_from_db()
    assert alert.escalated_at is not None
    labels = [str(e["label"]) for e in alert_timeline([alert])]
    assert labels == [
        "Veiligheidssignaal (PHQ-9 week 0) gesignaleerd",
        "Veiligheidssignaal (PHQ-9 week 0) opgeschaald naar alle huisartsen van de praktijk",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_escalate_once(gp, therapist):
    """The second sweep's conditional UPDATE waits on the first's row lock; once the first has
    committed, the condition no longer holds: nothing is marked or e-mailed twice."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent writers: PostgreSQL")
    colleague = GPProfileFactory(user__practice=gp.practice).user
    alert = raise_alert(make(gp, therapist), raised_at=at(date(2026, 3, 9), 10))
    now = at(date(2026, 3, 11), 10)
    first_holds_its_lock = threading.Event()
    release_first = threading.Event()

    def hold_the_first_open(**kwargs) -> None:
        # Runs inside the first sweep's transaction, after its UPDATE: it keeps the row lock
        # while the second sweep reaches its own UPDATE on the same row.
        if threading.current_thread().name == "first":
            first_holds_its_lock.set()
            assert release_first.wait(timeout=20)

    signals.alert_escalated.connect(hold_the_first_open, dispatch_uid="hold_first_open")
    results, errors = {}, []

    def work() -> None:
        try:
            results[threading.current_thread().name] = alerts_escalate(now=now)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=work, name="first")
    second = threading.Thread(target=work, name="second")
    try:
        first.start()
        assert first_holds_its_lock.wait(timeout=20)
        second.start()
        # The second sweep is blocked on the first's row lock (PostgreSQL says so), not done.
        deadline = time.monotonic() + 20
        while not _someone_waits_for_a_lock():
            assert time.monotonic() < deadline, "the second sweep never reached the row lock"
            time.sleep(0.05)
        assert "second" not in results
        release_first.set()
        first.join(timeout=30)
        second.join(timeout=30)
    finally:
        release_first.set()
        signals.alert_escalated.disconnect(dispatch_uid="hold_first_open")

    assert not errors, errors
    assert [a.pk for a in results["first"]] == [alert.pk]
    assert results["second"] == []
    assert len(escalation_rows(alert)) == 3  # gp, colleague, the practice's address
    recipients = Notification.objects.filter(kind=Kind.SAFETY_ALERT_ESCALATED)
    assert sorted(recipients.filter(address="").values_list("recipient_id", flat=True)) == sorted(
        [gp.pk, colleague.pk]
    )
    assert len([m for m in mail.outbox if m.to == [gp.practice.email]]) == 1


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


# 3. Urgency and holidays (point 6)


@pytest.mark.parametrize(
    ("urgency", "days"), [(Urgency.SOON, 7), (Urgency.ROUTINE, 14)], ids=["spoedig", "routine"]
)
def test_the_intake_reminder_follows_the_urgency(gp, therapist, urgency, days):
    accepted = date(2026, 3, 2)
    referral = make(
        gp,
        therapist,
        Status.ACCEPTED,
        urgency=urgency,
        sent_at=at(accepted - timedelta(days=1)),
        accepted_at=at(accepted),
    )
    assert intake_due(accepted, urgency) == accepted + timedelta(days=days)

    def intake_items(today):
        with time_machine.travel(at(today, 8), tick=False):
            items = due_module.due_items(today=today, therapist=therapist)
        return [(i.referral_id, i.due_date) for i in items if i.kind == Kind.INTAKE_OVERDUE]

    falls_due = accepted + timedelta(days=days)
    assert intake_items(falls_due - timedelta(days=1)) == []
    assert intake_items(falls_due) == [(referral.pk, falls_due)]


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (date(2026, 4, 24), 1, date(2026, 4, 28)),  # Friday; Monday 27 April is Koningsdag
        (date(2026, 4, 23), 3, date(2026, 4, 29)),  # Thursday: Fri 24, Tue 28, Wed 29
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas Day is a Friday in 2026
        (date(2027, 12, 24), 1, date(2027, 12, 27)),  # 2027: Christmas on Saturday and Sunday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day, then the weekend
        (date(2026, 5, 13), 1, date(2026, 5, 15)),  # Ascension Day, Thursday 14 May
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # Whit Monday, 25 May
        (date(2026, 3, 5), 2, date(2026, 3, 9)),  # no holiday: Thursday -> Monday
    ],
)
def test_working_days_skip_dutch_public_holidays(day, days, expected):
    assert add_working_days(day, days) == expected


def test_koningsdag_and_christmas_are_no_working_days():
    assert not is_working_day(date(2026, 4, 27))
    assert not is_working_day(date(2026, 12, 25))
    assert is_working_day(date(2026, 4, 28))
    assert is_working_day(date(2026, 12, 24))


def test_the_answer_reminder_skips_koningsdag(gp, therapist):
    """Sent on Thursday 23 April 2026: two working days are Friday and Tuesday (Koningsdag on
    Monday), so the reminder falls due on Wednesday 29 April, not on Tuesday."""
    referral = make(gp, therapist, Status.SENT, sent_at=at(date(2026, 4, 23), 16))

    def unanswered(today):
        with time_machine.travel(at(today, 8), tick=False):
            items = due_module.due_items(today=today, therapist=therapist)
        return [(i.referral_id, i.due_date) for i in items if i.kind == Kind.REFERRAL_UNANSWERED]

    assert unanswered(date(2026, 4, 28)) == []
    assert unanswered(date(2026, 4, 29)) == [(referral.pk, date(2026, 4, 29))]
