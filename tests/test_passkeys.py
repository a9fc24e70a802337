"""Passkeys (WebAuthn) as a second factor beside the authenticator app: added from the enrolment
link or from the account page after two factors, used after the password, removed (never the
last factor), reset by the administrator; another user's passkey, another origin or another site
refused; the sign-in lockout and delay hold for the passkey step."""

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AccessLog, EnrolmentLink

from .factories import TEST_PASSWORD, enrolment_path
from .passkey_authenticator import SoftPasskey
from .test_security import current_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two_factor_verify")
PASSKEYS = reverse("accounts:passkeys")
BEGIN_REGISTRATION = reverse("otp_webauthn:credential-registration-begin")
COMPLETE_REGISTRATION = reverse("otp_webauthn:credential-registration-complete")
BEGIN_SIGN_IN = reverse("otp_webauthn:credential-authentication-begin")
COMPLETE_SIGN_IN = reverse("otp_webauthn:credential-authentication-complete")


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.LOOPBAAN_REQUIRE_2FA = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost:8000"]


def password_only(user) -> Client:
    client = Client()
    assert (
        client.post(LOGIN, {"username": user.email, "password": TEST_PASSWORD}).status_code == 302
    )
    return client


def two_factors(user) -> Client:
    """Signed in with the password and a code from the user's authenticator app."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True}
    )
    client = password_only(user)
    if device.last_t < 0:  # a code not used yet: type it, as the user would
        assert client.post(VERIFY, {"token": current_code(device)}).status_code == 302
    else:  # the code of this half minute was used: django-otp's own record of a passed factor
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def ceremony(client: Client, begin: str, complete: str, answer):
    """What the library's script does: ask for options, let the passkey answer, post it back."""
    options = client.post(begin)
    if options.status_code != 200:
        return options
    return client.post(
        complete, json.dumps(answer(options.json())), content_type="application/json"
    )


def register(client: Client, passkey: SoftPasskey, **wrong):
    answer = lambda options: passkey.register(options, **wrong)  # noqa: E731
    return ceremony(client, BEGIN_REGISTRATION, COMPLETE_REGISTRATION, answer)


def sign_in_with(client: Client, passkey: SoftPasskey, **wrong):
    answer = lambda options: passkey.sign_in(options, **wrong)  # noqa: E731
    return ceremony(client, BEGIN_SIGN_IN, COMPLETE_SIGN_IN, answer)


def verified(client: Client) -> bool:
    return client.get(reverse("referrals:worklist")).status_code == 200


@pytest.fixture
def gp_passkey(gp) -> SoftPasskey:
    """The GP's laptop: a passkey registered after signing in with the app, then signed out."""
    passkey = SoftPasskey()
    assert register(two_factors(gp), passkey).status_code == 200
    return passkey


# --- Registering --------------------------------------------------------------------------------


def test_a_passkey_is_added_from_the_account_page_after_two_factors_and_named(gp):
    client = two_factors(gp)
    page = client.get(PASSKEYS)
    assert page.status_code == 200
    assert 'id="passkey-registration-available-template"' in page.text

    added = register(client, SoftPasskey())

    assert added.status_code == 200
    passkey = WebAuthnCredential.objects.get(user=gp)
    assert added.json()["id"] == passkey.pk
    assert (passkey.name, passkey.confirmed) == ("Passkey", True)
    named = client.post(reverse("accounts:passkey_name", args=[passkey.pk]), {"name": "Laptop"})
    assert named.url == PASSKEYS
    listed = client.get(PASSKEYS).text
    assert "Laptop" in listed
    assert timezone.localdate().strftime("%d-%m-%Y") in listed
    assert not StaticToken.objects.filter(device__user=gp).exists()  # no new recovery codes


def test_the_password_alone_registers_no_passkey(gp):
    """No trust on first use: without the e-mailed link, the password reaches no registration."""
    refused = register(password_only(gp), SoftPasskey())

    assert refused.status_code == 403
    assert refused.json()["code"] == "enrolment_link_required"
    assert not WebAuthnCredential.objects.exists()


def test_an_enrolled_user_must_pass_the_second_factor_before_adding_a_passkey(gp):
    TOTPDevice.objects.create(user=gp, name="authenticator", confirmed=True)

    refused = register(password_only(gp), SoftPasskey())

    assert refused.status_code == 403
    assert refused.json()["code"] == "user_not_verified"
    assert not WebAuthnCredential.objects.exists()
    assert password_only(gp).get(PASSKEYS).url.startswith(VERIFY)


