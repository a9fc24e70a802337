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
ANSWER_WITHIN_WORKING_DAYS = 2


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 -> 30)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def questionnaire_due(intake_date: date, week: int) -> date:
    """Week 0 is the intake date; week 5 and week 10 follow in whole weeks."""
    return intake_date + timedelta(weeks=week)


def follow_up_due(intake_date: date) -> date:
    """The GP's follow-up: three months after the start of therapy (the intake date)."""
    return add_months(intake_date, FOLLOW_UP_MONTHS)


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
