from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .summary import due_summary


def due_badge(request: HttpRequest) -> dict:
    """The header's count of what waits, read from the database only when a page shows it.

    Shared with the homes' lists of due items through `summary.due_summary`, once per request.
    """

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.awaits_practice_confirmation:
            return 0  # nothing of the practice before a GP confirms them, not even a count
        return due_summary(request).count

    return {"due_badge": SimpleLazyObject(count)}
