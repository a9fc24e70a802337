from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user

SIGNED_IN_AT = "loopbaan_signed_in_at"
# Paths a signed-in user may reach before the second factor: the two-factor pages themselves,
# signing out, the language switch, static files and the health check.
TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/i18n/", "/static/")


class DutchFirstLocaleMiddleware:
    """Dutch unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English browser
    would show English; our users expect Dutch until they pick English themselves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class TwoFactorRequiredMiddleware:
    """In production every signed-in user must have passed a second factor (NEN 7510).

    A user without a confirmed authenticator is sent to enrol at first sign-in; one with an
    authenticator is sent to enter a code. The setting is read per request, so tests can switch
    it on for the embedded default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.LOOPBAAN_REQUIRE_2FA
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and request.path != "/healthz"
        ):
            enrolled = any(True for _device in devices_for_user(user, confirmed=True))
            target = "accounts:two_factor_verify" if enrolled else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class SessionLimitsMiddleware:
    """Signed out after SESSION_ABSOLUTE_LIMIT (12 hours), however active the session was.

    The idle limit (30 minutes) is the session cookie's age, renewed on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = timezone.now()
            if started is None:
                request.session[SIGNED_IN_AT] = now.isoformat()
            elif now - datetime.fromisoformat(started) > settings.SESSION_ABSOLUTE_LIMIT:
                logout(request)
                messages.info(
                    request, _("You were signed out after 12 hours. Please sign in again.")
                )
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for signed-in users carry patient data: no browser or proxy may keep a copy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response
