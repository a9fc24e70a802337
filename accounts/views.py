from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health, homes, services, throttle
from .audit import client_address
from .forms import EmailAuthenticationForm
from .permissions import gp_required


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page (accounts.homes, filled in by the apps)."""
    return redirect(homes.HOMES[request.user.role])


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _redis_ok(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_ok(settings.REDIS_URL)
    healthy = all(checks.values())
    if checks["database"]:
        # The apps' own checks (accounts.health), e.g. the outbox; they read the database.
        apps_healthy, results = health.run_checks()
        healthy = healthy and apps_healthy
        checks.update(results)
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)


class LogoutView(auth_views.LogoutView):
    """Sign out, and say so on the sign-in page that follows."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # After logout(): the message goes in the new, anonymous session.
        messages.success(request, _("You have signed out."))
        return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.remember_device(self.request, response, form.get_user().email)
        return response

    def get_context_data(self, **kwargs):
        # The embedded default says plainly that its demo users need no second factor.
        return super().get_context_data(password_only=not settings.LOOPBAAN_REQUIRE_2FA, **kwargs)


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):
    """django-axes calls this from the 5th failure on, for 15 minutes, even with the right password.

    The sign-in page comes back with one message, the same whether the account exists or not.
    """
    form = EmailAuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "locked": True, "password_only": not settings.LOOPBAAN_REQUIRE_2FA}
    return render(request, "accounts/login.html", context, status=429)


# --- A GP confirms a new colleague (four eyes on the practice's patients) -----------------------


@require_GET
@gp_required
def colleagues(request: HttpRequest) -> HttpResponse:
    waiting = services.colleagues_awaiting(user=request.user).select_related("practice")
    return render(request, "accounts/colleagues.html", {"waiting": waiting})


def _decide(request: HttpRequest, pk: int, decide, done: str) -> HttpResponse:
    member = get_object_or_404(services.colleagues_awaiting(user=request.user), pk=pk)
    if request.method != "POST":
        return redirect("accounts:colleagues")
    if decide(
        member_id=member.pk,
        by=request.user,
        client_address=client_address(request),
        url_name=request.resolver_match.view_name,
    ):
        messages.success(request, done % {"name": member.get_full_name() or member.email})
    return redirect("accounts:colleagues")


@gp_required
def colleague_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        services.practice_member_confirm,
        _("%(name)s is confirmed and can now work with the practice's patients."),
    )


@gp_required
def colleague_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        services.practice_member_refuse,
        _("%(name)s was refused: the account is switched off. Tell the administrator."),
    )
