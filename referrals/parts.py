"""The referrals' part of the patient's page (patients.pages)."""

from accounts.models import User
from patients import pages as patient_pages

from .models import OPEN_STATUSES
from .selectors import referrals_visible_to


@patient_pages.contribute(patient_pages.PATIENT_DETAIL)
def patient_detail(*, request, patient) -> dict:
    """The patient's referrals (a therapist: only those sent to them) and the open one."""
    referrals = patient.referrals.select_related("gp", "therapist__user")
    if request.user.role == User.Role.THERAPIST:
        referrals = referrals.filter(pk__in=referrals_visible_to(request.user).values("pk"))
    open_referral = next((r for r in referrals if r.status in OPEN_STATUSES), None)
    return {"referrals": referrals, "open_referral": open_referral}
