"""A new GP, made by the administrator, chooses a password and sets up the authenticator app from
the links in their e-mail, then signs in with the password and a code (production rules)."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import user_welcome

from ..factories import GPProfileFactory
from ..mails import mailed_link
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "nieuwe.huisarts@example.org"
PASSWORD = "Zelf-Gekozen-Wachtwoord-9"


def code_for(key: str, drift: int = 0) -> str:
    """What the authenticator app shows for the key typed from the page (base32, in groups)."""
    secret = key.replace(" ", "")
    secret += "=" * (-len(secret) % 8)
    return f"{totp(b32decode(secret), drift=drift):06d}"


def test_a_new_gp_enrols_through_the_emailed_link_and_signs_in_with_a_code(page, settings):
    settings.LOOPBAAN_REQUIRE_2FA = True
    gp = GPProfileFactory(user__email=EMAIL).user
    gp.set_unusable_password()
    gp.save(update_fields=["password"])
    user_welcome(user=gp)  # what adding the user in the admin does

    # The password alone leads to "check your e-mail", never to a QR code.
    page.goto(mailed_link(EMAIL, "/accounts/password/reset/"))
    page.locator("input[name=new_password1]").fill(PASSWORD)
    page.locator("input[name=new_password2]").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.wait_for_load_state()
    sign_in(page, EMAIL, PASSWORD)
    assert page.url.endswith("/accounts/two-factor/link/")
    assert page.get_by_role("heading", name="Kijk in uw e-mail").is_visible()
    assert page.locator("svg").count() == 0

    # The link from the e-mail, in the same browser: the QR code and the key.
    page.goto(mailed_link(EMAIL, "/accounts/two-factor/enrol/"))
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/two-factor/setup/")
    assert page.get_by_role("img", name="QR").is_visible()
    key = page.locator("code.user-select-all").inner_text()
    page.locator("input[name=token]").fill(code_for(key))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()
    assert page.locator("ul.recovery-codes code").count() == 10
    assert TOTPDevice.objects.get(user=gp).confirmed
    page.locator("main a.btn-primary").click()
    page.wait_for_url("**/referrals/")

    # Signed out and in again: the password, then the code from the app.
    page.locator("form[action='/accounts/logout/'] button").first.click()
    page.wait_for_load_state()
    sign_in(page, EMAIL, PASSWORD)
    assert "/accounts/two-factor/" in page.url
    page.locator("input[name=token]").fill(code_for(key, drift=1))  # the next 30 seconds' code
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/referrals/")
    assert page.get_by_role("heading", name="Mijn verwijzingen").is_visible()

    # The link worked once.
    page.goto(mailed_link(EMAIL, "/accounts/two-factor/enrol/"))
    assert page.get_by_role("heading", name="Deze link werkt niet meer").is_visible()
