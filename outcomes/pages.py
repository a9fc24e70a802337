"""The questionnaires' and alerts' parts of the referral's pages (referrals.pages)."""

from referrals import pages

from . import scores, selectors


@pages.contribute(pages.REFERRAL_DETAIL)
def referral_detail(*, request, referral, documents) -> dict:
    responses = list(referral.questionnaires.all())
    return {
        "alerts": selectors.alerts_for_referral(referral),
        "schedule": selectors.questionnaire_schedule(referral, responses=responses),
        "changes": selectors.score_changes(referral, responses),
        "recovery": selectors.recovery_summary(responses),
    }


@pages.contribute(pages.FOLLOW_UP)
def follow_up(*, request, referral) -> dict:
    table = scores.scores_context(referral, (0, 5, 10))
    return {"scores": table, "chart": scores.score_chart(table)}
