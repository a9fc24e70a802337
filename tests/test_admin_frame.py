"""The admin in Loopbaan's language and frame (issue 17, point 6): its own name, a way back to
the application on every page, no English or raw codes left, the access log in local time with
readable parts, and a search by patient that never puts a BSN in a URL."""

import re
from datetime import UTC

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog

from .factories import PatientFactory

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_admin_is_loopbaans_and_leads_back_to_the_application(admin, client_for):
    response = client_for(admin).get(reverse("admin:index"))
    text = visible_text(response.text)
    assert "Loopbaan-beheer" in text
    assert "Django" not in text
    for url in (reverse("home"), reverse("notifications:reminder_runs"), reverse("dashboard:page")):
        assert f'href="{url}"' in response.text
    assert "Herinneringsrondes" in text


def test_no_english_is_left_on_the_admin_index(admin, client_for):
    text = visible_text(client_for(admin).get(reverse("admin:index")).text)
    for english in (
        "Axes",
        "Access attempts",
        "Access failures",
        "Access logs",
        "Referrals",
        "Therapists",
        "Model name",
        "Add link",
        "Change or view list link",
        "Verandering",  # our own "Change" (a score's change) once overrode the admin's
    ):
        assert english not in text, english
    for dutch in ("Aanmeldpogingen", "Verwijzingen", "Runningtherapeuten", "Wijzigen"):
        assert dutch in text, dutch


def test_the_admin_speaks_english_when_asked(admin, client_for):
    client = client_for(admin)
    client.cookies["django_language"] = "en"
    text = visible_text(client.get(reverse("admin:index")).text)
    assert "Loopbaan administration" in text
    assert "Sign-in attempts" in text


def test_the_access_log_shows_local_time_and_the_parts_by_name(admin, gp, client_for):
    client = client_for(admin)
    client.get(reverse("admin:accounts_user_change", args=[gp.pk]))
    row = AccessLog.objects.get(part="user")
    text = visible_text(client.get(reverse("admin:accounts_accesslog_changelist")).text)
    local = timezone.localtime(row.when)
    assert local.utcoffset().total_seconds() > 0  # Europe/Amsterdam is ahead of UTC all year
    assert f"{local:%H:%M}" in text
    assert f"{row.when.astimezone(UTC):%H:%M}" not in text
    assert "gebruikersaccount" in text
    assert " user " not in text


def test_the_patient_number_filters_the_log(admin, gp, client_for):
    patient = PatientFactory(practice=gp.practice)
    client_for(gp).get(reverse("patients:detail", args=[patient.pk]))
    client = client_for(admin)
    response = client.get(reverse("admin:accounts_accesslog_changelist"))
    link = f"?patient_id={patient.pk}"
    assert link in response.text
    filtered = client.get(reverse("admin:accounts_accesslog_changelist") + link)
    assert filtered.status_code == 200
    assert (
        filtered.context["cl"].result_count
        == AccessLog.objects.filter(patient_id=patient.pk).count()
        > 0
    )


def test_search_by_bsn_leads_to_the_patients_rows_without_the_bsn_in_a_url(
    admin, gp, gp_other_practice, client_for
):
    mine = PatientFactory(practice=gp.practice)
    theirs = PatientFactory(practice=gp_other_practice.practice, bsn=mine.bsn)
    PatientFactory(practice=gp.practice)
    client = client_for(admin)
    search = reverse("admin:accesslog_patient_search")
    assert mine.bsn not in search
    assert "Zoeken op patiënt" in client.get(reverse("admin:accounts_accesslog_changelist")).text
    response = client.post(search, {"bsn": mine.bsn})
    assert response.status_code == 302
    assert mine.bsn not in response.url
    assert f"{mine.pk}%2C{theirs.pk}" in response.url
    listing = client.get(response.url)
    assert listing.status_code == 200
    searches = AccessLog.objects.filter(action=AccessLog.Action.SEARCH, part="access_log")
    assert sorted(searches.values_list("patient_id", flat=True)) == sorted([mine.pk, theirs.pk])
    assert not AccessLog.objects.filter(url_name__contains=mine.bsn).exists()


def test_search_by_bsn_says_what_is_wrong_next_to_the_field(admin, client_for):
    client = client_for(admin)
    search = reverse("admin:accesslog_patient_search")
    bad = client.post(search, {"bsn": "12345678"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["bsn"]
    unknown = client.post(search, {"bsn": "111222333"})
    assert unknown.status_code == 200
    assert "patiëntnummer" in visible_text(unknown.text)


def test_only_readers_of_the_log_may_search_it(gp, manager, client_for):
    search = reverse("admin:accesslog_patient_search")
    for user in (gp, manager):
        response = client_for(user).post(search, {"bsn": "111222333"})
        assert response.status_code in (302, 403, 404)
        assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()
