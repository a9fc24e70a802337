"""DocumentReference and Binary: the letters as they were sent (referrals.ReferralDocument,
the exact PDF bytes).

FHIR's `Attachment.hash` is the base64 of the SHA-1 of the data, so that is what `hash` holds,
computed from the stored bytes. The SHA-256 that Loopbaan printed beside the stored PDF and
keeps with it (`ReferralDocument.sha256`) is an identifier of the document
(`urn:loopbaan:fhir:document-sha256`, hexadecimal): a GP system can check the PDF it fetched
against the number on the letter."""

import base64
import hashlib

from django.db.models import QuerySet
from django.utils import translation

from referrals.models import ReferralDocument

from ..registry import ResourceType, register
from ..scope import referrals_for_client
from .common import patient_params

SHA256 = "urn:loopbaan:fhir:document-sha256"
LOINC = "http://loinc.org"
#: LOINC document types: a referral note, and the therapist's notes back to the GP.
TYPES = {
    ReferralDocument.Kind.LETTER: ("57133-1", "Referral note"),
    ReferralDocument.Kind.INTAKE_LETTER_BACK: ("11488-4", "Consult note"),
    ReferralDocument.Kind.PROGRESS_LETTER_BACK: ("11506-3", "Progress note"),
    ReferralDocument.Kind.END_LETTER_BACK: ("18842-5", "Discharge summary"),
    ReferralDocument.Kind.ADDENDUM: ("11488-4", "Consult note"),
}


def document_rows(client) -> QuerySet[ReferralDocument]:
    referrals = referrals_for_client(client).values("pk")
    return ReferralDocument.objects.filter(referral__in=referrals).select_related(
        "referral", "created_by"
    )


def document_reference_resource(document: ReferralDocument, base: str) -> dict:
    data = bytes(document.content)
    code, display = TYPES.get(document.kind, ("11488-4", "Consult note"))
    with translation.override("nl"):
        title = str(document.get_kind_display())
    resource = {
        "resourceType": "DocumentReference",
        "id": str(document.pk),
        "meta": {"lastUpdated": document.created_at.isoformat()},
        "identifier": [{"system": SHA256, "value": document.sha256}],
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": title},
        "subject": {"reference": f"Patient/{document.referral.patient_id}"},
        "date": document.created_at.isoformat(),
        "author": [{"reference": f"Practitioner/{document.created_by_id}"}],
        "description": title,
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": f"{base}Binary/{document.pk}",
                    "size": len(data),
                    "hash": base64.b64encode(hashlib.sha1(data).digest()).decode(),  # noqa: S324
                    "title": title,
                    "creation": document.created_at.isoformat(),
                }
            }
        ],
        "context": {"related": [{"reference": f"ServiceRequest/{document.referral_id}"}]},
    }
    if document.addendum_to_id:
        resource["relatesTo"] = [
            {
                "code": "appends",
                "target": {"reference": f"DocumentReference/{document.addendum_to_id}"},
            }
        ]
    return resource


def binary_resource(document: ReferralDocument, base: str) -> dict:
    return {
        "resourceType": "Binary",
        "id": str(document.pk),
        "meta": {"lastUpdated": document.created_at.isoformat()},
        "contentType": "application/pdf",
        "securityContext": {"reference": f"DocumentReference/{document.pk}"},
        "data": base64.b64encode(bytes(document.content)).decode(),
    }


register(
    ResourceType(
        name="DocumentReference",
        rows=document_rows,
        to_fhir=document_reference_resource,
        patient_id=lambda document: document.referral.patient_id,
        part="report",
        search_params=patient_params("referral__patient"),
        last_updated="created_at",
        documentation="Each letter as sent; content.attachment.hash is SHA-1 (FHIR), the "
        "SHA-256 printed on the letter is the identifier " + SHA256 + ".",
    )
)
register(
    ResourceType(
        name="Binary",
        rows=document_rows,
        to_fhir=binary_resource,
        patient_id=lambda document: document.referral.patient_id,
        part="report",
        last_updated="created_at",
        interactions=("read",),
        documentation="The exact PDF that was sent (read only; found from its DocumentReference).",
    )
)
