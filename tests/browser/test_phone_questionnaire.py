"""A therapist enters a PHQ-9 on a phone: every answer is a full-width option to tap, not one of
36 small radio circles (found in a first-week try-out)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from outcomes.models import QuestionnaireResponse
from referrals.models import Referral, Status

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
TAP = 44  # px: the least a finger can hit (WCAG 2.5.5, Apple and Android guidance)


def test_the_phq9_on_a_phone_has_answers_big_enough_to_tap(new_page, live_server):
    call_command("seed_demo", "--no-documents")
    referral = Referral.objects.filter(
        therapist__user__email="therapeut@example.org", status=Status.IN_THERAPY
    ).first()
    QuestionnaireResponse.objects.filter(referral=referral, week=10).delete()
    page = new_page(PHONE_WIDTH, 844)
    sign_in(page, "therapeut@example.org", "loopbaan-demo")
    page.goto(live_server.url + reverse("outcomes:enter", args=[referral.pk, "PHQ-9", 10]))

    labels = page.locator(".questionnaire-item .answer-option label")
    assert labels.count() == 9 * 4 + 4  # nine items and the functioning question
    for box in (labels.nth(i).bounding_box() for i in range(labels.count())):
        assert box["height"] >= TAP and box["width"] >= PHONE_WIDTH * 0.7, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    # Tapping anywhere on an option chooses it.
    option = page.locator("label[for='id_item_1_2']")
    option.click(position={"x": 250, "y": 10})
    assert page.locator("#id_item_1_2").is_checked()
