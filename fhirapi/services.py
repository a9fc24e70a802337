"""Registering a FHIR client: an OAuth application (client credentials) with its ApiClient."""

import secrets
from collections.abc import Iterable

from django.db import transaction
from oauth2_provider.models import Application

from accounts.models import Practice
from therapists.models import Therapist

from .models import READ_SCOPE, ApiClient


@transaction.atomic
def api_client_register(
    *,
    name: str,
    practice: Practice | None = None,
    practice_id: int | None = None,
    therapists: Iterable[Therapist] = (),
    scopes: str = READ_SCOPE,
    client_id: str = "",
) -> tuple[ApiClient, str]:
    """A new client of `practice` (or of the `therapists` of an organisation). Returns the
    client and its secret: shown once, stored only hashed (the library's default)."""
    secret = secrets.token_urlsafe(32)
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    if client_id:
        application.client_id = client_id
    application.full_clean(exclude=["user", "redirect_uris", "post_logout_redirect_uris"])
    application.save()
    practice_id = practice.pk if practice is not None else practice_id
    kind = ApiClient.Kind.PRACTICE if practice_id is not None else ApiClient.Kind.THERAPISTS
    client = ApiClient(application=application, name=name, kind=kind, practice_id=practice_id)
    client.scopes = scopes
    client.full_clean(exclude=["application"])
    client.save()
    if therapists:
        client.therapists.set(therapists)
    return client, secret
