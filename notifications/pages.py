"""What waits, on the homes (referrals.pages): due items and open safety alerts."""

from referrals import pages

from .summary import due_summary


@pages.contribute(pages.GP_WORKLIST)
def gp_worklist(*, request, referrals) -> dict:
    due = due_summary(request)  # shared with the header badge
    return {"alerts": due.alerts, "due_items": due.items}


@pages.contribute(pages.THERAPIST_HOME)
def therapist_home(*, request, referrals) -> dict:
    due = due_summary(request)
    return {
        "alerts": due.alerts,
        "due_items": due.items,
        # The caseload marks each row that has an open alert.
        "alert_referral_ids": {alert.referral_id for alert in due.alerts},
    }
