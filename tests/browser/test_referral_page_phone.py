"""The referral page on a phone (390 x 844): the therapist's most frequent action on the first
screen, and what the GP wrote and the letters back readable on the page for both."""

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from referrals.models import Referral, Status
from therapy.models import TherapyLetter

from .conftest import sign_in
from .site_pages import PASSWORD
from .test_phone_session import PHONE_WIDTH, assert_no_horizontal_scrolling

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_HEIGHT = 844


def in_therapy_with_a_letter_back() -> Referral:
    """A demo referral of therapeut@example.org in therapy, with its report after intake."""
    return Referral.objects.filter(
        therapist__user__email="therapeut@example.org",
        status=Status.IN_THERAPY,
        therapy_letters__kind=TherapyLetter.Kind.INTAKE,
    ).first()


def test_the_therapist_logs_a_session_from_the_first_screen(new_page):
    call_command("seed_demo", "--no-documents")
    referral = in_therapy_with_a_letter_back()
    page = new_page(PHONE_WIDTH, PHONE_HEIGHT)
    sign_in(page, "therapeut@example.org", PASSWORD)
    page.goto(f"/referrals/{referral.pk}/")

    button = page.get_by_role("link", name="Sessie vastleggen", exact=True)
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert page.evaluate("window.scrollY") == 0
    bottom = box["y"] + box["height"]
    assert bottom <= PHONE_HEIGHT, f"the button ends at {bottom} px"
    assert_no_horizontal_scrolling(page)

    # The final step is not the first thing offered: it comes after the session button.
    close = page.locator("#therapist-actions ~ div a.therapy-close")
    if close.count():
        assert close.bounding_box()["y"] >= box["y"]

    button.click()
    page.wait_for_url(f"**/therapists/referrals/{referral.pk}/sessions/new/")


@pytest.mark.parametrize("email", ["huisarts@example.org", "therapeut@example.org"])
def test_the_gp_and_the_therapist_read_the_complaints_and_the_letter_back(new_page, email):
    call_command("seed_demo", "--no-documents")
    referral = in_therapy_with_a_letter_back()
    letter = referral.therapy_letters.get(kind=TherapyLetter.Kind.INTAKE)
    with translation.override("nl"):
        main = f"{referral.main_icpc['code']} {referral.main_icpc['label']}"
        others = [f"{o['code']} {o['label']}" for o in referral.secondary_icpc]
    page = new_page(PHONE_WIDTH, PHONE_HEIGHT)
    sign_in(page, email, PASSWORD)
    page.goto(f"/referrals/{referral.pk}/")

    expect(page.locator(".icpc-main")).to_contain_text(main)
    for other in others:
        expect(page.locator(".icpc-secondary")).to_contain_text(other)
    if referral.medication:
        expect(page.locator(".referral-medication")).to_contain_text(referral.medication)
    if referral.history:
        expect(page.locator(".referral-history")).to_contain_text(referral.history)
    section = page.get_by_role("region", name="Rapportages aan de huisarts")
    expect(section).to_be_visible()
    first_line = letter.summary.splitlines()[0]
    expect(section.locator(".letter-back-intake_report .letter-summary")).to_contain_text(
        first_line
    )
    assert_no_horizontal_scrolling(page)
