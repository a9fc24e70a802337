"""The GP holds the three-month follow-up in Chromium: a full PHQ-9 and GAD-7, work, running
now (an impossible number refused beside its field, the rest kept), the plan; saved, the
referral closes and item 9 above 0 shows as a safety alert."""

import pytest
from django.core.management import call_command

from outcomes.models import FOLLOW_UP_WEEK, QuestionnaireResponse, SafetyAlert
from referrals.models import FollowUp, Referral, Status

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9 = (1, 2, 1, 1, 0, 1, 1, 0, 1)  # total 8, item 9 answered "several days"
GAD7 = (1, 1, 0, 1, 0, 1, 0)  # total 4


def test_gp_fills_in_the_follow_up_and_closes_the_referral(page):
    call_command("seed_demo", "--no-documents")
    referral = Referral.objects.filter(
        gp__email="huisarts@example.org", status=Status.COMPLETED
    ).first()
    assert referral is not None
    sign_in(page, "huisarts@example.org", "loopbaan-demo")

    page.goto(f"/referrals/{referral.pk}/")
    page.locator(f"a[href='/referrals/{referral.pk}/follow-up/']").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Nacontrole")

    page.locator("input[name=wellbeing][value=better]").check()
    for i, answer in enumerate(PHQ9, start=1):
        page.locator(f"input[name='phq9-item_{i}'][value='{answer}']").check()
    page.locator("input[name='phq9-difficulty'][value='1']").check()
    for i, answer in enumerate(GAD7, start=1):
        page.locator(f"input[name='gad7-item_{i}'][value='{answer}']").check()
    page.locator("input[name='gad7-difficulty'][value='0']").check()
    # Filled in from the referral's antidepressant answer; the GP records a change.
    page.locator("input[name=antidepressant][value=reduced]").check()
    page.get_by_label("Re-integratie, spoor 1 (eigen werkgever)").check()
    page.locator("input[name=occupational_physician][value=True]").check()
    page.get_by_label("Keer hardlopen per week nu").fill("3")
    page.get_by_label("Minuten hardlopen per week nu").fill("10")
    page.get_by_label("POH-GGZ").check()
    page.get_by_label("Blijven hardlopen").check()
    page.get_by_role("button", name="Nacontrole opslaan en verwijzing afsluiten").click()

    # Refused beside the field; nothing saved, nothing lost.
    error = page.locator("#error_1_id_minutes_per_week")
    assert "minstens 30 minuten" in error.inner_text()
    assert page.locator("#id_minutes_per_week").evaluate("e => e.classList.contains('is-invalid')")
    assert not FollowUp.objects.filter(referral=referral).exists()
    assert page.locator("input[name='phq9-item_9'][value='1']").is_checked()

    page.get_by_label("Minuten hardlopen per week nu").fill("90")
    page.get_by_role("button", name="Nacontrole opslaan en verwijzing afsluiten").click()

    assert "De verwijzing is afgesloten" in page.locator(".alert-success").first.inner_text()
    referral.refresh_from_db()
    assert referral.status == Status.FOLLOWED_UP
    follow_up = FollowUp.objects.get(referral=referral)
    assert (follow_up.work_status, follow_up.runs_per_week, follow_up.minutes_per_week) == (
        "track_1",
        3,
        90,
    )
    assert follow_up.plan == ["poh_ggz", "keep_running"]
    totals = dict(
        QuestionnaireResponse.objects.filter(referral=referral, week=FOLLOW_UP_WEEK).values_list(
            "instrument", "total"
        )
    )
    assert totals == {"PHQ-9": 8, "GAD-7": 4}
    assert SafetyAlert.objects.filter(referral=referral, response__week=FOLLOW_UP_WEEK).exists()

    section = page.locator("h2", has_text="Nacontrole door de huisarts").locator(
        "xpath=following-sibling::dl[1]"
    )
    text = section.inner_text()
    assert "Re-integratie, spoor 1" in text and "bedrijfsarts betrokken" in text
    assert "3 keer per week, 90 minuten in totaal" in text
    assert "POH-GGZ, Blijven hardlopen" in text
    banner = page.get_by_text("bij de nacontrole door de huisarts").first
    assert banner.is_visible()