def test_enrolling_with_a_passkey_from_the_link_spends_it_and_shows_recovery_codes(gp):
    link = enrolment_path(gp)
    client = Client()
    client.get(link)
    client.post(LOGIN, {"username": gp.email, "password": TEST_PASSWORD})
    setup = client.get(reverse("accounts:two_factor_setup"))
    assert 'id="passkey-registration-available-template"' in setup.text

    assert register(client, SoftPasskey()).status_code == 200

    assert EnrolmentLink.objects.get(user=gp).used_at is not None
    assert verified(client)
    passkey = WebAuthnCredential.objects.get(user=gp)
    codes = client.post(reverse("accounts:passkey_name", args=[passkey.pk]), {"name": "Telefoon"})
    assert len(codes.context["codes"]) == 10
    assert StaticToken.objects.filter(device__user=gp).count() == 10
    assert verified(client)


def test_a_link_spent_meanwhile_rolls_the_passkey_back(gp):
    client = Client()
    client.get(enrolment_path(gp))
    client.post(LOGIN, {"username": gp.email, "password": TEST_PASSWORD})
    options = client.post(BEGIN_REGISTRATION).json()
    EnrolmentLink.objects.filter(user=gp).update(used_at=timezone.now())  # another tab

    answer = SoftPasskey().register(options)
    refused = client.post(
        COMPLETE_REGISTRATION, json.dumps(answer), content_type="application/json"
    )

    assert refused.status_code == 403
    assert not WebAuthnCredential.objects.exists()
    assert not verified(client)


def test_a_passkey_made_for_another_origin_or_site_is_not_registered(gp):
    client = two_factors(gp)
    assert (
        register(client, SoftPasskey(), origin="https://loopbaan.evil.example").status_code == 422
    )
    assert register(client, SoftPasskey(), rp_id="evil.example").status_code == 422
    assert not WebAuthnCredential.objects.exists()


# --- Signing in ---------------------------------------------------------------------------------


def test_signing_in_with_password_and_passkey(gp, gp_passkey):
    client = password_only(gp)
    assert not verified(client)
    page = client.get(VERIFY)
    assert 'id="passkey-verification-available-template"' in page.text

    signed_in = sign_in_with(client, gp_passkey)

    assert signed_in.status_code == 200
    assert verified(client)
    assert WebAuthnCredential.objects.get(user=gp).last_used_at is not None


def test_a_passkey_never_replaces_the_password(gp, gp_passkey):
    anonymous = Client()
    response = anonymous.post(BEGIN_SIGN_IN)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert SESSION_KEY not in anonymous.session


def test_another_users_passkey_is_refused(gp, gp_passkey, gp_other_practice):
    theirs = SoftPasskey()
    assert register(two_factors(gp_other_practice), theirs).status_code == 200
    client = password_only(gp)

    refused = sign_in_with(client, theirs)

    assert refused.status_code == 403
    assert refused.json()["code"] == "credential_user_mismatch"
    assert not verified(client)


@pytest.mark.parametrize(
    "wrong", [{"origin": "https://loopbaan.evil.example"}, {"rp_id": "evil.example"}]
)
def test_a_passkey_used_on_another_origin_or_site_is_refused(gp, gp_passkey, wrong):
    """What a phishing site relaying the ceremony would send: the browser writes its own origin
    in clientDataJSON and the authenticator signs the hash of the site's own relying party id."""
    client = password_only(gp)

    refused = sign_in_with(client, gp_passkey, **wrong)

    assert refused.status_code == 422
    assert not verified(client)


def test_a_forged_signature_is_refused(gp, gp_passkey):
    client = password_only(gp)
    impostor = SoftPasskey()
    impostor.credential_id = gp_passkey.credential_id  # the same id, another key

    assert sign_in_with(client, impostor).status_code == 422
    assert not verified(client)


def test_failed_passkeys_count_towards_the_lockout_and_the_delay(gp, gp_passkey, settings):
    client = password_only(gp)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in_with(client, gp_passkey, origin="https://loopbaan.evil.example")

    assert AccessAttempt.objects.filter(username=gp.email).get().failures_since_start == 5
    # Locked for this address: even the right passkey is not asked for any more.
    refused = sign_in_with(client, gp_passkey)
    assert refused.status_code == 429
    assert not verified(client)
    assert password_only_refused(gp)


def password_only_refused(user) -> bool:
    response = Client().post(LOGIN, {"username": user.email, "password": TEST_PASSWORD})
    return response.status_code == 429


# --- Seeing and removing ------------------------------------------------------------------------


