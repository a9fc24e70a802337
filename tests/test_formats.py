"""Dates and numbers per language: 27-11-2026 and 4,5 in Dutch; 27/11/2026 and 4.5 in English."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from .factories import TherapySessionFactory

SNIPPET = Template(
    '{{ day|date:"SHORT_DATE_FORMAT" }} | {{ moment|date:"SHORT_DATETIME_FORMAT" }} | '
    "{{ km|floatformat:1 }} | {{ km }} | {{ big }}"
)
CONTEXT = {
    "day": date(2026, 11, 27),
    "moment": datetime(2026, 1, 7, 9, 5),
    "km": Decimal("4.5"),
    "big": 1234.75,
}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "27-11-2026 | 07-01-2026 09:05 | 4,5 | 4,5 | 1234,75"),
        ("en", "27/11/2026 | 07/01/2026 09:05 | 4.5 | 4.5 | 1234.75"),
    ],
)
def test_templates_show_dates_day_first_and_numbers_with_the_language_s_decimal_mark(
    language, expected
):
    with translation.override(language):
        assert SNIPPET.render(Context(CONTEXT)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "day", "km"),
    [("nl", "27-11-2026", "4,2"), ("en", "27/11/2026", "4.2")],
)
def test_the_running_log_shows_the_session_date_and_distance_in_the_reader_s_language(
    language, day, km, referral_in_therapy, therapist, client_for
):
    TherapySessionFactory(
        referral=referral_in_therapy, date=date(2026, 11, 27), distance_km=Decimal("4.2")
    )
    client = client_for(therapist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(reverse("referrals:detail", kwargs={"pk": referral_in_therapy.pk})).text

    assert f'<td class="text-nowrap">{day}</td>' in html
    assert f'<td class="text-end">{km}</td>' in html
