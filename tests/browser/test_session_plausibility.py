"""The therapist's session form refuses a pace no one can run, typed the Dutch way ("2,4" km
in 5 minutes), with the message beside the distance; and an unusual heart rate is saved once
the tick box that appears with its warning is ticked."""

import pytest
from django.core.management import call_command

from referrals.models import Referral, Status
from therapy.models import TherapySession

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_impossible_pace_is_refused_beside_the_distance(browser, live_server):
    call_command("seed_demo", "--no-documents")
    referral = Referral.objects.filter(
        therapist__user__email="therapeut@example.org", status=Status.IN_THERAPY
    ).first()
    before = TherapySession.objects.filter(referral=referral).count()
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    try:
        page = context.new_page()
        sign_in(page, "therapeut@example.org", "loopbaan-demo")
        page.goto(f"/therapists/referrals/{referral.pk}/sessions/new/")
        page.locator("label[for=id_mode_0]").click()
        page.locator("label[for=id_attendance_0]").click()
        page.locator("input[name=minutes_running]").fill("5")
        page.locator("input[name=minutes_walking]").fill("0")
        page.locator("input[name=distance_km]").press_sequentially("2,4")
        page.get_by_role("button", name="Sessie opslaan").click()

        feedback = page.locator("#id_distance_km ~ .invalid-feedback, #error_1_id_distance_km")
        assert "sneller dan 2:30 min/km" in feedback.first.inner_text()
        assert "2,4 km" in feedback.first.inner_text()
        assert TherapySession.objects.filter(referral=referral).count() == before

        # A plausible distance with an unusual heart rate: the tick box appears, then saves.
        distance = page.locator("input[name=distance_km]")
        distance.fill("")
        distance.press_sequentially("0,8")
        page.locator("input[name=average_heart_rate]").fill("45")
        assert page.locator("input[name=values_confirmed]").count() == 0
        page.get_by_role("button", name="Sessie opslaan").click()
        box = page.locator("input[name=values_confirmed]")
        assert box.is_visible()
        box.check()
        page.get_by_role("button", name="Sessie opslaan").click()
        page.wait_for_url(f"**/referrals/{referral.pk}/")
        session = TherapySession.objects.filter(referral=referral).latest("pk")
        assert (session.average_heart_rate, session.values_confirmed) == (45, True)
    finally:
        context.close()
