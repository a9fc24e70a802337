"""A GP enrols a passkey from the e-mailed link and signs in with the password and the passkey, in
Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain stands in for the
laptop's fingerprint reader), under the app's Content-Security-Policy."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from ..factories import TEST_PASSWORD, GPProfileFactory, enrolment_path
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def test_a_gp_enrols_a_passkey_and_signs_in_with_it(page, live_server, settings):
    settings.LOOPBAAN_REQUIRE_2FA = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    gp = GPProfileFactory().user
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    add_virtual_authenticator(page)

    # The password, then the link from the e-mail: the setup page offers a passkey.
    sign_in(page, gp.email, TEST_PASSWORD)
    page.goto(enrolment_path(gp))
    page.wait_for_url("**/accounts/two-factor/setup/**")
    page.get_by_role("button", name="Passkey toevoegen").click()
    page.wait_for_url("**/accounts/passkeys/*/name/**")
    page.get_by_label("Naam").fill("Laptop spreekkamer")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert page.locator("ul.recovery-codes code").count() == 10
    passkey = WebAuthnCredential.objects.get(user=gp)
    assert passkey.name == "Laptop spreekkamer"
    page.locator("main a.btn-primary").click()
    page.wait_for_url("**/referrals/")

    # Signed out and in again: the password, then the passkey instead of a code.
    page.locator("form[action='/accounts/logout/'] button").first.click()
    page.wait_for_load_state()
    sign_in(page, gp.email, TEST_PASSWORD)
    assert "/accounts/two-factor/" in page.url
    page.get_by_role("button", name="Inloggen met een passkey").click()
    page.wait_for_url("**/referrals/")
    assert page.get_by_role("heading", name="Mijn verwijzingen").is_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # The account page lists it by name and date.
    response = page.goto("/accounts/passkeys/")
    assert page.get_by_role("cell", name="Laptop spreekkamer", exact=True).is_visible()
    # The library's scripts and ours ran under the app's policy, which allows no inline script.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert refused == []
