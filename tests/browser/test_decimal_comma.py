"""A therapist types "2,4" km, the Dutch way, in a browser set to English or to Dutch, and 2,4 km
is saved. Found in a try-out: a number input in an English Chromium saved 24 km, and the wrong
total went into the end letter to the GP."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from referrals.models import Referral, Status
from therapy.models import TherapySession

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
def test_a_distance_typed_with_a_comma_is_saved_as_that_number(browser, live_server, locale):
    call_command("seed_demo", "--no-documents")
    referral = Referral.objects.filter(
        therapist__user__email="therapeut@example.org", status=Status.IN_THERAPY
    ).first()
    context = browser.new_context(base_url=live_server.url, locale=locale)
    try:
        page = context.new_page()
        sign_in(page, "therapeut@example.org", "loopbaan-demo")
        page.goto(f"/therapists/referrals/{referral.pk}/sessions/new/")
        distance = page.locator("input[name=distance_km]")
        assert distance.get_attribute("type") == "text"
        assert distance.get_attribute("inputmode") == "decimal"

        page.locator("label[for=id_mode_1]").click()
        page.locator("label[for=id_attendance_0]").click()
        page.locator("input[name=minutes_running]").fill("20")
        page.locator("input[name=minutes_walking]").fill("10")
        distance.press_sequentially("2,4")
        page.get_by_role("button", name="Sessie opslaan").click()
        page.wait_for_url(f"**/referrals/{referral.pk}/")

        session = TherapySession.objects.filter(referral=referral).latest("pk")
        assert session.distance_km == Decimal("2.4")
        assert ">2,4</td>" in page.content(), "the running log shows 2,4"
    finally:
        context.close()
