"""The FHIR read API: tokens, scope, the resources (validated against fhir.resources' R4B
models), search, the CapabilityStatement and the access log."""

import pytest
from django.urls import reverse
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from accounts.models import AccessLog
from fhirapi.identifiers import BSN
from tests.factories import PatientFactory
from tests.fhir_helpers import fhir_client, token_for

pytestmark = pytest.mark.django_db


def read(http, path: str):
    response = http.get(f"/fhir/{path}")
    assert response["Content-Type"].startswith("application/fhir+json")
    return response, response.json()


def test_metadata_is_a_valid_capability_statement_without_a_token(client):
    response, body = read(client, "metadata")
    assert response.status_code == 200
    CapabilityStatement.model_validate(body)
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert "Patient" in types


def test_no_token_is_401_with_an_operation_outcome(client, practice):
    patient = PatientFactory(practice=practice)
    response, body = read(client, f"Patient/{patient.pk}")
    assert response.status_code == 401
    OperationOutcome.model_validate(body)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_gets_no_token(practice):
    http = fhir_client(practice=practice)
    assert token_for(http.api_client.application.client_id, "wrong")["status"] == 401


def test_a_practice_client_reads_its_patient_with_bsn_and_tussenvoegsel(practice):
    patient = PatientFactory(practice=practice, tussenvoegsel="van der", surname="Berg")
    http = fhir_client(practice=practice)
    response, body = read(http, f"Patient/{patient.pk}")
    assert response.status_code == 200
    FhirPatient.model_validate(body)
    assert body["identifier"][0] == {"use": "official", "system": BSN, "value": patient.bsn}
    assert body["name"][0]["family"] == "van der Berg"
    parts = {
        e["url"].rsplit("-", 1)[1]: e["valueString"]
        for e in body["name"][0]["_family"]["extension"]
    }
    assert parts == {"prefix": "van der", "name": "Berg"}
    row = AccessLog.objects.get(patient_id=patient.pk)
    assert row.api_client == http.api_client.application.client_id
    assert row.user is None and row.part == "patient" and row.outcome == "ok"


def test_another_practices_patient_is_404(practice, other_practice):
    patient = PatientFactory(practice=other_practice)
    http = fhir_client(practice=practice)
    response, body = read(http, f"Patient/{patient.pk}")
    assert response.status_code == 404
    OperationOutcome.model_validate(body)
    assert AccessLog.objects.get(url_name="fhirapi:read").outcome == "not_found"


def test_patient_search_by_bsn(practice):
    patient = PatientFactory(practice=practice)
    PatientFactory(practice=practice)
    http = fhir_client(practice=practice)
    response, body = read(http, f"Patient?identifier={BSN}|{patient.bsn}")
    assert response.status_code == 200
    assert body["type"] == "searchset" and body["total"] == 1
    assert body["entry"][0]["resource"]["id"] == str(patient.pk)


def test_seed_demo_registers_a_client_for_practice_1_and_prints_its_secret():
    import re
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", "--no-documents", stdout=out)
    client_id = re.search(r"client id (\S+)", out.getvalue()).group(1)
    secret = re.search(r"client secret (\S+)", out.getvalue()).group(1)
    token = token_for(client_id, secret)
    assert token["status"] == 200 and set(token["scope"].split()) == {
        "system/*.read",
        "system/*.write",
    }
    from django.test import Client

    http = Client(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    bundle = http.get("/fhir/ServiceRequest?_count=5").json()
    assert bundle["total"] > 0
    again = StringIO()
    call_command("seed_demo", "--no-documents", stdout=again)
    assert "client secret" not in again.getvalue()  # shown once
    assert token_for(client_id, secret)["status"] == 200


def test_the_patients_page_shows_the_clients_look(gp, client_for):
    patient = PatientFactory(practice=gp.practice)
    http = fhir_client(practice=gp.practice)
    read(http, f"Patient/{patient.pk}")
    page = client_for(gp).get(reverse("patients:detail", args=[patient.pk]))
    assert http.api_client.application.client_id in page.content.decode()
