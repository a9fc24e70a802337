"""Passkeys (WebAuthn) as a second factor beside the authenticator app, with django-otp-webauthn.

A passkey is a django-otp device, so everything that asks "has this user a second factor" or
"did this session pass one" (the middleware, django-otp's `is_verified`) counts it. It never
replaces the password: passwordless sign-in is off (settings), so the passkey step is reached
only after the sign-in page, with its lockout and growing delay (accounts.throttle), and a failed
passkey counts as a failed sign-in there too.

The library's four JSON views are used with Loopbaan's rules added:
- registering needs a session that passed two factors, or (the first factor of a new user or
  one whose factors were reset) the one-time enrolment link opened in this session, which the
  registration spends in its own transaction: the password alone registers nothing;
- signing in with a passkey refuses while the account is locked or must wait, and a failure
  counts towards both.
The relying party id and the origins come from settings; a passkey of another user, of another
site or from another origin is refused by the library (py_webauthn checks the signature, the
rp id hash and the origin).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions

from . import services, throttle
from .audit import client_address
from .exceptions import AccountError
from .two_factor import ENROLMENT_LINK, _next_url, _opened_link

# Set when a first passkey was enrolled: the recovery codes are made and shown once it is named.
RECOVERY_CODES_DUE = "loopbaan_recovery_codes_due"


class PasskeyHelper(WebAuthnHelper):
    """The library's helper; a new passkey is called "Passkey" until the user names it."""

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = _("Passkey")
        return device


class EnrolmentLinkRequired(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy(
        "Open the link from the e-mail we sent you to set up your first second factor."
    )
    default_code = "enrolment_link_required"


class SignInWait(webauthn_errors.OTPWebAuthnApiError):
    status_code = 429
    default_detail = gettext_lazy("Too many attempts for this account. Try again later.")
    default_code = "sign_in_wait"


# --- The library's JSON views, with our rules ---------------------------------------------------


class BeginRegistration(webauthn_views.BeginCredentialRegistrationView):
    def check_can_register(self) -> None:
        # The library already refused an enrolled user whose session did not pass two factors.
        if not self.request.user.is_verified() and _opened_link(self.request) is None:
            raise EnrolmentLinkRequired()


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def check_can_register(self) -> None:
        BeginRegistration.check_can_register(self)

    def post(self, *args, **kwargs):
        request = self.request
        user = self.get_user()
        state = self.get_state()
        link_id = None if user.is_verified() else _opened_link(request)
        logger = webauthn_views._get_pywebauthn_logger()
        with rewrite_exceptions(logger=logger), transaction.atomic():
            device = self.get_helper().register_complete(user=user, state=state, data=request.data)
            if link_id is not None and not services.passkey_enrol(user=user, link_id=link_id):
                raise EnrolmentLinkRequired()  # spent in another tab: the passkey goes too
        if link_id is not None:
            otp_login(request, device)
            request.session.pop(ENROLMENT_LINK, None)
            request.session[RECOVERY_CODES_DUE] = True
        return JsonResponse({"id": device.pk})


def _refuse_while_throttled(request: HttpRequest) -> None:
    """The sign-in page's lockout and delay hold for the passkey step too."""
    user = request.user
    if not user.is_authenticated:
        raise webauthn_errors.PasswordlessLoginDisabled()
    if throttle.locked(request, user.email) or throttle.seconds_to_wait(user.email):
        raise SignInWait()


class BeginAuthentication(webauthn_views.BeginCredentialAuthenticationView):
    def check_can_authenticate(self) -> None:
        _refuse_while_throttled(self.request)
        super().check_can_authenticate()


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self) -> None:
        _refuse_while_throttled(self.request)
        super().check_can_authenticate()

    def post(self, *args, **kwargs):
        try:
            return super().post(*args, **kwargs)
        except webauthn_errors.OTPWebAuthnApiError:
            # A failed second step is a failed sign-in: django-axes counts it for this account
            # and address (its lockout) and accounts.throttle for the account (the delay).
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.request.user.email},
                request=self.request,
            )
            raise


# --- The user's own pages --------------------------------------------------------------------


class PasskeyNameForm(forms.ModelForm):
    class Meta:
        model = WebAuthnCredential
        fields = ["name"]
        labels = {"name": gettext_lazy("Name")}
        help_texts = {
            "name": gettext_lazy(
                "So you can tell your passkeys apart, e.g. 'Laptop consulting room' or 'Phone'."
            )
        }


def _own_passkeys(request: HttpRequest):
    return WebAuthnCredential.objects.filter(user=request.user).order_by("created_at", "pk")


@require_GET
def passkey_list(request: HttpRequest) -> HttpResponse:
    """The user's passkeys by name and date; add one (this session passed two factors)."""
    passkeys = list(_own_passkeys(request))
    context = {
        "passkeys": passkeys,
        "removable": services.second_factors(request.user) > 1,
        "next": "",
    }
    return render(request, "accounts/passkeys.html", context)


def passkey_name(request: HttpRequest, pk: int) -> HttpResponse:
    """Name a passkey just added (or rename one); after enrolment the recovery codes follow."""
    passkey = get_object_or_404(_own_passkeys(request), pk=pk)
    form = PasskeyNameForm(request.POST or None, instance=passkey)
    if request.method == "POST" and form.is_valid():
        form.save()
        if request.session.pop(RECOVERY_CODES_DUE, False):
            codes = services.recovery_codes_create(user=request.user)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        messages.success(request, _("Your passkey is called “%(name)s”.") % {"name": passkey.name})
        return redirect("accounts:passkeys")
    context = {"form": form, "passkey": passkey, "next": _next_url(request)}
    return render(request, "accounts/passkey_name.html", context)


@require_POST
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    passkey = get_object_or_404(_own_passkeys(request), pk=pk)
    try:
        services.passkey_remove(
            user=request.user,
            passkey=passkey,
            client_address=client_address(request),
            url_name=request.resolver_match.view_name,
        )
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The passkey “%(name)s” was removed.") % {"name": passkey.name})
    return redirect("accounts:passkeys")
