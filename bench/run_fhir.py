"""`make bench`'s FHIR figure: a practice's ServiceRequest search (the GP system's first page of
referrals) at national size, through the OAuth token a GP system would hold.

Each sampled practice gets an API client (fhirapi.services.api_client_register) and a token
from the token endpoint, as a GP system gets one; wrk sends it as `Authorization: Bearer`.
Imports models: import it after django.setup().
"""

import base64

from django.test import Client

from accounts.models import User
from bench.run_load import HOST
from fhirapi.services import api_client_register

PATH = "/fhir/ServiceRequest?_count=20"


def bearer_for_practice(practice_id: int) -> str:
    api_client, secret = api_client_register(
        name=f"Bench HIS {practice_id}", practice_id=practice_id
    )
    basic = base64.b64encode(f"{api_client.application.client_id}:{secret}".encode()).decode()
    answer = Client(HTTP_HOST=HOST).post(
        "/fhir/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert answer.status_code == 200, answer.content
    return f"Bearer {answer.json()['access_token']}"


def fhir_targets(gps: list[User], small_gp: User) -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """([(path, bearer)] over the sampled GPs' practices, (path, bearer) of the small one)."""
    practices = sorted({gp.practice_id for gp in gps})
    entries = [(PATH, bearer_for_practice(p)) for p in practices]
    return entries, (PATH, bearer_for_practice(small_gp.practice_id))
