"""What the access log records when nothing was written: a form sent back with errors, a step the
lifecycle refuses, an id too long for the database; and a group session, one row per patient.
Found by the attacker (NEN 7513): rejected forms were logged as successful writes, a group session
named no patient, an id above 2**63 - 1 gave a 500 and no row."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import AccessLog
from referrals.models import Status
from therapy.models import TherapySession

from .factories import PatientFactory, ReferralFactory

pytestmark = pytest.mark.django_db

Action = AccessLog.Action
Outcome = AccessLog.Outcome
TOO_LONG = "9" * 19  # above 2**63 - 1
HUGE = "1" * 40


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(url_name: str) -> list[tuple]:
    return list(
        AccessLog.objects.filter(url_name=url_name)
        .order_by("pk")
        .values_list("action", "outcome", "patient_id")
    )


def test_a_session_form_sent_back_with_errors_is_logged_as_invalid_not_as_a_write(
    referral_in_therapy, therapist
):
    url = reverse("therapy:session_add", args=[referral_in_therapy.pk])
    response = signed_in(therapist).post(url, {"date": "morgen", "attendance": "attended"})

    assert response.status_code == 200
    assert not TherapySession.objects.exists()
    assert rows("therapy:session_add") == [
        (Action.VIEW, Outcome.INVALID, referral_in_therapy.patient_id)
    ]


def test_a_step_the_lifecycle_refuses_is_logged_as_refused(referral_in_therapy, therapist):
    """Accepting a referral already in therapy (a second tab, a double click) writes nothing."""
    response = signed_in(therapist).post(reverse("referrals:accept", args=[referral_in_therapy.pk]))

    assert response.status_code == 302
    referral_in_therapy.refresh_from_db()
    assert referral_in_therapy.status == Status.IN_THERAPY
    assert rows("referrals:accept") == [
        (Action.DENIED, Outcome.DENIED, referral_in_therapy.patient_id)
    ]


def test_a_successful_write_is_still_logged_as_one(referral, therapist):
    response = signed_in(therapist).post(reverse("referrals:accept", args=[referral.pk]))

    assert response.status_code == 302
    assert rows("referrals:accept") == [(Action.CHANGE, Outcome.OK, referral.patient_id)]


def test_a_group_session_writes_one_row_per_patient(referral_in_therapy, therapist):
    second = ReferralFactory(
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=timezone.localdate(),
        patient=PatientFactory(practice=referral_in_therapy.practice),
    )
    post = {
        "date": timezone.localdate().isoformat(),
        "mode": "supervised",
        "minutes_running": "24",
        "minutes_walking": "12",
        "distance_km": "3.8",
        f"patient_{referral_in_therapy.pk}": "attended",
        f"patient_{second.pk}": "no_show",
    }

    response = signed_in(therapist).post(reverse("therapy:session_group"), post)

    assert response.status_code == 302, response.content.decode()[:500]
    assert TherapySession.objects.count() == 2
    logged = rows("therapy:session_group")
    assert sorted(logged) == sorted(
        [
            (Action.CREATE, Outcome.OK, referral_in_therapy.patient_id),
            (Action.CREATE, Outcome.OK, second.patient_id),
        ]
    )


@pytest.mark.parametrize("raw", [TOO_LONG, HUGE])
@pytest.mark.parametrize(
    ("name", "role"),
    [("patients:detail", "gp"), ("referrals:detail", "gp"), ("referrals:letter", "therapist")],
)
def test_an_id_too_long_for_the_database_is_a_logged_404(raw, name, role, request):
    user = request.getfixturevalue(role)
    path = reverse(name, args=[1]).replace("/1/", f"/{raw}/", 1)

    response = signed_in(user).get(path)

    assert response.status_code == 404
    assert rows(name) == [(Action.DENIED, Outcome.NOT_FOUND, None)]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_no_url_of_the_project_takes_an_unbounded_int():
    from django.conf import settings

    project = [r for r in _routes(get_resolver().url_patterns) if not r.startswith("admin/")]
    assert project, settings.ROOT_URLCONF
    assert [route for route in project if "<int:" in route] == []


def test_the_env_example_trusts_no_forwarded_header():
    """docker-compose publishes gunicorn directly: a trusted X-Forwarded-For would let any
    client choose the logged address."""
    from pathlib import Path

    env = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    assert "\nACCESS_LOG_TRUSTED_PROXIES=0\n" in env
