"""A therapist saves a group of three and logs its session: the three are ticked already, and a
second session for them on the same day asks to be confirmed."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from therapy.models import SavedGroup, TherapySession
from therapy.selectors import referrals_in_therapy

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_saved_group_session_with_three_attendees(page):
    call_command("seed_demo", "--no-documents")
    therapist = SavedGroup.objects.get().owner
    patients = list(referrals_in_therapy(user=therapist).select_related("patient"))
    assert len(patients) == 3
    # The demo's group sessions fall on Tuesdays and Thursdays: start today with none.
    today = timezone.localdate()
    TherapySession.objects.filter(date=today, group__isnull=False).delete()
    sign_in(page, therapist.email, "loopbaan-demo")

    # From the caseload to the groups, and a new group of the three.
    page.get_by_role("link", name="Mijn groepen").click()
    page.get_by_role("link", name="Nieuwe groep").click()
    page.get_by_label("Naam van de groep").fill("Donderdag bos")
    for referral in patients:
        page.get_by_label(referral.patient.formal_name).check()
    page.get_by_role("button", name="Groep opslaan").click()
    assert page.get_by_text("Groep Donderdag bos opgeslagen.").is_visible()
    group = SavedGroup.objects.get(name="Donderdag bos")
    assert set(group.members.all()) == set(patients)

    # Its session: the three are ticked as attended; one tap each would change that.
    page.get_by_role("link", name="Sessie vastleggen Donderdag bos").click()
    page.wait_for_url(f"**?group={group.pk}")
    for referral in patients:
        assert page.locator(f"input[name=patient_{referral.pk}][value=attended]").is_checked()
    page.locator("input[name=minutes_running]").fill("20")
    page.locator("input[name=minutes_walking]").fill("10")
    page.locator("input[name=distance_km]").fill("3,5")
    page.get_by_role("button", name="Groepssessie opslaan").click()
    page.wait_for_url("**/referrals/incoming/")
    assert page.get_by_text("Groepssessie opgeslagen voor 3 patiënten.").is_visible()
    rows = TherapySession.objects.filter(date=today, referral__in=patients)
    assert rows.count() == 3
    assert {r.attendance for r in rows} == {TherapySession.Attendance.ATTENDED}
    assert len({r.group for r in rows}) == 1
    assert {str(r.distance_km) for r in rows} == {"3.5"}

    # The same group again today: asked first, saved only once confirmed.
    page.goto(f"/therapists/sessions/group/?group={group.pk}")
    page.locator("input[name=minutes_running]").fill("20")
    page.get_by_role("button", name="Groepssessie opslaan").click()
    assert page.locator("#id_confirm_second_error").is_visible()
    assert "al een groepssessie" in page.locator("#id_confirm_second_error").inner_text()
    assert TherapySession.objects.filter(date=today, referral__in=patients).count() == 3
    page.get_by_label("Ja, dit is nog een groepssessie op dezelfde dag").check()
    page.get_by_role("button", name="Groepssessie opslaan").click()
    page.wait_for_url("**/referrals/incoming/")
    assert TherapySession.objects.filter(date=today, referral__in=patients).count() == 6
