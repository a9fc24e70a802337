"""The running log (looplogboek): the patient's own runs, their rules, and who entered what."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from referrals.models import Status
from therapy.models import RunLogEntry
from therapy.running_log import (
    BORG_WORDS,
    RunLogRefused,
    borg_label,
    run_log_entries,
    run_log_record,
    run_log_totals,
    run_log_weeks,
)
from therapy.running_log_forms import RunLogEntryForm

from .factories import RunLogEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def started(referral, days_ago: int = 20):
    referral.therapy_start = timezone.localdate() - timedelta(days=days_ago)
    referral.save(update_fields=["therapy_start"])
    return referral


def run(**overrides) -> dict:
    values = {
        "date": timezone.localdate(),
        "minutes_running": 20,
        "minutes_walking": 10,
        "borg": 13,
        "note": "  Lekker gelopen.  ",
    }
    return {**values, **overrides}


def test_patient_entry_is_stored_with_the_link_and_no_user(referral_in_therapy):
    referral = started(referral_in_therapy)
    entry = run_log_record(referral, data=run(), entered_by_patient=True, via_link=42)
    entry.refresh_from_db()
    assert entry.entered_by_patient and entry.entered_by is None and entry.via_link == 42
    assert entry.note == "Lekker gelopen."
    assert entry.minutes == 30


def test_therapist_entry_records_the_therapist(referral_in_therapy, therapist):
    referral = started(referral_in_therapy)
    entry = run_log_record(
        referral, data=run(), entered_by_patient=False, actor=therapist, via_link=7
    )
    assert entry.entered_by == therapist and not entry.entered_by_patient
    assert entry.via_link is None  # a link is the patient's way in only


def test_another_therapist_cannot_enter_a_run(referral_in_therapy, therapist_other):
    referral = started(referral_in_therapy)
    with pytest.raises(RunLogRefused):
        run_log_record(referral, data=run(), entered_by_patient=False, actor=therapist_other)
    assert not RunLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": timezone.localdate() + timedelta(days=1)}, "date"),
        ({"date": timezone.localdate() - timedelta(days=21)}, "date"),  # before the start
        ({"date": None}, "date"),
        ({"minutes_running": 301}, "minutes_running"),
        ({"minutes_walking": -1}, "minutes_walking"),
        ({"minutes_running": 0, "minutes_walking": 0}, "minutes_running"),
        ({"borg": 5}, "borg"),
        ({"borg": 21}, "borg"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_values_outside_the_rules_are_refused_beside_their_field(
    referral_in_therapy, overrides, field
):
    referral = started(referral_in_therapy)
    with pytest.raises(RunLogRefused) as refused:
        run_log_record(referral, data=run(**overrides), entered_by_patient=True)
    assert field in refused.value.errors
    assert not RunLogEntry.objects.exists()


def test_the_message_for_a_date_before_the_start_names_the_start(referral_in_therapy):
    referral = started(referral_in_therapy)
    with pytest.raises(RunLogRefused) as refused:
        run_log_record(
            referral,
            data=run(date=referral.therapy_start - timedelta(days=1)),
            entered_by_patient=True,
        )
    assert referral.therapy_start.strftime("%d-%m-%Y") in refused.value.errors["date"]


@pytest.mark.parametrize("status", [Status.INTAKE_DONE, Status.COMPLETED, Status.CANCELLED])
def test_the_log_is_closed_outside_therapy(referral_in_therapy, status):
    referral = started(referral_in_therapy)
    referral.status = status
    referral.save(update_fields=["status"])
    with pytest.raises(RunLogRefused) as refused:
        run_log_record(referral, data=run(), entered_by_patient=True)
    assert "" in refused.value.errors


def test_an_author_is_one_of_patient_or_user(referral_in_therapy, therapist):
    with pytest.raises(ValueError):
        run_log_record(referral_in_therapy, data=run(), entered_by_patient=True, actor=therapist)
    with pytest.raises(ValueError):
        run_log_record(referral_in_therapy, data=run(), entered_by_patient=False)


@pytest.mark.parametrize(
    "fields",
    [
        {"borg": 21},
        {"minutes_running": 301},
        {"minutes_running": 0, "minutes_walking": 0},
        {"entered_by_patient": True, "entered_by": "user"},
        {"entered_by_patient": False, "entered_by": None},
    ],
)
def test_the_database_refuses_what_the_service_would(referral_in_therapy, fields):
    if fields.get("entered_by") == "user":
        fields = {**fields, "entered_by": UserFactory()}
    with pytest.raises(IntegrityError), transaction.atomic():
        RunLogEntryFactory(referral=referral_in_therapy, **fields)


def test_weeks_and_totals_count_what_was_not_withdrawn(referral_in_therapy):
    referral = started(referral_in_therapy, days_ago=13)
    start = referral.therapy_start
    RunLogEntryFactory(referral=referral, date=start, minutes_running=20, minutes_walking=10)
    RunLogEntryFactory(referral=referral, date=start + timedelta(days=8), minutes_running=30)
    RunLogEntryFactory(
        referral=referral, date=start + timedelta(days=9), withdrawn_at=timezone.now()
    )
    entries = list(run_log_entries(referral))
    assert len(entries) == 3
    weeks = run_log_weeks(referral, entries)
    assert [(w.number, w.runs, w.minutes) for w in weeks] == [(1, 1, 30), (2, 1, 40)]
    assert run_log_totals(entries) == {
        "runs": 2,
        "minutes_running": 50,
        "minutes_walking": 20,
        "minutes": 70,
    }


@translation.override("en")
def test_borg_words_are_the_anchors():
    assert sorted(BORG_WORDS) == [6, 7, 9, 11, 13, 15, 17, 19, 20]
    assert borg_label(13) == "13 (Somewhat hard)"
    assert borg_label(14) == "14"


@translation.override("en")
def test_form_takes_a_dutch_date_and_shows_its_words(referral_in_therapy):
    referral = started(referral_in_therapy)
    day = timezone.localdate()
    form = RunLogEntryForm(
        data={
            "date": day.strftime("%d-%m-%Y"),
            "minutes_running": "25",
            "minutes_walking": " 5 ",
            "borg": "13",
        },
        referral=referral,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date"] == day
    html = str(RunLogEntryForm(referral=referral)["borg"])
    assert "Somewhat hard" in html and 'value="20"' in html
    assert 'placeholder="dd-mm-yyyy"' in str(RunLogEntryForm(referral=referral)["date"])


@translation.override("en")
def test_form_says_beside_each_field_what_is_wrong(referral_in_therapy):
    referral = started(referral_in_therapy)
    form = RunLogEntryForm(
        data={"date": "31-02-2026", "minutes_running": "veel", "minutes_walking": "0"},
        referral=referral,
    )
    assert not form.is_valid()
    assert "dd-mm-yyyy" in form.errors["date"][0]
    assert "0 to 300" in form.errors["minutes_running"][0]
    assert "6 to 20" in form.errors["borg"][0]
    assert not form.non_field_errors()
