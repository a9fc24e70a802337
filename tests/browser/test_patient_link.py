"""Issue 18 at 390 px: a patient opens their personal link, gives a wrong then the right date of
birth, fills in the PHQ-9 and GAD-7 with big buttons, and the therapist sees the scores marked
"ingevuld door patiënt"; item 9 above 0 shows the crisis message at once and the alert reaches
the therapist and every GP of the practice; a used and an expired link refuse. axe finds nothing
serious on the patient's pages, and the pages ask nothing of any other host."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification
from outcomes.alerts import alerts_open_for_gp
from patientlinks.models import PatientLink
from patientlinks.services import link_issue

from ..factories import TEST_PASSWORD, GPProfileFactory, in_therapy_since
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
WIDTH = 390


def _serious(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']}: {v['help']} at {n['target']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
        for n in v["nodes"]
    ]


def _patient(new_page, live_server, foreign: list[str]):
    page = new_page(WIDTH, 800)
    own = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda r: (
            foreign.append(r.url)
            if urlsplit(r.url).netloc not in (own, "") and not r.url.startswith("data:")
            else None
        ),
    )
    return page


def _answer(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()
    assert page.locator("button.option, h1").count(), page.content()[-3000:]


def test_the_patient_fills_in_both_questionnaires_by_their_link(
    new_page, live_server, gp, therapist
):
    referral = in_therapy_since(gp, therapist, days=0, self_report_consent=True)
    link, token = link_issue(referral=referral, purpose="questionnaire", week=0, by=therapist)
    foreign: list[str] = []
    problems: list[str] = []
    page = _patient(new_page, live_server, foreign)
    page.goto(f"/p/{token}/")
    problems += _serious(page)
    page.get_by_label("Geboortedatum (dag-maand-jaar)").fill("2-2-1980")
    page.get_by_role("button", name="Verder").click()
    expect(page.get_by_text("Die geboortedatum klopt niet")).to_be_visible()
    problems += _serious(page)
    page.get_by_label("Geboortedatum (dag-maand-jaar)").fill("1-1-1980")
    page.get_by_role("button", name="Verder").click()
    expect(page.get_by_text("Vraag 1 van 18")).to_be_visible()
    expect(page.get_by_text("Hallo Test.")).to_be_visible()
    problems += _serious(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.locator("button.option").count() == 4, page.content()[-2500:]
    for item in range(9):  # "several days", item 9 "not at all"
        _answer(page, page.locator("button.option").nth(1 if item < 8 else 0).inner_text())
    _answer(page, page.locator("button.option").nth(1).inner_text())  # how difficult
    for _item in range(8):
        _answer(page, page.locator("button.option").nth(0).inner_text())
    expect(page.get_by_role("heading", name="Dank u wel, Test")).to_be_visible()
    problems += _serious(page)

    # Used: a new browser is told so, and how to get a new link.
    other = _patient(new_page, live_server, foreign)
    other.goto(f"/p/{token}/")
    expect(other.get_by_role("heading", name="Deze link is al gebruikt")).to_be_visible()
    expect(other.get_by_text("Vraag het uw runningtherapeut")).to_be_visible()
    problems += _serious(other)

    staff = new_page(WIDTH, 900)
    sign_in(staff, therapist.email, TEST_PASSWORD)
    staff.goto(f"/referrals/{referral.pk}/")
    expect(staff.get_by_text("ingevuld door patiënt")).to_have_count(2)
    assert problems == []
    assert foreign == []


def test_item_9_shows_the_crisis_message_and_tells_the_practice(
    new_page, live_server, gp, therapist
):
    colleague = GPProfileFactory(user__practice=gp.practice).user
    referral = in_therapy_since(gp, therapist, days=0, self_report_consent=True)
    _link, token = link_issue(referral=referral, purpose="questionnaire", week=0, by=therapist)
    foreign: list[str] = []
    page = _patient(new_page, live_server, foreign)
    page.goto(f"/p/{token}/")
    page.get_by_label("Geboortedatum (dag-maand-jaar)").fill("01/01/1980")
    page.get_by_role("button", name="Verder").click()
    for _item in range(8):
        _answer(page, page.locator("button.option").nth(0).inner_text())
    _answer(page, page.locator("button.option").nth(2).inner_text())  # item 9
    expect(page.get_by_text("113 Zelfmoordpreventie")).to_be_visible()
    expect(page.get_by_text("0800-0113")).to_be_visible()
    expect(page.get_by_text("Uw therapeut en huisarts worden vandaag ingelicht.")).to_be_visible()
    assert _serious(page) == []
    for user in (gp, colleague):
        assert [a.referral_id for a in alerts_open_for_gp(user)] == [referral.pk]
    told = Notification.objects.filter(kind="safety_alert").values_list("recipient_id", flat=True)
    assert therapist.pk in set(told)
    staff = new_page(WIDTH, 900)
    sign_in(staff, colleague.email, TEST_PASSWORD)
    staff.goto("/")
    expect(page.get_by_text("113 Zelfmoordpreventie")).to_be_visible()
    assert foreign == []


def test_an_expired_link_refuses(new_page, live_server, gp, therapist):
    referral = in_therapy_since(gp, therapist, days=0, self_report_consent=True)
    link, token = link_issue(referral=referral, purpose="questionnaire", week=0, by=therapist)
    PatientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    page = new_page(WIDTH, 800)
    page.goto(f"/p/{token}/")
    expect(page.get_by_role("heading", name="Deze link is verlopen")).to_be_visible()
    expect(page.get_by_text("Vraag het uw runningtherapeut")).to_be_visible()
    assert _serious(page) == []
