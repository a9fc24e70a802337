"""Due dates derived from a referral's own dates. Pure functions: no queries, no clock.

Everything is a calendar date in Europe/Amsterdam, so a daylight-saving change in between
never moves a due date.
"""

import calendar
from datetime import date, timedelta

QUESTIONNAIRE_WEEKS = (0, 5, 10)
QUESTIONNAIRE_OVERDUE_AFTER = timedelta(days=7)
INTAKE_DUE_AFTER_ACCEPT = timedelta(days=14)
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


def add_working_days(day: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day
