"""Two factors with django-otp: a TOTP authenticator app plus ten single-use recovery codes.

Enrolment is forced at first sign-in when LOOPBAAN_REQUIRE_2FA is on (always in production);
`accounts.middleware.TwoFactorRequiredMiddleware` sends unverified users here. Enrolment is not
trust on first use: the QR code shows only to the user who signed in with their password *and*
opened the one-time link e-mailed to their own address (accounts.services). The password alone
reaches the page that says a link was sent.
"""

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from . import services
from .exceptions import AccountError
from .models import EnrolmentLink, User

# The session remembers which enrolment link its user opened (the link's id, not its token).
ENROLMENT_LINK = "loopbaan_enrolment_link"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=gettext_lazy("The 6 digits from your authenticator app, or a recovery code."),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _enrolled(user: User) -> bool:
    return any(True for _d in devices_for_user(user, confirmed=True))


def _opened_link(request: HttpRequest) -> int | None:
    """The id of the valid enrolment link this user opened in this session, else None."""
    link_id = request.session.get(ENROLMENT_LINK)
    if link_id is None:
        return None
    valid = EnrolmentLink.objects.filter(
        pk=link_id, user=request.user, used_at=None, expires_at__gt=timezone.now()
    )
    return link_id if valid.exists() else None


@login_not_required
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: remember it in the session, sign in if need be, then set up."""
    link = services.enrolment_link_valid(token=token)
    if link is None:
        return render(request, "accounts/enrol_invalid.html", status=404)
    if request.user.is_authenticated and request.user != link.user:
        logout(request)
    request.session[ENROLMENT_LINK] = link.pk
    setup = reverse("accounts:two_factor_setup")
    if request.user.is_authenticated:
        return redirect(setup)
    messages.info(
        request, _("Sign in with your password to set up your authenticator app or passkey.")
    )
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': setup})}")


def enrolment_pending(request: HttpRequest) -> HttpResponse:
    """Signed in with the password, no authenticator yet: the link is in your e-mail."""
    if _enrolled(request.user):
        return redirect("accounts:two_factor_verify")
    if request.method == "POST":
        try:
            services.enrolment_link_request(user=request.user)
        except AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("A new link has been sent to your e-mail address."))
        return redirect("accounts:enrolment_pending")
    return render(request, "accounts/enrolment_pending.html")


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, type one code to confirm, note the recovery codes."""
    user = request.user
    if _enrolled(user) and not user.is_verified():
        return redirect("accounts:two_factor_verify")
    link_id = _opened_link(request)
    if link_id is None:
        return redirect("accounts:enrolment_pending")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            codes = services.two_factor_enrol(user=user, device=device, link_id=link_id)
            if codes is None:
                return redirect("accounts:enrolment_pending")  # used in another tab meanwhile
            otp_login(request, device)
            request.session.pop(ENROLMENT_LINK, None)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("token", _("This code is not correct. Check the time on your phone."))
    context = {
        "form": form,
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated by qrcode
        "secret": _base32(device.bin_key),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a TOTP code, or one of the single-use recovery codes."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("You used a recovery code; it cannot be used again. %(n)d codes remain.")
                    % {"n": device.token_set.count()},
                )
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("This code is not correct."))
    context = {
        "form": form,
        "next": _next_url(request),
        "passkeys": WebAuthnCredential.objects.filter(user=request.user, confirmed=True).exists(),
    }
    return render(request, "accounts/two_factor_verify.html", context)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    secret = b32encode(key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
