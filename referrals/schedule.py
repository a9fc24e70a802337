"""Due dates derived from a referral's own dates. Pure functions: no queries, no clock.

Everything is a calendar date in Europe/Amsterdam, so a daylight-saving change in between
never moves a due date.
"""

import calendar
from datetime import date, timedelta
from functools import cache

import holidays

from .models import Urgency

QUESTIONNAIRE_WEEKS = (0, 5, 10)
QUESTIONNAIRE_OVERDUE_AFTER = timedelta(days=7)
#: The intake is due this long after the referral was accepted, by the referral's urgency
#: (referrals.models.Urgency): "spoedig" (soon) within a week, otherwise within two weeks.
INTAKE_DUE_AFTER_ACCEPT = {Urgency.SOON: timedelta(days=7), Urgency.ROUTINE: timedelta(days=14)}
FOLLOW_UP_MONTHS = 3
FOLLOW_UP_OVERDUE_AFTER = timedelta(days=14)
#: A late close gives the GP at least this long before the follow-up is due.
FOLLOW_UP_AFTER_CLOSE = timedelta(days=14)
#: From this week on the therapist is reminded to close the therapy and send the end report.
CLOSE_REMINDER_WEEK = 12
#: A screening later than this after the intake needs a reason.
SCREENING_WITHIN = timedelta(days=28)
#: The days (counted from the start of therapy) in which each week's questionnaires are dated.
QUESTIONNAIRE_WINDOWS = {0: (-7, 7), 5: (28, 49), 10: (63, 84)}
ANSWER_WITHIN_WORKING_DAYS = 2


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 -> 30)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def questionnaire_due(start: date, week: int) -> date:
    """Week 0 is the start of therapy; week 5 and week 10 follow in whole weeks."""
    return start + timedelta(weeks=week)


def questionnaire_window(start: date, week: int) -> tuple[date, date]:
    """The first and the last day a week's questionnaire may be dated (both included)."""
    first, last = QUESTIONNAIRE_WINDOWS[week]
    return start + timedelta(days=first), start + timedelta(days=last)


def therapy_start(intake_date: date, screening_date: date) -> date:
    """The start of therapy (week 0): the day the screening cleared the patient; the intake
    date when screening and intake were one visit (a screening is never dated before it)."""
    return max(intake_date, screening_date)


def screening_late(intake_date: date, screening_date: date) -> bool:
    """More than SCREENING_WITHIN (28 days) after the intake: it needs a reason."""
    return screening_date - intake_date > SCREENING_WITHIN


def follow_up_due(start: date, closed_on: date | None = None) -> date:
    """The GP's follow-up: three months after the start of therapy, set when therapy starts.

    A therapy closed late (less than two weeks before that day, or after it) moves it to two
    weeks after the close: the later of start + 3 months and close + 2 weeks.
    """
    due = add_months(start, FOLLOW_UP_MONTHS)
    if closed_on is not None:
        due = max(due, closed_on + FOLLOW_UP_AFTER_CLOSE)
    return due


def close_reminder_due(start: date) -> date:
    """The therapist's reminder to close the therapy and send the end report: week 12."""
    return start + timedelta(weeks=CLOSE_REMINDER_WEEK)


def intake_due(accepted_on: date, urgency: str) -> date:
    """The intake's due date: a week after acceptance for a "spoedig" referral, else two."""
    routine = INTAKE_DUE_AFTER_ACCEPT[Urgency.ROUTINE]
    return accepted_on + INTAKE_DUE_AFTER_ACCEPT.get(urgency, routine)


@cache
def _dutch_public_holidays(year: int) -> frozenset[date]:
    # The `holidays` library (country NL, its "public" category): the Algemene termijnenwet's
    # days (New Year, Easter and Whit Monday, Ascension, King's Day, Christmas) plus Good Friday,
    # and Liberation Day in the lustrum years most collective agreements give off.
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Dutch public holiday."""
    return day.weekday() < 5 and day not in _dutch_public_holidays(day.year)


def add_working_days(day: date, days: int) -> date:
    """`days` working days (Monday to Friday, Dutch public holidays skipped) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day
