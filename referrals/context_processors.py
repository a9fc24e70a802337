from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def due_badge(request: HttpRequest) -> dict:
    """The header's count of what waits, read from the database only when a page shows it.

    Shared with the homes' lists of due items through `reminders.due_summary`, once per request.
    """

    def count() -> int:
        from .reminders import due_summary

        user = getattr(request, "user", None)
        return due_summary(request).count if user is not None and user.is_authenticated else 0

    return {"due_badge": SimpleLazyObject(count)}
