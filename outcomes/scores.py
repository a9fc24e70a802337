"""A referral's questionnaire totals laid out for a letter or a page: per instrument and week,
with the band, the reliable change from the first to the last week, and the chart.

The therapist's letters back (therapy.letters) and the GP's follow-up page show the same table.
"""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from referrals.models import Referral

from .charts import score_chart_svg
from .instruments import ALERT_LABELS, ATTRIBUTION, CHANGE_LABELS, INSTRUMENTS, reliable_change
from .models import QuestionnaireResponse
from .recovery import summarise


def responses_by_week(referral: Referral) -> dict[tuple[str, int], QuestionnaireResponse]:
    return {(r.instrument, r.week): r for r in referral.questionnaires.all()}


def band_label(code: str, response: QuestionnaireResponse) -> str:
    """The stored band's label; recomputed from the total if the stored code is unknown."""
    instrument = INSTRUMENTS[code]
    labels = {band: label for _upper, band, label in instrument.bands}
    if response.band in labels:
        return str(labels[response.band])
    try:
        return str(instrument.band_for(response.total)[1])
    except ValueError:
        return ""


def verdict(code: str, before: int | None, after: int | None) -> dict | None:
    """Reliable change between two totals, or None when one of them is missing."""
    if before is None or after is None:
        return None
    try:
        change = reliable_change(code, before, after)
    except ValueError:
        return None
    return {"code": change, "label": str(CHANGE_LABELS[change]), "difference": after - before}


def scores_context(referral: Referral, weeks: tuple[int, ...]) -> dict:
    """One row per instrument: the total and band per week, and the change first -> last week.

    A missing score is None (the template prints "—") and leaves the change unknown. `has_any`
    is False when nothing was entered for these weeks (then there is no chart to draw).
    """
    responses = responses_by_week(referral)
    rows = []
    for code, instrument in INSTRUMENTS.items():
        cells = []
        for week in weeks:
            response = responses.get((code, week))
            cells.append(
                {
                    "week": week,
                    "total": response.total,
                    "band": band_label(code, response),
                    "difficulty": response.difficulty_label,
                    # A date outside the week's window: the therapist's reason, beside the score.
                    "outside_window_reason": response.outside_window_reason
                    if response.outside_window
                    else "",
                }
                if response
                else {
                    "week": week,
                    "total": None,
                    "band": "",
                    "difficulty": "",
                    "outside_window_reason": "",
                }
            )
        rows.append(
            {
                "code": code,
                "name": str(instrument.name),
                "max_total": instrument.max_total,
                "threshold": instrument.reliable_change_threshold,
                "cells": cells,
                "verdict": verdict(code, cells[0]["total"], cells[-1]["total"])
                if len(weeks) > 1
                else None,
            }
        )
    totals = {key: response.total for key, response in responses.items()}
    return {
        # Caseness, reliable change and recovery (outcomes.recovery), when the weeks compare.
        "recovery": summarise(totals, weeks) if len(weeks) > 1 else None,
        "weeks": list(weeks),
        "first_week": weeks[0],
        "last_week": weeks[-1],
        "compare": len(weeks) > 1,
        "rows": rows,
        "has_any": any(cell["total"] is not None for row in rows for cell in row["cells"]),
        "attribution": str(ATTRIBUTION),
    }


def score_chart(scores: dict) -> SafeString | None:
    """The end report's chart of all weeks; None when no score was entered at all."""
    if not scores["has_any"]:
        return None
    series = {
        row["code"]: [(cell["week"], cell["total"]) for cell in row["cells"]]
        for row in scores["rows"]
    }
    markup = score_chart_svg(
        series,
        max_values={row["code"]: row["max_total"] for row in scores["rows"]},
        title=gettext("Questionnaire totals per week"),
    )
    # score_chart_svg escapes every text it writes; its input here is numbers and our labels.
    return mark_safe(markup)  # noqa: S308


def safety_alerts_context(referral: Referral, weeks: tuple[int, ...]) -> list[dict]:
    """Safety alerts (PHQ-9 item 9) raised on the questionnaires of these weeks."""
    alerts = referral.safety_alerts.filter(response__week__in=weeks).select_related(
        "response", "acknowledged_by"
    )
    return [
        {
            "week": alert.response.week,
            "label": str(ALERT_LABELS.get(alert.code, alert.code)),
            # What the GP did, and who: in the letters back as in the referral's timeline.
            "acknowledged_by": alert.acknowledged_by.get_full_name()
            if alert.acknowledged_by
            else "",
            "acknowledged_at": alert.acknowledged_at,
            "note": alert.acknowledgement_note,
        }
        for alert in sorted(alerts, key=lambda a: (a.response.week, a.pk))
    ]
