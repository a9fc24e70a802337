"""Every resource type the FHIR interface serves validates against fhir.resources' R4B models
and carries the nl-core identifier systems; scope (another practice's resource is 404, a
therapist organisation sees what was sent to its therapists); the Task follows every lifecycle
step; every read of patient data is an access-log row naming the client; searches page and
their query count does not grow with the results."""

import base64
import hashlib
import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccessLog
from fhirapi.identifiers import AGB, BIG, BSN
from fhirapi.registry import RESOURCE_TYPES
from referrals.models import Status
from tests.factories import (
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralDocumentFactory,
    ReferralEventFactory,
    ReferralFactory,
    referral_of,
)
from tests.fhir_helpers import fhir_client

pytestmark = pytest.mark.django_db

MODULE = {
    "Patient": "patient",
    "Practitioner": "practitioner",
    "PractitionerRole": "practitionerrole",
    "Organization": "organization",
    "ServiceRequest": "servicerequest",
    "Task": "task",
    "QuestionnaireResponse": "questionnaireresponse",
    "Observation": "observation",
    "DocumentReference": "documentreference",
    "Binary": "binary",
    "Bundle": "bundle",
    "OperationOutcome": "operationoutcome",
    "CapabilityStatement": "capabilitystatement",
}


#: The models check a code's form, not its value set: the required bindings of R4 checked here.
STATUSES = {
    "Task": {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
             "in-progress", "on-hold", "failed", "completed", "entered-in-error"},
    "ServiceRequest": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error",
                       "unknown"},
    "Observation": {"registered", "preliminary", "final", "amended"},
    "QuestionnaireResponse": {"in-progress", "completed", "amended", "entered-in-error",
                              "stopped"},
    "DocumentReference": {"current", "superseded", "entered-in-error"},
}  # fmt: skip
GENDERS = {"male", "female", "other", "unknown"}


def validate(resource: dict):
    """The resource as fhir.resources' R4B model reads it (raises on anything invalid)."""
    kind = resource["resourceType"]
    if kind in STATUSES:
        assert resource["status"] in STATUSES[kind], resource["status"]
    if kind == "Patient":
        assert resource["gender"] in GENDERS
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            validate(entry["resource"])
    module = importlib.import_module(f"fhir.resources.R4B.{MODULE[kind]}")
    return getattr(module, kind).model_validate(resource)


def get(http, path: str, status: int = 200) -> dict:
    response = http.get(f"/fhir/{path}")
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    validate(body)
    return body


@pytest.fixture
def world(gp, therapist):
    """A referral in therapy with its history, a PHQ-9 and a GAD-7, and the letter as sent."""
    referral = referral_of(
        gp, therapist, status=Status.IN_THERAPY, opened_at=timezone.now(),
        other_complaints=["P06"], therapy_started_at=timezone.now(),
    )  # fmt: skip
    referral.patient.tussenvoegsel = "van"
    referral.patient.save()
    for before, after in [("", "draft"), ("draft", "sent"), ("sent", "accepted")]:
        ReferralEventFactory(referral=referral, from_status=before, to_status=after)
    QuestionnaireResponseFactory(referral=referral, answers=[1, 1, 1, 1, 1, 1, 1, 1, 2], total=10)
    QuestionnaireResponseFactory(
        referral=referral, instrument="GAD-7", answers=[1] * 7, total=7, band="mild"
    )
    document = ReferralDocumentFactory(referral=referral)
    return referral, document


def test_every_served_type_validates_and_is_in_the_capability_statement(world, practice):
    referral, document = world
    http = fhir_client(practice=practice)
    capability = get(http, "metadata")
    listed = {r["type"] for r in capability["rest"][0]["resource"]}
    assert listed == set(RESOURCE_TYPES)
    for kind in sorted(RESOURCE_TYPES):
        if "search-type" not in RESOURCE_TYPES[kind].interactions:
            continue
        bundle = get(http, kind)
        assert bundle["type"] == "searchset"
        assert bundle["entry"], f"no {kind} found"
        for entry in bundle["entry"]:
            validate(entry["resource"])
            read = get(http, f"{kind}/{entry['resource']['id']}")
            assert read == entry["resource"]
    get(http, f"Binary/{document.pk}")


