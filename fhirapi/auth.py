"""The bearer token of a FHIR request: which client (ApiClient) asks, with which scopes."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

from .models import READ_SCOPE, ApiClient
from .responses import issue, operation_outcome


def fhir_client_required(scope: str = READ_SCOPE) -> Callable:
    """The view runs only for an active client whose token carries `scope`; it finds the
    client as `request.fhir_client` (its token's scopes in `request.fhir_client.token_scopes`).

    No or a bad token: 401 with an OperationOutcome; a good token without the scope: 403.
    The views are the system's, not a signed-in user's: no sign-in page, no CSRF token (a
    bearer token is not sent by a browser on its own)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            client = client_for_request(request)
            if client is None:
                return operation_outcome(
                    [issue("login", "A valid bearer token (client credentials) is required")],
                    status=401,
                )
            if scope not in client.token_scopes:
                return operation_outcome(
                    [issue("forbidden", f"The token does not carry the scope {scope}")],
                    status=403,
                )
            request.fhir_client = client
            return view(request, *args, **kwargs)

        return login_not_required(csrf_exempt(wrapped))

    return decorator


def client_for_request(request: HttpRequest) -> ApiClient | None:
    """The active client of the request's bearer token, or None (two queries: the token with
    its application, the client with its practice)."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return None
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid or oauth_request is None or oauth_request.access_token is None:
        return None
    token = oauth_request.access_token
    client = (
        ApiClient.objects.select_related("application", "practice")
        .filter(application_id=token.application_id, is_active=True)
        .first()
    )
    if client is None:
        return None
    client.token_scopes = set(token.scope.split()) & client.allowed_scopes
    return client