def test_the_passkeys_page_lists_only_the_users_own(gp, gp_passkey, gp_other_practice):
    theirs = SoftPasskey()
    register(two_factors(gp_other_practice), theirs)
    WebAuthnCredential.objects.filter(user=gp_other_practice).update(name="Hun sleutel")
    WebAuthnCredential.objects.filter(user=gp).update(name="Mijn laptop")

    page = two_factors(gp).get(PASSKEYS).text

    assert "Mijn laptop" in page
    assert "Hun sleutel" not in page


def test_removing_a_passkey_beside_the_app_is_logged(gp, gp_passkey):
    client = two_factors(gp)
    passkey = WebAuthnCredential.objects.get(user=gp)

    removed = client.post(reverse("accounts:passkey_remove", args=[passkey.pk]))

    assert removed.url == PASSKEYS
    assert not WebAuthnCredential.objects.filter(user=gp).exists()
    row = AccessLog.objects.get(part="two_factor", url_name="accounts:passkey_remove")
    assert (row.user, row.action, row.subject_user_id) == (gp, "change", gp.pk)


def test_the_last_second_factor_cannot_be_removed(gp, gp_passkey):
    TOTPDevice.objects.filter(user=gp).delete()  # only the passkey is left
    client = password_only(gp)
    assert sign_in_with(client, gp_passkey).status_code == 200
    passkey = WebAuthnCredential.objects.get(user=gp)
    page = client.get(PASSKEYS)
    assert page.status_code == 200
    assert "Verwijderen" not in page.text

    refused = client.post(reverse("accounts:passkey_remove", args=[passkey.pk]), follow=True)

    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert "enige tweede factor" in refused.text
    assert not AccessLog.objects.filter(url_name="accounts:passkey_remove").exists()


def test_another_users_passkey_cannot_be_removed_or_renamed(gp, gp_other_practice):
    theirs = SoftPasskey()
    register(two_factors(gp_other_practice), theirs)
    passkey = WebAuthnCredential.objects.get(user=gp_other_practice)
    client = two_factors(gp)

    assert client.post(reverse("accounts:passkey_remove", args=[passkey.pk])).status_code == 404
    renamed = client.post(reverse("accounts:passkey_name", args=[passkey.pk]), {"name": "Mijn"})
    assert renamed.status_code == 404
    passkey.refresh_from_db()
    assert passkey.name == "Passkey"


def test_a_name_too_long_is_refused_next_to_the_field(gp, gp_passkey):
    client = two_factors(gp)
    passkey = WebAuthnCredential.objects.get(user=gp)

    page = client.post(reverse("accounts:passkey_name", args=[passkey.pk]), {"name": "x" * 65})

    assert page.status_code == 200
    assert page.context["form"].errors["name"]
    passkey.refresh_from_db()
    assert passkey.name == "Passkey"


# --- The administrator --------------------------------------------------------------------------


def test_reset_two_factors_removes_the_passkeys_and_ends_the_sessions(
    admin, gp, gp_passkey, django_capture_on_commit_callbacks
):
    session = two_factors(gp)
    assert session.get(reverse("referrals:worklist")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        two_factors(admin).post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_two_factors", "_selected_action": [gp.pk]},
        )

    assert not WebAuthnCredential.objects.filter(user=gp).exists()
    assert not TOTPDevice.objects.filter(user=gp).exists()
    assert session.get(reverse("referrals:worklist")).url.startswith(LOGIN)
    assert [m.to for m in mail.outbox] == [[gp.email]]
    # The old passkey no longer signs in: the password leads to "check your e-mail".
    client = password_only(gp)
    assert sign_in_with(client, gp_passkey).status_code in (403, 404)
    assert not verified(client)


def test_the_admin_shows_no_passkey_pages_only_that_one_is_set_up(admin, gp, gp_passkey):
    with pytest.raises(NoReverseMatch):
        reverse("admin:django_otp_webauthn_webauthncredential_changelist")
    client = two_factors(admin)
    assert client.get("/admin/django_otp_webauthn/webauthncredential/").status_code == 404
    page = client.get(reverse("admin:accounts_user_change", args=[gp.pk])).text
    assert "1 passkey" in page  # Dutch and English alike
    public_key = WebAuthnCredential.objects.get(user=gp).public_key.hex()
    assert public_key not in page


def test_a_user_without_passkeys_sees_no_passkey_button_when_signing_in(gp):
    TOTPDevice.objects.create(user=gp, name="authenticator", confirmed=True)
    page = password_only(gp).get(VERIFY)
    assert "passkey-verification" not in page.text