def test_nl_core_identifier_systems(world, practice, gp):
    referral, _ = world
    http = fhir_client(practice=practice)
    patient = get(http, f"Patient/{referral.patient_id}")
    assert patient["identifier"][0]["system"] == BSN
    assert patient["name"][0]["family"] == f"van {referral.patient.surname}"
    practitioner = get(http, f"Practitioner/{gp.pk}")
    systems = {i["system"]: i["value"] for i in practitioner["identifier"]}
    assert systems == {AGB: gp.gp_profile.agb_code, BIG: gp.gp_profile.big_number}
    organization = get(http, f"Organization/{practice.pk}")
    assert organization["identifier"][0] == {
        "use": "official", "system": AGB, "value": practice.agb_code,
    }  # fmt: skip


def test_service_request_fields(world, practice, gp, therapist):
    referral, _ = world
    http = fhir_client(practice=practice)
    request = get(http, f"ServiceRequest/{referral.pk}")
    assert request["status"] == "active" and request["priority"] == "routine"
    reasons = [r["coding"][0] for r in request["reasonCode"]]
    assert reasons[0]["system"] == "http://hl7.org/fhir/sid/icpc-1-nl"
    assert reasons[0]["display"] and [r["code"] for r in reasons] == ["P03", "P06"]
    assert request["requester"]["reference"] == f"PractitionerRole/{gp.pk}"
    assert request["performer"][0]["reference"] == f"PractitionerRole/{therapist.pk}"
    assert request["note"][0]["text"] == referral.question


def test_scores_carry_loinc_codes(world, practice):
    http = fhir_client(practice=practice)
    responses = get(http, "QuestionnaireResponse")["entry"]
    phq9 = next(
        e["resource"] for e in responses if e["resource"]["questionnaire"].endswith("44249-1")
    )
    codes = [item["linkId"] for item in phq9["item"]]
    assert codes[8] == "44260-8" and codes[-1] == "44261-6"
    assert phq9["item"][8]["answer"][0]["valueCoding"]["code"] == "LA6570-1"
    observations = {
        e["resource"]["id"].split("-")[1]: e["resource"]
        for e in get(http, "Observation")["entry"]
        if e["resource"]["code"]["coding"][0]["code"] in ("44261-6", "44260-8")
    }  # noqa: E501
    assert observations["total"]["valueInteger"] == 10
    assert observations["item9"]["valueCodeableConcept"]["coding"][0]["code"] == "LA6570-1"
    gad7 = [
        e
        for e in get(http, "Observation")["entry"]
        if e["resource"]["code"]["coding"][0]["code"] == "70274-6"
    ]  # noqa: E501
    assert gad7[0]["resource"]["valueInteger"] == 7
    item9 = get(http, "Observation?code=http://loinc.org|44260-8")["entry"]
    assert [e["resource"]["id"].split("-")[1] for e in item9] == ["item9"]


def test_document_is_the_pdf_as_sent_with_its_hashes(world, practice):
    _, document = world
    http = fhir_client(practice=practice)
    reference = get(http, f"DocumentReference/{document.pk}")
    attachment = reference["content"][0]["attachment"]
    data = bytes(document.content)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
    assert reference["identifier"][0]["value"] == hashlib.sha256(data).hexdigest()
    binary = get(http, f"Binary/{document.pk}")
    assert base64.b64decode(binary["data"]) == data


@pytest.mark.parametrize(
    "kind",
    ["Patient", "ServiceRequest", "Task", "DocumentReference", "Binary", "QuestionnaireResponse"],
)
def test_another_practices_resource_is_404(kind, world, other_practice):
    referral, document = world
    ids = {
        "Patient": referral.patient_id, "ServiceRequest": referral.pk, "Task": referral.pk,
        "DocumentReference": document.pk, "Binary": document.pk,
        "QuestionnaireResponse": referral.questionnaires.first().pk,
    }  # fmt: skip
    http = fhir_client(practice=other_practice)
    outcome = get(http, f"{kind}/{ids[kind]}", status=404)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"
    assert get(http, kind)["total"] == 0


def test_a_therapist_organisation_sees_only_what_was_sent_to_its_therapists(
    world, gp, therapist, therapist_other
):
    referral, _ = world
    other = referral_of(gp, therapist_other, status=Status.SENT)
    http = fhir_client(therapists=[therapist.therapist])
    ids = [e["resource"]["id"] for e in get(http, "ServiceRequest")["entry"]]
    assert ids == [str(referral.pk)]
    get(http, f"ServiceRequest/{other.pk}", status=404)
    get(http, f"Patient/{other.patient_id}", status=404)
    get(http, f"Patient/{referral.patient_id}")


