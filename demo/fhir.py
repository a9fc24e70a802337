"""The demo's FHIR client: a GP information system of the first practice (docs/fhir.md).

Its secret is made when the client is made (or when asked for a new one), printed once by
`manage.py seed_demo` and stored only hashed: nothing secret is in the code or the repository.
"""

import secrets

from django.db import transaction
from oauth2_provider.models import Application

from accounts.models import Practice
from fhirapi.models import READ_SCOPE, WRITE_SCOPE, ApiClient
from fhirapi.services import api_client_register

CLIENT_ID = "loopbaan-demo-his"
NAME = "Demo HIS (praktijk 1)"


@transaction.atomic
def demo_fhir_client(practice: Practice, *, new_secret: bool = False) -> tuple[str, str | None]:
    """(client id, secret): the secret only when the client was made now or `new_secret`."""
    client = ApiClient.objects.filter(application__client_id=CLIENT_ID).first()
    if client is None:
        client, secret = api_client_register(
            name=NAME, practice=practice, scopes=f"{READ_SCOPE} {WRITE_SCOPE}", client_id=CLIENT_ID
        )
        return CLIENT_ID, secret
    if not new_secret:
        return CLIENT_ID, None
    secret = secrets.token_urlsafe(32)
    application = Application.objects.select_for_update().get(pk=client.application_id)
    application.client_secret = secret
    application.save(update_fields=["client_secret"])
    return CLIENT_ID, secret
