"""Every page of the therapist and the GP's referral pages fit a 390 px phone: no side-scrolling,
and axe finds nothing serious in the phone layout either (folded menu, stacked columns)."""

import pytest
from django.core.management import call_command

from .conftest import sign_in
from .site_pages import DEMO_USERS, PASSWORD, demo_world, pages_for
from .test_accessibility import axe_problems
from .test_phone_session import PHONE_WIDTH, assert_no_horizontal_scrolling

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The GP's pages about one referral: the form, the fitness check, the therapist, check-and-send
# (the letter preview itself is a PDF), and the referral page in every status.
GP_REFERRAL_PAGES = {
    "referrals:detail",
    "referrals:edit",
    "referrals:fitness",
    "referrals:therapist",
    "referrals:send",
    "referrals:cancel",
    "referrals:follow_up",
}


@pytest.mark.parametrize("role", ["therapist", "gp"])
def test_pages_fit_a_phone_without_side_scrolling(role, new_page):
    call_command("seed_demo", "--no-documents")
    pages = pages_for(role, demo_world())
    if role == "gp":
        pages = [p for p in pages if p.name in GP_REFERRAL_PAGES]
    assert len(pages) >= 8
    page = new_page(PHONE_WIDTH, 844)
    sign_in(page, DEMO_USERS[role], PASSWORD)

    too_wide, problems = [], []
    for where in pages:
        response = page.goto(where.url)
        assert response.ok, f"{where}: {response.status}"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide.append(f"{where}: {width}px")
        problems += axe_problems(page, where)

    assert not too_wide, "wider than the phone:\n" + "\n".join(too_wide)
    assert not problems, "\n".join(problems)
    assert_no_horizontal_scrolling(page)