@pytest.mark.parametrize(
    ("status", "opened", "task"),
    [
        (Status.DRAFT, False, "draft"),
        (Status.SENT, False, "requested"),
        (Status.SENT, True, "received"),
        (Status.ACCEPTED, True, "accepted"),
        (Status.DECLINED, True, "rejected"),
        (Status.INTAKE_DONE, True, "accepted"),
        (Status.IN_THERAPY, True, "in-progress"),
        (Status.NOT_CLEARED, True, "failed"),
        (Status.STOPPED, True, "failed"),
        (Status.COMPLETED, True, "completed"),
        (Status.FOLLOWED_UP, True, "completed"),
        (Status.CANCELLED, False, "cancelled"),
    ],
)
def test_task_status_follows_the_lifecycle(status, opened, task, gp, therapist, practice):
    referral = referral_of(
        gp, therapist, status=status, opened_at=timezone.now() if opened else None
    )
    ReferralEventFactory(referral=referral, from_status="draft", to_status=status, note="why")
    http = fhir_client(practice=practice)
    body = get(http, f"Task/{referral.pk}")
    assert body["status"] == task
    assert body["businessStatus"]["coding"][0]["code"] == status
    history = body["contained"]
    assert [h["activity"]["coding"][0]["code"] for h in history] == [status]
    assert history[0]["reason"][0]["text"] == "why"
    found = get(http, f"Task?status={task}")
    assert [e["resource"]["id"] for e in found["entry"]] == [str(referral.pk)]


def test_every_read_is_an_access_log_row_naming_the_client(world, practice):
    referral, _ = world
    http = fhir_client(practice=practice)
    client_id = http.api_client.application.client_id
    get(http, f"ServiceRequest/{referral.pk}")
    get(http, f"ServiceRequest?patient.identifier={BSN}|{referral.patient.bsn}")
    get(http, "Practitioner")  # no patient data: no row
    rows = list(AccessLog.objects.order_by("pk"))
    assert [(r.action, r.part, r.patient_id, r.api_client) for r in rows] == [
        ("view", "referral", referral.patient_id, client_id),
        ("search", "referral", referral.patient_id, client_id),
    ]
    assert all(r.practice_id == practice.pk and r.user is None for r in rows)


def test_search_pages_with_next_links_and_count(gp, therapist, practice):
    for _ in range(5):
        ReferralFactory(patient=PatientFactory(practice=practice), gp=gp, status=Status.DRAFT)
    http = fhir_client(practice=practice)
    first = get(http, "ServiceRequest?_count=2")
    assert first["total"] == 5 and len(first["entry"]) == 2
    seen = [e["resource"]["id"] for e in first["entry"]]
    link = next(link["url"] for link in first["link"] if link["relation"] == "next")
    while link:
        page = get(http, link.split("/fhir/", 1)[1])
        seen += [e["resource"]["id"] for e in page["entry"]]
        link = next((x["url"] for x in page["link"] if x["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("kind", ["ServiceRequest", "Task", "Patient", "DocumentReference"])
def test_search_query_count_does_not_grow_with_the_results(kind, gp, therapist, practice):
    http = fhir_client(practice=practice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get(http, kind)
        return len(captured)

    referral = referral_of(gp, therapist, status=Status.SENT)
    ReferralEventFactory(referral=referral, to_status=Status.SENT)
    ReferralDocumentFactory(referral=referral)
    one = queries()
    for _ in range(19):
        referral = referral_of(gp, therapist, status=Status.SENT)
        ReferralEventFactory(referral=referral, to_status=Status.SENT)
        ReferralDocumentFactory(referral=referral)
    assert queries() == one


def test_bad_search_input_is_a_400_operation_outcome(practice):
    http = fhir_client(practice=practice)
    for query in ["Patient?nonsense=1", "Patient?_count=x", "Patient?_lastUpdated=yesterday",
                  "Task?status=done", "ServiceRequest?patient=abc", "Organization?_lastUpdated=2026-01-01"]:  # fmt: skip  # noqa: E501
        outcome = get(http, query, status=400)
        assert outcome["issue"][0]["code"] == "invalid"
    assert get(http, "Nonsense", status=404)["issue"][0]["code"] == "not-supported"


def test_last_updated_filters(world, practice):
    http = fhir_client(practice=practice)
    today = timezone.localdate().isoformat()
    assert get(http, f"ServiceRequest?_lastUpdated=ge{today}")["total"] == 1
    assert get(http, f"ServiceRequest?_lastUpdated=lt{today}")["total"] == 0
