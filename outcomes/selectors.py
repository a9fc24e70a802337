"""Reads about questionnaires and safety alerts, scoped to what the user may see."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral
from referrals.schedule import (
    QUESTIONNAIRE_OVERDUE_AFTER,
    QUESTIONNAIRE_WEEKS,
    questionnaire_due,
    questionnaire_window,
)
from referrals.selectors import referrals_visible_to

from .alerts import describe
from .instruments import CHANGE_LABELS, INSTRUMENTS, reliable_change
from .models import QuestionnaireResponse, SafetyAlert
from .recovery import Summary, summarise
from .services import ENTRY_STATUSES

#: The weeks whose change from week 0 the therapist and the GP are shown.
CHANGE_WEEKS = (5, 10)


def band_label(response: QuestionnaireResponse) -> str:
    for _upper, band, label in INSTRUMENTS[response.instrument].bands:
        if band == response.band:
            return label
    return response.band


def questionnaire_schedule(
    referral: Referral,
    today: date | None = None,
    responses: list[QuestionnaireResponse] | None = None,
) -> list[dict]:
    """Weeks 0, 5 and 10: due date, overdue or not, and the PHQ-9 and GAD-7 entered (or None).

    One query (none when the referral's `responses` are passed), whatever the number of weeks
    and instruments. Each response carries a
    `band_label`. A week is overdue more than QUESTIONNAIRE_OVERDUE_AFTER past its due date
    while something is missing and it can still be entered (not after the therapy has ended).
    """
    if referral.week_zero is None:
        return []
    today = today or timezone.localdate()
    found = {}
    if responses is None:
        responses = QuestionnaireResponse.objects.filter(referral=referral)
    for response in responses:
        response.band_label = band_label(response)
        found[response.week, response.instrument] = response
    schedule = []
    for week in QUESTIONNAIRE_WEEKS:
        due = questionnaire_due(referral.week_zero, week)
        first, last = questionnaire_window(referral.week_zero, week)
        responses = {code: found.get((week, code)) for code in INSTRUMENTS}
        complete = all(responses.values())
        schedule.append(
            {
                "week": week,
                "due": due,
                "window_from": first,
                "window_to": last,
                "responses": responses,
                "complete": complete,
                "can_enter": referral.status in ENTRY_STATUSES[week],
                "overdue": not complete
                and today > due + QUESTIONNAIRE_OVERDUE_AFTER
                and referral.status in ENTRY_STATUSES[week],
            }
        )
    return schedule


def score_changes(
    referral: Referral, responses: list[QuestionnaireResponse] | None = None
) -> list[dict]:
    """Per instrument: totals at weeks 0, 5 and 10 and whether the change since week 0 is real.

    One query, none when the referral's `responses` are passed.

    `changes` holds one entry per later week that has a total, with the verdict code, its
    label and the difference (negative is better on PHQ-9 and GAD-7).
    """
    totals: dict[str, dict[int, int]] = {code: {} for code in INSTRUMENTS}
    if responses is None:
        rows = QuestionnaireResponse.objects.filter(referral=referral).values_list(
            "instrument", "week", "total"
        )
    else:
        rows = [(r.instrument, r.week, r.total) for r in responses]
    for code, week, total in rows:
        totals.setdefault(code, {})[week] = total
    result = []
    for code, instrument in INSTRUMENTS.items():
        by_week = totals[code]
        changes = []
        for week in CHANGE_WEEKS:
            if 0 in by_week and week in by_week:
                verdict = reliable_change(code, by_week[0], by_week[week])
                changes.append(
                    {
                        "from_week": 0,
                        "to_week": week,
                        "before": by_week[0],
                        "after": by_week[week],
                        "verdict": verdict,
                        "label": CHANGE_LABELS[verdict],
                        "difference": by_week[week] - by_week[0],
                        # For the page: "−6" with a real minus sign, "+3", and the size for
                        # the plural ("1 punt", "6 punten").
                        "signed": signed(by_week[week] - by_week[0]),
                        "size": abs(by_week[week] - by_week[0]),
                    }
                )
        result.append(
            {
                "code": code,
                "name": instrument.name,
                "threshold": instrument.reliable_change_threshold,
                "totals": {week: by_week.get(week) for week in QUESTIONNAIRE_WEEKS},
                "changes": changes,
            }
        )
    return result


def signed(number: int) -> str:
    """+3, −6 (U+2212, the minus sign), 0."""
    if number < 0:
        return f"\u2212{-number}"
    return f"+{number}" if number > 0 else "0"


def recovery_summary(responses: list[QuestionnaireResponse]) -> Summary | None:
    """Caseness, reliable change and recovery from week 0 to the last week with both scores."""
    return summarise({(r.instrument, r.week): r.total for r in responses}, QUESTIONNAIRE_WEEKS)


def alerts_for_referral(referral: Referral) -> list[SafetyAlert]:
    """Every alert on the referral, open and acknowledged, newest first, each with its `label`
    and `answer` (outcomes.alerts.describe)."""
    alerts = describe(
        SafetyAlert.objects.filter(referral=referral)
        .select_related("response", "acknowledged_by")
        .order_by("-raised_at", "-pk")
    )
    for alert in alerts:
        alert.referral = referral  # the page's own: its patient's phone without a query
    return alerts


def alert_for_user(user: User, pk: int) -> SafetyAlert:
    """The alert, or 404 when its referral lies outside what the user may see."""
    return get_object_or_404(
        SafetyAlert.objects.select_related("referral__patient", "referral__gp", "response").filter(
            referral__in=referrals_visible_to(user)
        ),
        pk=pk,
    )
