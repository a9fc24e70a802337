"""The demo patient who takes part by a personal link (issue 18): a patient in therapy with
an open questionnaire link and a running-log link, printed by seed_demo with the date of birth,
so a new user can try them right after `make run`."""

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from outcomes.models import QuestionnaireResponse
from patientlinks.models import PatientLink
from patientlinks.services import link_issue, link_token_renew
from referrals.models import Referral, Status
from referrals.schedule import QUESTIONNAIRE_WEEKS, questionnaire_window

DEMO_THERAPIST = "therapeut@example.org"


def demo_patient_links() -> list[str]:
    """Issue the two links; the console lines that name them (the tokens are not stored)."""
    today = timezone.localdate()
    chosen = []
    candidates = Referral.objects.filter(
        status=Status.IN_THERAPY, therapist__user__email=DEMO_THERAPIST
    ).select_related("patient")
    for referral in candidates.order_by("-therapy_start"):
        entered = set(
            QuestionnaireResponse.objects.filter(referral=referral).values_list("week", flat=True)
        )
        missing = [week for week in QUESTIONNAIRE_WEEKS if week not in entered]
        inside = [
            week
            for week in missing
            if questionnaire_window(referral.week_zero, week)[0]
            <= today
            <= questionnaire_window(referral.week_zero, week)[1]
        ]
        # In its window if one is; else the next week that is missing (stored as early).
        if missing:
            chosen.append((not inside, referral, (inside or missing)[0]))
    if not chosen:
        return []
    _early, referral, week = min(chosen, key=lambda c: c[0])
    patient = referral.patient
    if not patient.email:
        patient.email = f"{patient.first_name.lower()}.patient@example.org"
        patient.save(update_fields=["email"])
    Referral.objects.filter(pk=referral.pk).update(self_report_consent=True)
    referral.self_report_consent = True
    q_token = _token(referral, PatientLink.Purpose.QUESTIONNAIRE, week)
    r_token = _token(referral, PatientLink.Purpose.RUNNING_LOG, None)
    born = date_format(patient.date_of_birth, "d-m-Y")
    return [
        f"Patiëntlink vragenlijst (demo): {settings.SITE_URL}/p/{q_token}/ geboortedatum {born}",
        f"Patiëntlink looplogboek (demo): {settings.SITE_URL}/p/{r_token}/ geboortedatum {born}",
    ]


def _token(referral: Referral, purpose: str, week: int | None) -> str:
    """A fresh token for the link in force (a second seed adds no rows), or a new link."""
    link = PatientLink.objects.filter(
        referral=referral, purpose=purpose, week=week, revoked_at=None, used_at=None
    ).first()
    if link is not None:
        return link_token_renew(link)
    return link_issue(referral=referral, purpose=purpose, week=week, by=None)[1]
