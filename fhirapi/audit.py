"""The access log (NEN 7513) of the FHIR interface: a row per patient whose data a client read
or wrote, naming the client (its OAuth client id) instead of a user."""

from collections.abc import Iterable

from django.http import HttpRequest

from accounts.audit import client_address, mark_logged
from accounts.models import AccessLog

Action = AccessLog.Action
Outcome = AccessLog.Outcome


def fhir_access_log(
    request: HttpRequest,
    *,
    part: str,
    patient_ids: Iterable[int | None],
    action: str = Action.VIEW,
    outcome: str = Outcome.OK,
) -> None:
    """One row per patient (one query however many), or one row about nobody when the request
    touched no patient (a search that found none, a refusal). The middleware writes no other."""
    client = request.fhir_client
    match = request.resolver_match
    ids = sorted({pid for pid in patient_ids if pid is not None}) or [None]
    address = client_address(request)
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=None,
                practice_id=client.practice_id,
                action=action,
                part=part,
                outcome=outcome,
                patient_id=pid,
                client_address=address,
                method=(request.method or "")[:10],
                url_name=(match.view_name if match else "")[:100],
                api_client=client.application.client_id[:100],
            )
            for pid in ids
        ]
    )
    mark_logged(request)
