"""axe-core over every page of every role, in Dutch, with the demo data: no serious or critical
violation anywhere (WCAG 2.1 AA and axe's best practices).

The pages come from `site_pages`, which walks every URL name of the project, so a new page is
checked as soon as it is in the access tables.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.template.loader import render_to_string
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

from ..factories import enrolment_path
from ..test_permission_matrix import TABLE
from .conftest import sign_in
from .site_pages import (
    DEMO_USERS,
    NOT_PAGES,
    PASSWORD,
    ROLES,
    SitePage,
    demo_world,
    pages_for,
    pages_without_a_role,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
AXE = Axe()


def axe_problems(page, where: SitePage) -> list[str]:
    """The serious and critical violations on the page now open, one line per element."""
    results = AXE.run(page)
    return [
        f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} at "
        f"{node['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


def open_page(page, where: SitePage) -> None:
    response = page.goto(where.url)
    assert response.ok, f"{where}: {response.status}"
    assert page.url.endswith(where.url), f"{where}: redirected to {page.url}"


def test_every_url_is_a_page_of_some_role_a_file_or_post_only():
    """A page nobody may open would escape the axe test: it must be a file or POST/redirect-only."""
    for name in pages_without_a_role():
        assert TABLE[name].get == frozenset(), f"{name} is opened by no role the axe test uses"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_has_no_serious_axe_violation(role, new_page, live_server):
    call_command("seed_demo", "--no-documents")
    world = demo_world()
    page = new_page()
    if role != "anonymous":
        sign_in(page, DEMO_USERS[role], PASSWORD)
    pages = pages_for(role, world)
    assert pages, f"no pages for {role}"

    problems = []
    for where in pages:
        open_page(page, where)
        problems += axe_problems(page, where)
    problems += extra_pages(role, page)

    assert not problems, "\n".join(problems)


def pages_passed_off_as_files(role: str, page) -> list[str]:
    """The names in NOT_PAGES that answer this role with HTML after all (they would escape)."""
    world = demo_world()
    urls = [world.url(name) for name in NOT_PAGES if role in TABLE[name].get]
    return [
        url
        for url in urls
        if (response := page.request.get(url)).ok
        and response.headers.get("content-type", "").startswith("text/html")
    ]


def extra_pages(role: str, page) -> list[str]:
    """The pages no URL name leads to: error pages, forms showing their errors, the file links."""
    problems = []
    not_found = SitePage("404", "/does-not-exist/", "page not found")
    response = page.goto(not_found.url)
    assert response.status == 404
    problems += axe_problems(page, not_found)
    problems += [f"{url} is a page, not a file" for url in pages_passed_off_as_files(role, page)]
    if role == "anonymous":
        # The sign-in form with its error summary.
        page.goto("/accounts/login/")
        page.get_by_label("E-mailadres").fill("niemand@example.org")
        page.get_by_label("Wachtwoord").fill("fout")
        page.get_by_role("button", name="Inloggen").click()
        problems += axe_problems(
            page, SitePage("accounts:login", "/accounts/login/", "sign-in error")
        )
        # The server error page, rendered as the handler renders it (no request to fail).
        page.set_content(render_to_string("500.html"))
        problems += axe_problems(page, SitePage("500", "/", "server error"))
    else:
        forbidden = SitePage("403", "/referrals/reminders/", "forbidden")
        if role != "admin":
            response = page.goto(forbidden.url)
            assert response.status == 403
            problems += axe_problems(page, forbidden)
    if role == "manager":
        problems += recovery_codes_page(page)
    if role == "gp":
        # A form sent empty shows its error summary, linked to the fields.
        page.goto("/patients/new/")
        page.locator("main form button[type=submit]").last.click()
        problems += axe_problems(page, SitePage("patients:create", "/patients/new/", "errors"))
    return problems


def recovery_codes_page(page) -> list[str]:
    """Enrolling an authenticator app ends on the recovery codes, a page only a POST reaches."""
    page.goto(enrolment_path(User.objects.get(email=DEMO_USERS["manager"])))
    device = TOTPDevice.objects.get(user__email=DEMO_USERS["manager"], confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.locator("input[name=token]").fill(code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    where = SitePage("accounts:two_factor_setup", "/accounts/two-factor/setup/", "recovery codes")
    assert page.locator("main li, main code").count(), "no recovery codes shown"
    return axe_problems(page, where)


def test_keyboard_focus_is_visible_and_the_skip_link_leads_to_the_content(page):
    page.goto("/accounts/login/")  # the e-mail field has the focus

    page.keyboard.press("Tab")

    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.name, s.outlineStyle, s.outlineWidth]; })()"
    )
    assert outline == ["password", "solid", "3px"]
    page.locator(".skip-link").focus()
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
