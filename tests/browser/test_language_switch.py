"""Switching between Dutch and English on a half-filled form keeps what was typed (found in a
try-out: the switch threw the input away), and keeps no password."""

import pytest
from django.core.management import call_command

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switching_language_keeps_a_half_filled_form(page):
    call_command("seed_demo", "--no-documents")
    sign_in(page, "huisarts@example.org", "loopbaan-demo")
    page.goto("/patients/new/")
    page.get_by_label("Voornaam").fill("Zoë")
    page.get_by_label("Achternaam").fill("Dijkstra-Ünal")
    page.locator("input[name=sex][value=female]").check()
    page.get_by_label("Woonplaats").fill("'s-Hertogenbosch")

    page.locator("form.language-switch button[value=en]").click()
    page.wait_for_load_state()

    assert page.get_by_label("First name").input_value() == "Zoë"
    assert page.get_by_label("Surname").input_value() == "Dijkstra-Ünal"
    assert page.locator("input[name=sex][value=female]").is_checked()
    assert page.get_by_label("City").input_value() == "'s-Hertogenbosch"
    # Read once: a reload shows the empty form again, and nothing stays in the tab's storage.
    assert page.evaluate("sessionStorage.length") == 0
    page.reload()
    assert page.get_by_label("First name").input_value() == ""


def test_the_sign_in_password_is_never_kept(page):
    call_command("seed_demo", "--no-documents")
    # A copy of everything the page stores, where the test can read it after the reload.
    page.add_init_script(
        "const set = Storage.prototype.setItem;"
        "Storage.prototype.setItem = function (k, v) {"
        " if (this === window.sessionStorage) localStorage.setItem('copy:' + k, v);"
        " return set.call(this, k, v); };"
    )
    page.goto("/accounts/login/")
    page.get_by_label("E-mailadres").fill("huisarts@example.org")
    page.get_by_label("Wachtwoord").fill("geheim-wachtwoord-1")
    page.locator("form.language-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.get_by_label("Password").input_value() == ""
    assert page.get_by_label("Email address").input_value() == "huisarts@example.org"
    copies = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "huisarts@example.org" in copies
    assert "geheim-wachtwoord-1" not in copies
