"""What the delivery of a patient's e-mail needs: its kinds, and the link with a token minted
at sending (notifications.patient_mail writes the rows)."""

from patientlinks.models import PatientLink
from patientlinks.services import link_token_renew

from .models import Notification

Kind = Notification.Kind
KINDS = (Kind.PATIENT_QUESTIONNAIRE, Kind.PATIENT_REMINDER, Kind.PATIENT_RUNNING_LOG)


def link_path(notification: Notification) -> str:
    """The link's path with a fresh token, minted now (the outbox row never holds one)."""
    link_id = int(notification.key.split("-")[1])
    token = link_token_renew(PatientLink.objects.get(pk=link_id))
    return f"/p/{token}/"
