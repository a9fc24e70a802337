"""The GP corrects their follow-up in Chromium: a PHQ-9 answer and how the patient is doing,
refused without a reason, saved with one; the score and the timeline ("gecorrigeerd") follow."""

import pytest
from django.core.management import call_command

from outcomes.models import FOLLOW_UP_WEEK, QuestionnaireResponse
from patients.models import Correction
from referrals.models import FollowUp

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gp_corrects_the_follow_up_and_the_timeline_says_corrected(page):
    call_command("seed_demo", "--no-documents")
    follow_up = (
        FollowUp.objects.filter(recorded_by__email="huisarts@example.org")
        .order_by("-recorded_at", "-pk")
        .first()
    )
    referral = follow_up.referral
    phq9 = QuestionnaireResponse.objects.get(
        referral=referral, instrument="PHQ-9", week=FOLLOW_UP_WEEK
    )
    first = phq9.answers[0]
    changed = 3 if first != 3 else 2
    trail = Correction.objects.count()
    sign_in(page, "huisarts@example.org", "loopbaan-demo")

    page.goto(f"/referrals/{referral.pk}/")
    page.locator(f"a[href='/referrals/{referral.pk}/follow-up/correct/']").click()
    # The follow-up as recorded.
    assert page.locator(f"input[name='phq9-item_1'][value='{first}']").is_checked()
    page.locator(f"input[name='phq9-item_1'][value='{changed}']").check()
    page.get_by_role("button", name="Correctie opslaan").click()
    # No reason: refused beside the field, nothing saved, the answer kept.
    assert page.get_by_text("Geef de reden voor de correctie.").first.is_visible()
    assert page.locator(f"input[name='phq9-item_1'][value='{changed}']").is_checked()
    assert Correction.objects.count() == trail

    page.locator("#id_reason").fill("Eerste vraag verkeerd aangeklikt.")
    page.get_by_role("button", name="Correctie opslaan").click()
    errors = page.locator(".invalid-feedback, .alert-danger").all_inner_texts()
    assert page.locator(".alert-success").first.is_visible(), errors
    phq9.refresh_from_db()
    assert phq9.answers[0] == changed
    follow_up.refresh_from_db()
    assert follow_up.phq9_total == phq9.total
    timeline = page.locator("body").inner_text()
    assert "PHQ-9" in timeline and "gecorrigeerd" in timeline
    assert "Eerste vraag verkeerd aangeklikt." in timeline
