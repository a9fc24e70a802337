"""Found by a GP trying the application: a referral the screening did not clear was on no list."""

import pytest
from django.core.management import call_command

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gp_finds_the_referral_the_screening_did_not_clear_on_the_worklist(page):
    call_command("seed_demo", "--no-documents")
    sign_in(page, "huisarts@example.org", "loopbaan-demo")
    page.goto("/referrals/")
    section = page.get_by_role("heading", name="Niet goedgekeurd bij de screening: terug bij u")
    assert section.is_visible()
    assert page.get_by_text(
        "Reden van de therapeut: Rustbloeddruk 178/104; eerst cardiologische beoordeling."
    ).is_visible()
    assert page.get_by_text("Volgende stap: verwijs de patiënt opnieuw").first.is_visible()
