"""The dose (the intake's plan, adherence per week) and plausibility (impossible values refused
beside the field, unusual ones confirmed with a tick box, screening flags for therapist and GP)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from referrals.models import Referral, Status
from therapists.models import Therapist
from therapy import dose, plausibility
from therapy.exceptions import TherapyError
from therapy.forms import SessionForm
from therapy.letters import render_therapy_letter
from therapy.models import Intake, Screening, TherapyLetter, TherapySession
from therapy.services import session_log

from .factories import (
    FitnessCheckFactory,
    IntakeFactory,
    ScreeningFactory,
    TherapySessionFactory,
    referral_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def today():
    return timezone.localdate()


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages
    )


@pytest.fixture
def in_therapy(gp, therapist):
    referral = referral_of(
        gp,
        therapist,
        status=Status.IN_THERAPY,
        intake_date=today() - timedelta(days=15),
        therapy_started_at=timezone.now() - timedelta(days=14),
    )
    FitnessCheckFactory(referral=referral)
    return referral


def session_post(**overrides) -> dict:
    values = {
        "date": today().isoformat(),
        "mode": "supervised",
        "attendance": "attended",
        "duration_minutes": "45",
        "minutes_running": "25",
        "minutes_walking": "10",
        "distance_km": "4,1",
        "average_heart_rate": "142",
        "rpe": "13",
        "notes": "",
    }
    return values | overrides


# --- The profession ----------------------------------------------------------------------------


def test_the_psychomotor_therapist_is_a_profession():
    assert "psychomotor_therapist" in Therapist.Profession.values
    with translation.override("nl"):
        assert Therapist.Profession.PSYCHOMOTOR_THERAPIST.label == "Psychomotorisch therapeut"


# --- The plan at the intake ------------------------------------------------------------------


@pytest.fixture
def accepted(gp, therapist):
    return referral_of(
        gp,
        therapist,
        status=Status.ACCEPTED,
        accepted_at=timezone.now(),
    )


INTAKE = {
    "goals": "Weer energie krijgen.",
    "plan_weeks": "10",
    "plan_supervised_per_week": "1",
    "plan_own_runs_per_week": "2",
    "plan_minutes": "40",
    "plan_borg_rpe": "12",
    "plan": "Groep op dinsdag.",
}


def test_the_intake_form_starts_at_the_guideline_dose(accepted, therapist, client_for):
    response = client_for(therapist).get(reverse("therapy:intake", args=[accepted.pk]))
    form = response.context["form"]

    assert {name: form[name].initial for name in dose.PLAN} == {
        "plan_weeks": 9,
        "plan_supervised_per_week": 1,
        "plan_own_runs_per_week": 2,
        "plan_minutes": 45,
        "plan_borg_rpe": 13,
    }


def test_the_intake_stores_the_plan(accepted, therapist, client_for):
    response = client_for(therapist).post(
        reverse("therapy:intake", args=[accepted.pk]), {**INTAKE, "date": today().isoformat()}
    )

    assert response.status_code == 302
    intake = Intake.objects.get(referral=accepted)
    assert (
        intake.plan_weeks,
        intake.plan_supervised_per_week,
        intake.plan_own_runs_per_week,
        intake.plan_minutes,
        intake.plan_borg_rpe,
    ) == (10, 1, 2, 40, 12)
    assert intake.sessions_per_week == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"plan_weeks": "0"}, "plan_weeks"),
        ({"plan_minutes": "500"}, "plan_minutes"),
        ({"plan_borg_rpe": "21"}, "plan_borg_rpe"),
        (
            {"plan_supervised_per_week": "0", "plan_own_runs_per_week": "0"},
            "plan_own_runs_per_week",
        ),
        ({"plan_weeks": ""}, "plan_weeks"),
    ],
)
def test_an_impossible_plan_is_refused_beside_its_field(
    accepted, therapist, client_for, changes, field
):
    response = client_for(therapist).post(
        reverse("therapy:intake", args=[accepted.pk]),
        {**INTAKE, "date": today().isoformat(), **changes},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {field}
    assert not Intake.objects.filter(referral=accepted).exists()
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


# --- Adherence per week ----------------------------------------------------------------------


def test_adherence_per_week_counts_planned_against_attended_with_walking(in_therapy):
    intake = IntakeFactory(referral=in_therapy, date=in_therapy.intake_date)  # 9 weeks, 1 + 2
    start = in_therapy.intake_date
    week1 = [
        dict(date=start, mode="supervised", minutes_running=20, minutes_walking=20),
        dict(date=start + timedelta(days=2), mode="own", minutes_running=30, minutes_walking=5),
        dict(date=start + timedelta(days=4), mode="own", attendance="no_show"),
    ]
    week2 = [dict(date=start + timedelta(days=8), mode="supervised", minutes_walking=40)]
    for values in week1 + week2:
        attended = values.get("attendance", "attended") == "attended"
        TherapySessionFactory(
            referral=in_therapy,
            **{
                "minutes_running": 0,
                "minutes_walking": 0,
                "distance_km": None,
                **values,
                **({} if attended else {"minutes_running": None, "minutes_walking": None}),
            },
        )
    weeks = dose.weekly_adherence(intake, list(in_therapy.sessions.all()), today=today())

    assert [(w.number, w.planned, w.attended, w.missed) for w in weeks] == [
        (1, 3, 2, 1),
        (2, 3, 1, 0),
        (3, 3, 0, 0),
    ]
    assert (weeks[0].minutes_running, weeks[0].minutes_walking, weeks[0].minutes) == (50, 25, 75)
    assert weeks[1].minutes == 40  # only walking: it counts
    assert dose.adherence_totals(weeks) == {
        "planned": 9,
        "attended": 3,
        "minutes_running": 50,
        "minutes_walking": 65,
        "minutes": 115,
    }


def test_the_referral_page_and_the_progress_letter_show_adherence_per_week(
    in_therapy, therapist, gp, client_for
):
    IntakeFactory(referral=in_therapy, date=in_therapy.intake_date)  # the guideline's dose
    ScreeningFactory(referral=in_therapy)
    TherapySessionFactory(
        referral=in_therapy, date=in_therapy.intake_date, minutes_running=25, minutes_walking=15
    )
    page = client_for(gp).get(reverse("referrals:detail", args=[in_therapy.pk])).content.decode()

    assert "Adherence per week: planned and attended" in page
    assert "9 weeks · 1 supervised and 2 on their own a week · 45 minutes a session" in page
    assert "target exertion Borg 13 (6-20)" in page
    assert "25 / 15" in page  # running / walking of week 1
    assert "40" in page

    letter = TherapyLetter(referral=in_therapy, kind=TherapyLetter.Kind.PROGRESS, summary="Goed.")
    text = pdf_text(render_therapy_letter(letter))
    assert "Therapietrouw per week: gepland en gekomen" in text
    assert "25 / 15" in text
    assert "Totale tijd wandelen 15 minuten" in text


# --- Sessions: impossible and unusual ---------------------------------------------------------


def session_page(client, referral, data):
    return client.post(reverse("therapy:session_add", args=[referral.pk]), data)


def test_10_km_in_5_minutes_is_refused_beside_the_distance(in_therapy, therapist, client_for):
    response = session_page(
        client_for(therapist),
        in_therapy,
        session_post(
            distance_km="10", minutes_running="5", minutes_walking="0", duration_minutes=""
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"distance_km"}
    assert "faster than 2:30 min/km" in errors["distance_km"][0]
    assert "0:30 min/km" in errors["distance_km"][0]
    assert 'id="error_1_id_distance_km"' in response.text or "faster than 2:30" in response.text
    assert not TherapySession.objects.exists()


def test_more_minutes_than_the_session_lasted_is_refused(in_therapy, therapist, client_for):
    response = session_page(
        client_for(therapist),
        in_therapy,
        session_post(duration_minutes="30", minutes_running="25", minutes_walking="10"),
    )

    assert set(response.context["form"].errors) == {"minutes_walking"}
    assert "cannot be more than the session lasted (30 min)" in response.text
    assert not TherapySession.objects.exists()


def test_a_plausible_pace_is_saved(in_therapy, therapist, client_for):
    response = session_page(client_for(therapist), in_therapy, session_post())

    assert response.status_code == 302
    row = TherapySession.objects.get()
    assert (row.duration_minutes, row.distance_km, row.values_confirmed) == (
        45,
        Decimal("4.1"),
        False,
    )


def test_the_service_refuses_an_impossible_pace_too(in_therapy, therapist):
    with pytest.raises(TherapyError, match="2:30 min/km"):
        session_log(
            referrals=[in_therapy],
            by=therapist,
            data={
                "date": today(),
                "mode": "supervised",
                "minutes_running": 5,
                "distance_km": Decimal("10"),
            },
        )
    assert not TherapySession.objects.exists()


def test_a_heart_rate_of_45_asks_for_confirmation_and_saves_once_confirmed(
    in_therapy, therapist, client_for
):
    client = client_for(therapist)
    first = session_page(client, in_therapy, session_post(average_heart_rate="45"))

    assert first.status_code == 200
    assert set(first.context["form"].errors) == {"average_heart_rate"}
    assert "45 bpm during a session is unusual" in first.text
    assert 'name="values_confirmed"' in first.text
    assert not TherapySession.objects.exists()

    second = session_page(
        client, in_therapy, session_post(average_heart_rate="45", values_confirmed="on")
    )

    assert second.status_code == 302
    row = TherapySession.objects.get()
    assert (row.average_heart_rate, row.values_confirmed) == (45, True)


def test_the_tick_box_is_not_shown_without_a_warning(in_therapy, therapist, client_for):
    page = client_for(therapist).get(reverse("therapy:session_add", args=[in_therapy.pk]))
    assert 'name="values_confirmed"' not in page.text


def test_the_pace_rule_reads_the_dutch_decimal_comma():
    form = SessionForm(
        data=session_post(distance_km="2,4", minutes_running="5", minutes_walking="0")
    )
    assert not form.is_valid()
    assert "2.4 km in 5 minutes is a pace of 2:05 min/km" in form.errors["distance_km"][0]
    assert plausibility.pace_text(Decimal("2.5")) == "2:30"


# --- Screening: unusual values, flags -----------------------------------------------------------

SCREENING = {
    "date": today().isoformat(),  # the same day as the intake: one visit
    "resting_heart_rate": "64",
    "systolic": "125",
    "diastolic": "80",
    "height_cm": "178",
    "weight_kg": "74,0",
    "injuries": "",
    "notes": "",
    "outcome": "cleared",
    "restrictions": "",
}


@pytest.fixture
def intake_done(gp, therapist):
    referral = referral_of(
        gp,
        therapist,
        status=Status.INTAKE_DONE,
        intake_date=today(),
    )
    FitnessCheckFactory(referral=referral)
    IntakeFactory(referral=referral)
    return referral


def test_a_blood_pressure_of_165_95_asks_for_confirmation_then_flags_page_and_letter(
    intake_done, therapist, gp, client_for
):
    client = client_for(therapist)
    url = reverse("therapy:screening", args=[intake_done.pk])
    first = client.post(url, {**SCREENING, "systolic": "165", "diastolic": "95"})

    assert first.status_code == 200
    assert set(first.context["form"].errors) == {"systolic"}
    assert "165/95 mmHg is high (systolic 160 or more, or diastolic 90 or more)" in first.text
    assert 'name="values_confirmed"' in first.text
    intake_done.refresh_from_db()
    assert intake_done.status == Status.INTAKE_DONE
    assert not Screening.objects.exists()

    second = client.post(
        url, {**SCREENING, "systolic": "165", "diastolic": "95", "values_confirmed": "on"}
    )

    assert second.status_code == 302
    screening = Screening.objects.get(referral=intake_done)
    assert screening.values_confirmed
    with translation.override("en"):
        assert screening.flags == [
            "High blood pressure (systolic 160 or more, or diastolic 90 or more): 165/95 mmHg."
        ]

    for user in (therapist, gp):
        page = client_for(user).get(reverse("referrals:detail", args=[intake_done.pk])).text
        assert "Values that need attention:" in page
        assert (
            "High blood pressure (systolic 160 or more, or diastolic 90 or more): 165/95 mmHg."
            in page
        )

    referral = Referral.objects.get(pk=intake_done.pk)
    letter = TherapyLetter(referral=referral, kind=TherapyLetter.Kind.INTAKE, summary="Start.")
    text = pdf_text(render_therapy_letter(letter))
    assert "Waarden die aandacht vragen:" in text
    assert "Hoge bloeddruk (bovendruk 160 of meer, of onderdruk 90 of meer): 165/95 mmHg." in text


def test_a_resting_heart_rate_over_100_asks_for_confirmation(intake_done, therapist, client_for):
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_done.pk]),
        {**SCREENING, "resting_heart_rate": "105"},
    )
    assert set(response.context["form"].errors) == {"resting_heart_rate"}
    assert not Screening.objects.exists()


def test_a_blood_pressure_that_is_not_high_is_not_called_160_90(intake_done, therapist, client_for):
    """Found by a clinician: 130/90 was told it "is 160/90 or higher"."""
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_done.pk]),
        {**SCREENING, "systolic": "130", "diastolic": "90"},
    )
    assert "130/90 mmHg is high (systolic 160 or more, or diastolic 90 or more)" in response.text
    assert "160/90 or higher" not in response.text


def test_a_resting_heart_rate_under_50_asks_for_confirmation(intake_done, therapist, client_for):
    """Found by a clinician: 30 at rest was saved without a word."""
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_done.pk]),
        {**SCREENING, "resting_heart_rate": "30"},
    )
    assert set(response.context["form"].errors) == {"resting_heart_rate"}
    assert not Screening.objects.exists()


def test_grade_3_blood_pressure_cannot_be_cleared_even_when_confirmed(
    intake_done, therapist, client_for
):
    """Found by a clinician: 250/150 could be confirmed and cleared for running."""
    client = client_for(therapist)
    url = reverse("therapy:screening", args=[intake_done.pk])
    data = {**SCREENING, "systolic": "250", "diastolic": "150", "values_confirmed": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "outcome" in refused.context["form"].errors
    assert not Screening.objects.exists()
    not_cleared = client.post(url, {**data, "outcome": "not_cleared", "notes": "RR 250/150."})
    assert not_cleared.status_code == 302
    assert Screening.objects.get(referral=intake_done).outcome == "not_cleared"


def test_the_service_refuses_to_clear_a_grade_3_blood_pressure_too(intake_done, therapist):
    from therapy.services import TherapyError, screening_record

    screening = Screening(
        date=today(),
        resting_heart_rate=70,
        systolic=185,
        diastolic=95,
        height_cm=170,
        weight_kg=70,
        outcome=Screening.Outcome.CLEARED,
        values_confirmed=True,
    )
    with pytest.raises(TherapyError):
        screening_record(referral=intake_done, screening=screening, by=therapist)
    assert not Screening.objects.exists()


def test_ordinary_screening_values_give_no_flag_and_no_tick_box(intake_done, therapist, client_for):
    response = client_for(therapist).post(
        reverse("therapy:screening", args=[intake_done.pk]), SCREENING
    )
    assert response.status_code == 302
    screening = Screening.objects.get(referral=intake_done)
    with translation.override("en"):
        assert (screening.flags, screening.values_confirmed) == ([], False)
    page = client_for(therapist).get(reverse("referrals:detail", args=[intake_done.pk])).text
    assert "Values that need attention:" not in page
