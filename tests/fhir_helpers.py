"""Shared by the FHIR tests: a registered client and its token, through the token endpoint."""

import base64

from django.test import Client
from django.urls import reverse

from fhirapi.models import READ_SCOPE
from fhirapi.services import api_client_register


def token_for(client_id: str, secret: str, scope: str = "") -> dict:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = Client().post(reverse("fhirapi:token"), data, HTTP_AUTHORIZATION=f"Basic {basic}")
    return {"status": response.status_code, **response.json()}


def fhir_client(*, practice=None, therapists=(), scopes: str = READ_SCOPE) -> Client:
    """A test client that sends a fresh bearer token of a new API client."""
    api_client, secret = api_client_register(
        name="Test HIS", practice=practice, therapists=therapists, scopes=scopes
    )
    token = token_for(api_client.application.client_id, secret)
    assert token["status"] == 200, token
    http = Client(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    http.api_client = api_client
    return http
