"""The questionnaires' and alerts' parts of the referral's pages (referrals.pages)."""

from django.utils.translation import gettext as _

from referrals import pages

from . import scores, selectors
from .instruments import ATTRIBUTION


def alert_timeline(alerts) -> list[dict]:
    """The alerts' steps on the referral's timeline: raised, escalated, acknowledged (by whom,
    with what was done)."""
    entries = []
    for alert in alerts:
        title = _("Safety alert (%(code)s week %(week)d)") % {
            "code": alert.response.instrument,
            "week": alert.response.week,
        }
        entries.append(
            {
                "label": _("%(alert)s raised") % {"alert": title},
                "when": alert.raised_at,
                "by": "Loopbaan",
                "note": "",
            }
        )
        if alert.escalated_at:
            entries.append(
                {
                    "label": _("%(alert)s escalated to every GP of the practice")
                    % {"alert": title},
                    "when": alert.escalated_at,
                    "by": "Loopbaan",
                    "note": "",
                }
            )
        if alert.acknowledged_at:
            who = alert.acknowledged_by.get_full_name() if alert.acknowledged_by else ""
            entries.append(
                {
                    "label": _("%(alert)s acknowledged") % {"alert": title},
                    "when": alert.acknowledged_at,
                    "by": who,
                    "note": alert.acknowledgement_note,
                }
            )
    return entries


@pages.contribute(pages.REFERRAL_DETAIL)
def referral_detail(*, request, referral, documents) -> dict:
    responses = list(referral.questionnaires.all())
    alerts = selectors.alerts_for_referral(referral)
    return {
        "alerts": alerts,
        pages.TIMELINE_PREFIX + "alerts": alert_timeline(alerts),
        "schedule": selectors.questionnaire_schedule(referral, responses=responses),
        "changes": selectors.score_changes(referral, responses),
        "instrument_attribution": ATTRIBUTION,
        "recovery": selectors.recovery_summary(responses),
    }


@pages.contribute(pages.FOLLOW_UP)
def follow_up(*, request, referral) -> dict:
    table = scores.scores_context(referral, (0, 5, 10))
    return {
        "scores": table,
        "chart": scores.score_chart(table),
        "instrument_attribution": ATTRIBUTION,
    }
