"""A running therapist at the track logs a session on a phone (390 x 844)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from referrals.models import Referral, Status
from therapy.models import TherapySession

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def assert_no_horizontal_scrolling(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide on a {PHONE_WIDTH}px phone"


def test_therapist_logs_a_session_on_a_phone(new_page, live_server):
    call_command("seed_demo")
    referral = Referral.objects.get(
        therapist__user__email="therapeut@example.org",
        status=Status.IN_THERAPY,
        patient__first_name="Noor",
        patient__surname="Bakker",
    )
    page = new_page(PHONE_WIDTH, 844)
    sign_in(page, "therapeut@example.org", "loopbaan-demo")
    # Our new texts are not in the Dutch catalogue yet: read the page in English.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    before = TherapySession.objects.filter(referral=referral).count()

    # The caseload (the therapist's home) links to the group page; straight there if it doesn't.
    group_url = "/therapists/sessions/group/"
    # (the menu's link is folded away on a phone; the caseload's button is the one to tap)
    link = page.locator(f"main a[href='{group_url}']")
    if link.count():
        link.first.click()
        page.wait_for_url(f"**{group_url}")
    else:
        page.goto(group_url)

    # The group page lists the therapist's patients in therapy, on a phone without side-scrolling.
    assert page.locator(f"input[name=patient_{referral.pk}]").count() == 4
    assert page.get_by_role("group", name="Bakker, N.").is_visible()
    assert_no_horizontal_scrolling(page)

    # From there, to this one patient's own form.
    add_url = f"/therapists/referrals/{referral.pk}/sessions/new/"
    page.locator(f"a[href='{add_url}']").click()
    page.wait_for_url(f"**{add_url}")
    assert_no_horizontal_scrolling(page)

    # The date defaults to today; the number fields bring up a number keyboard.
    assert page.locator("input[name=date]").input_value()
    assert page.locator("input[name=minutes_running]").get_attribute("inputmode") == "numeric"
    assert page.locator("input[name=distance_km]").get_attribute("inputmode") == "decimal"

    page.locator("label[for=id_mode_1]").click()  # on their own
    page.locator("label[for=id_attendance_0]").click()  # attended
    page.locator("input[name=minutes_running]").fill("24")
    page.locator("input[name=minutes_walking]").fill("8")
    page.locator("input[name=distance_km]").fill("4.2")
    page.locator("input[name=average_heart_rate]").fill("146")
    page.locator("input[name=rpe]").fill("25")
    page.locator("textarea[name=notes]").fill("Eerste keer 3 x 8 minuten aaneengesloten.")
    page.get_by_role("button", name="Save session").click()

    # RPE 25 is off the Borg scale: the form says so at the field and keeps the rest.
    assert page.locator("#id_rpe_error").is_visible()
    assert "Borg" in page.locator("#id_rpe_error").inner_text()
    assert page.locator("input[name=minutes_running]").input_value() == "24"
    assert_no_horizontal_scrolling(page)
    assert TherapySession.objects.filter(referral=referral).count() == before

    page.locator("input[name=rpe]").fill("14")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"**/referrals/{referral.pk}/")

    assert page.locator(".alert-success").filter(has_text="Session saved").is_visible()
    assert TherapySession.objects.filter(referral=referral).count() == before + 1
    session = TherapySession.objects.filter(referral=referral).latest("recorded_at", "pk")
    assert session.date == timezone.localdate()
    assert session.group is None
    assert session.mode == TherapySession.Mode.OWN
    assert session.attendance == TherapySession.Attendance.ATTENDED
    assert (session.minutes_running, session.minutes_walking, session.rpe) == (24, 8, 14)
    assert str(session.distance_km) == "4.2"
    assert session.recorded_by.email == "therapeut@example.org"
    assert_no_horizontal_scrolling(page)
