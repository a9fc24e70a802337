"""Role checks for views. Scoping of objects lives in each app's selectors (404 outside scope)."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import User


def role_required(*roles: str) -> Callable:
    """Let only users with one of `roles` in; anyone else signed in gets 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied
            if request.user.awaits_practice_confirmation:
                # A new GP or manager sees nothing of the practice before a GP confirms them.
                return render(request, "accounts/awaiting_confirmation.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


gp_required = role_required(User.Role.GP)
therapist_required = role_required(User.Role.THERAPIST)
manager_required = role_required(User.Role.PRACTICE_MANAGER, User.Role.ADMIN)
