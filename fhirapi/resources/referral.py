"""ServiceRequest (the referral) and Task (its workflow, HL7 FHIR workflow's "notified pull"):
one of each per referral, the same id.

The Task's status follows the lifecycle (referrals.models.TRANSITIONS): draft; requested once
sent; received once the therapist opened it (`Referral.opened_at`); accepted (also after the
intake); rejected (declined); in-progress (in therapy); completed (completed, followed up);
failed (not cleared by the screening, or stopped: the therapy was attempted and did not end as
planned); cancelled. `businessStatus` carries the exact status; the history is a contained
Provenance per ReferralEvent (from, to, who, when, why), listed in `relevantHistory`.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation

from referrals.icpc import icpc_entry
from referrals.models import Referral, ReferralEvent, Status, Urgency

from ..registry import ResourceType, SearchError, SearchParam, register
from ..scope import referrals_for_client
from .common import patient_params

#: Source: the NHG's ICPC-1 as Dutch GP systems use it (referrals/icpc.py); the system URI is
#: the one of the ICPC-1 NL CodeSystem (RIVO-Noord Zorgviewer IG, HL7 Netherlands).
ICPC = "http://hl7.org/fhir/sid/icpc-1-nl"
REFERRAL_ID = "urn:loopbaan:fhir:referral"

TASK_STATUS = {
    Status.DRAFT: "draft",
    Status.SENT: "requested",  # "received" once opened (task_status)
    Status.DECLINED: "rejected",
    Status.ACCEPTED: "accepted",
    Status.INTAKE_DONE: "accepted",
    Status.NOT_CLEARED: "failed",
    Status.IN_THERAPY: "in-progress",
    Status.COMPLETED: "completed",
    Status.STOPPED: "failed",
    Status.FOLLOWED_UP: "completed",
    Status.CANCELLED: "cancelled",
}
SERVICE_REQUEST_STATUS = {
    Status.DRAFT: "draft",
    Status.CANCELLED: "revoked",
    Status.COMPLETED: "completed",
    Status.STOPPED: "completed",
    Status.NOT_CLEARED: "completed",
    Status.FOLLOWED_UP: "completed",
}
PRIORITY = {Urgency.ROUTINE: "routine", Urgency.SOON: "urgent"}


def task_status(referral: Referral) -> str:
    if referral.status == Status.SENT and referral.opened_at is not None:
        return "received"
    return TASK_STATUS[referral.status]


def service_request_status(referral: Referral) -> str:
    return SERVICE_REQUEST_STATUS.get(referral.status, "active")


def referral_rows(client) -> QuerySet[Referral]:
    return referrals_for_client(client).select_related(
        "patient", "gp", "practice", "therapist__user"
    )


def _icpc(code: str) -> dict:
    with translation.override("nl"):
        entry = icpc_entry(code)
        label = str(entry["label"])
    coding = {"system": ICPC, "code": code}
    if label:
        coding["display"] = label
    return {"coding": [coding], "text": label or code}


def _performer(referral: Referral) -> list[dict]:
    if referral.therapist_id is None:
        return []
    user = referral.therapist.user
    return [{"reference": f"PractitionerRole/{user.pk}", "display": user.get_full_name()}]


def service_request_resource(referral: Referral, base: str) -> dict:
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"lastUpdated": referral.updated_at.isoformat()},
        "identifier": [{"system": REFERRAL_ID, "value": str(referral.pk)}],
        "status": service_request_status(referral),
        "intent": "order",
        "category": [{"text": "Runningtherapie"}],
        "priority": PRIORITY.get(referral.urgency, "routine"),
        "code": {"text": "Verwijzing naar runningtherapie"},
        "subject": {"reference": f"Patient/{referral.patient_id}"},
        "authoredOn": (referral.sent_at or referral.created_at).isoformat(),
        "requester": {
            "reference": f"PractitionerRole/{referral.gp_id}",
            "display": referral.gp.get_full_name(),
        },
    }
    if performer := _performer(referral):
        resource["performer"] = performer
    codes = [referral.complaint] if referral.complaint else []
    codes += [c for c in referral.other_complaints if c and c != referral.complaint]
    if codes:
        resource["reasonCode"] = [_icpc(code) for code in codes]
    notes = [
        text for text in (referral.complaint_notes, referral.question, referral.history) if text
    ]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def _provenance(event: ReferralEvent, referral: Referral) -> dict:
    who = event.actor.get_full_name() if event.actor_id else "Loopbaan"
    provenance = {
        "resourceType": "Provenance",
        "id": f"event-{event.pk}",
        "target": [{"reference": f"Task/{referral.pk}"}],
        "recorded": event.created_at.isoformat(),
        "activity": {
            "coding": [{"system": "urn:loopbaan:fhir:referral-status", "code": event.to_status}],
            "text": f"{event.from_status or '-'} -> {event.to_status}",
        },
        "agent": [{"who": {"display": who}}],
    }
    if event.note:
        provenance["reason"] = [{"text": event.note}]
    return provenance


def task_resource(referral: Referral, base: str) -> dict:
    events = list(referral.events.all())
    resource = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": {"lastUpdated": referral.updated_at.isoformat()},
        "identifier": [{"system": REFERRAL_ID, "value": str(referral.pk)}],
        "basedOn": [{"reference": f"ServiceRequest/{referral.pk}"}],
        "status": task_status(referral),
        "businessStatus": {
            "coding": [{"system": "urn:loopbaan:fhir:referral-status", "code": referral.status}],
            "text": str(referral.get_status_display()),
        },
        "intent": "order",
        "priority": PRIORITY.get(referral.urgency, "routine"),
        "focus": {"reference": f"ServiceRequest/{referral.pk}"},
        "for": {"reference": f"Patient/{referral.patient_id}"},
        "authoredOn": referral.created_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
        "requester": {"reference": f"PractitionerRole/{referral.gp_id}"},
    }
    if performer := _performer(referral):
        resource["owner"] = performer[0]
    reason = referral.decline_reason or referral.not_cleared_reason or referral.stop_reason
    reason = reason or referral.cancel_reason
    if reason:
        resource["statusReason"] = {"text": reason}
    if referral.therapy_started_at:
        period = {"start": referral.therapy_started_at.isoformat()}
        end = referral.completed_at or referral.stopped_at
        if end:
            period["end"] = end.isoformat()
        resource["executionPeriod"] = period
    if events:
        resource["contained"] = [_provenance(event, referral) for event in events]
        resource["relevantHistory"] = [{"reference": f"#event-{event.pk}"} for event in events]
    return resource


SR_STATUS_FILTER = {
    "draft": Q(status=Status.DRAFT),
    "revoked": Q(status=Status.CANCELLED),
    "completed": Q(status__in=[s for s, v in SERVICE_REQUEST_STATUS.items() if v == "completed"]),
    "active": ~Q(status__in=list(SERVICE_REQUEST_STATUS)),
}
TASK_STATUS_FILTER = {
    code: Q(status__in=[s for s, v in TASK_STATUS.items() if v == code])
    for code in set(TASK_STATUS.values())
}
TASK_STATUS_FILTER["requested"] = Q(status=Status.SENT, opened_at__isnull=True)
TASK_STATUS_FILTER["received"] = Q(status=Status.SENT, opened_at__isnull=False)


def _status_param(table: dict[str, Q]) -> SearchParam:
    def apply(queryset: QuerySet, value: str) -> QuerySet:
        wanted = value.split(",")
        unknown = [w for w in wanted if w not in table]
        if unknown:
            raise SearchError(
                f"status: {', '.join(unknown)} is not one of {', '.join(sorted(table))}"
            )
        condition = Q()
        for code in wanted:
            condition |= table[code]
        return queryset.filter(condition)

    return SearchParam("status", "token", "One or more of: " + ", ".join(sorted(table)), apply)


register(
    ResourceType(
        name="ServiceRequest",
        rows=referral_rows,
        to_fhir=service_request_resource,
        patient_id=lambda referral: referral.patient_id,
        part="referral",
        search_params=(*patient_params("patient"), _status_param(SR_STATUS_FILTER)),
        documentation="A referral to running therapy; reasonCode: ICPC-1 NL, Dutch label.",
    )
)
register(
    ResourceType(
        name="Task",
        rows=lambda client: referral_rows(client).prefetch_related(
            Prefetch("events", queryset=ReferralEvent.objects.select_related("actor"))
        ),
        to_fhir=task_resource,
        patient_id=lambda referral: referral.patient_id,
        part="referral",
        search_params=(*patient_params("patient"), _status_param(TASK_STATUS_FILTER)),
        documentation="The referral's workflow; its history as contained Provenance.",
    )
)
