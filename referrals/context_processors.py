from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def due_badge(request: HttpRequest) -> dict:
    """The header's count of what waits, read from the database only when a page shows it."""

    def count() -> int:
        from .reminders import due_count

        user = getattr(request, "user", None)
        return due_count(user) if user is not None and user.is_authenticated else 0

    return {"due_badge": SimpleLazyObject(count)}
