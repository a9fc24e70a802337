"""Which values of a session or a screening cannot be true, and which are unusual enough to ask
the therapist to confirm them. Pure functions of the cleaned values: the forms put the messages
beside the fields, the services refuse the impossible ones again.

Impossible (refused):
- an average pace faster than 2:30 min/km over running and walking together: faster than the
  world records from 1500 m up, so a typing error (10 km in 5 minutes);
- more running and walking minutes than the session lasted.

Unusual (saved once confirmed):
- an average heart rate during a session under 60 or over 210 bpm;
- at the screening a resting heart rate over 100 bpm (tachycardia at rest, the usual
  definition) or under 50 (bradycardia; a trained runner may have it, hence a confirmation),
  or a blood pressure of 160/90 mmHg or higher (160 systolic is where grade 2
  hypertension begins and 90 diastolic where grade 1 does in the 2018 ESC/ESH guideline;
  the thresholds are those of the clinical review of issue 15). These stay a flag for the
  therapist on the referral page and for the GP in the report after intake.

Not cleared for running (refused as "cleared"): a blood pressure of 180 systolic or 110
diastolic or higher, grade 3 hypertension in the 2018 ESC/ESH guideline (Williams et al., Eur
Heart J 2018;39:3021), which needs the GP before exercise (found in a clinician's try-out: 250/150
could be confirmed and cleared).
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

FASTEST_PACE = Decimal("2.5")  # minutes per km: 2:30 min/km
SESSION_HEART_RATE = (60, 210)
RESTING_HEART_RATE_ABOVE = 100
RESTING_HEART_RATE_BELOW = 50
BLOOD_PRESSURE_FROM = (160, 90)
BLOOD_PRESSURE_GRADE_3 = (180, 110)


def pace_text(minutes_per_km: Decimal) -> str:
    """2.0833 -> "2:05"."""
    seconds = int((minutes_per_km * 60).to_integral_value())
    return f"{seconds // 60}:{seconds % 60:02d}"


def session_errors(data: dict) -> dict[str, str]:
    """field -> why the value cannot be true."""
    errors: dict[str, str] = {}
    running = data.get("minutes_running") or 0
    walking = data.get("minutes_walking") or 0
    moving = running + walking
    duration = data.get("duration_minutes")
    distance = data.get("distance_km")
    if duration is not None and moving > duration:
        errors["minutes_walking"] = _(
            "Running and walking together (%(moving)s min) cannot be more than the session"
            " lasted (%(duration)s min)."
        ) % {"moving": moving, "duration": duration}
    minutes = moving or duration or 0
    if distance and minutes:
        pace = Decimal(minutes) / Decimal(distance)
        if pace < FASTEST_PACE:
            errors["distance_km"] = _(
                "%(km)s km in %(minutes)s minutes is a pace of %(pace)s min/km, faster than"
                " 2:30 min/km: check the distance and the minutes."
            ) % {
                "km": number_format(distance),
                "minutes": minutes,
                "pace": pace_text(pace),
            }
    return errors


def session_warnings(data: dict) -> dict[str, str]:
    """field -> why the value is unusual (it is saved once the therapist confirms it)."""
    warnings: dict[str, str] = {}
    rate = data.get("average_heart_rate")
    low, high = SESSION_HEART_RATE
    if rate is not None and not low <= rate <= high:
        warnings["average_heart_rate"] = _(
            "An average heart rate of %(rate)s bpm during a session is unusual (below 60 or"
            " above 210). Check it, and tick the box below if it is right."
        ) % {"rate": rate}
    return warnings


def screening_warnings(data: dict) -> dict[str, str]:
    """field -> why a screening value needs attention (a flag once confirmed)."""
    warnings: dict[str, str] = {}
    rate = data.get("resting_heart_rate")
    if rate is not None and rate > RESTING_HEART_RATE_ABOVE:
        warnings["resting_heart_rate"] = _(
            "A resting heart rate of %(rate)s bpm is above 100. Check it, and tick the box"
            " below if it is right: it will show as a flag to you and to the GP."
        ) % {"rate": rate}
    elif rate is not None and rate < RESTING_HEART_RATE_BELOW:
        warnings["resting_heart_rate"] = _(
            "A resting heart rate of %(rate)s bpm is below 50. Check it, and tick the box"
            " below if it is right: it will show as a flag to you and to the GP."
        ) % {"rate": rate}
    systolic, diastolic = data.get("systolic"), data.get("diastolic")
    if systolic is not None and diastolic is not None and high_blood_pressure(systolic, diastolic):
        warnings["systolic"] = _(
            "A blood pressure of %(bp)s mmHg is high (systolic 160 or more, or diastolic 90 or"
            " more). Check it, and tick the box below if it is right: it will show as a flag to"
            " you and to the GP."
        ) % {"bp": f"{systolic}/{diastolic}"}
    return warnings


def high_blood_pressure(systolic: int, diastolic: int) -> bool:
    return systolic >= BLOOD_PRESSURE_FROM[0] or diastolic >= BLOOD_PRESSURE_FROM[1]


def grade_3_blood_pressure(systolic: int, diastolic: int) -> bool:
    return systolic >= BLOOD_PRESSURE_GRADE_3[0] or diastolic >= BLOOD_PRESSURE_GRADE_3[1]


def clearance_error(systolic: int | None, diastolic: int | None, clears: bool) -> str:
    """Why a screening with these values cannot clear the patient for running, or ""."""
    if clears and systolic and diastolic and grade_3_blood_pressure(systolic, diastolic):
        return str(
            _(
                "A blood pressure of 180/110 mmHg or higher (grade 3 hypertension) needs"
                " the GP before running: choose not cleared and say why, or measure again."
            )
        )
    return ""


def screening_flags(screening) -> list[str]:
    """What the therapist and the GP should see about a stored screening's values."""
    if screening is None:
        return []
    flags = []
    if screening.resting_heart_rate > RESTING_HEART_RATE_ABOVE:
        flags.append(
            _("Resting heart rate above 100 bpm: %(rate)s bpm.")
            % {"rate": screening.resting_heart_rate}
        )
    elif screening.resting_heart_rate < RESTING_HEART_RATE_BELOW:
        flags.append(
            _("Resting heart rate below 50 bpm: %(rate)s bpm.")
            % {"rate": screening.resting_heart_rate}
        )
    if high_blood_pressure(screening.systolic, screening.diastolic):
        flags.append(
            _("High blood pressure (systolic 160 or more, or diastolic 90 or more): %(bp)s mmHg.")
            % {"bp": f"{screening.systolic}/{screening.diastolic}"}
        )
    return [str(flag) for flag in flags]
