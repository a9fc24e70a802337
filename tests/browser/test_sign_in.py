import pytest
from django.core.management import call_command

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gp_signs_in_through_the_sign_in_page_and_lands_on_the_worklist(page):
    call_command("seed_demo", "--no-documents")
    page.goto("/")
    assert "/accounts/login/" in page.url
    sign_in(page, "huisarts@example.org", "loopbaan-demo")
    assert page.url.endswith("/referrals/")
    assert page.get_by_role("heading", name="Mijn verwijzingen").is_visible()
    assert page.locator("html").get_attribute("lang") == "nl"


def test_wrong_password_shows_a_message_and_stays_on_the_sign_in_page(page):
    call_command("seed_demo", "--no-documents")
    sign_in(page, "huisarts@example.org", "not-the-password")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").is_visible()


def test_language_switch_turns_the_page_english(page):
    call_command("seed_demo", "--no-documents")
    sign_in(page, "therapeut@example.org", "loopbaan-demo")
    page.get_by_role("button", name="EN English", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="My caseload").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
