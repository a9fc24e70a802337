import csv
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from dashboard.period import AMSTERDAM, Period
from dashboard.suppression import SUPPRESSED
from referrals.models import Referral, Status

from .conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def counts_in_database(practice_id: int, period: Period) -> Counter:
    """(month, GP, status) -> referrals, counted one by one from the database."""
    counts = Counter()
    referrals = Referral.objects.filter(
        practice_id=practice_id, sent_at__gte=period.start, sent_at__lt=period.end
    ).select_related("gp")
    for referral in referrals:
        month = timezone.localtime(referral.sent_at, AMSTERDAM).strftime("%Y-%m")
        counts[month, referral.gp.get_full_name(), referral.status] += 1
    return counts


def test_manager_changes_the_period_and_downloads_the_monthly_csv(page):
    call_command("seed_demo", "--no-documents")
    manager = User.objects.get(email="manager@example.org")
    # The demo's referrals lie in the last months: this year holds them (the reports show a
    # whole month, quarter or year).
    today = timezone.localdate(timezone=AMSTERDAM)
    period = Period.year(today.year) if today.month > 5 else Period.year(today.year - 1)
    sign_in(page, "manager@example.org", "loopbaan-demo")

    page.goto("/reports/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("svg[role=img]").first.is_visible()

    # Change the period through the form.
    page.locator("#id_period").select_option(period.key)
    page.locator("#report-range button[type=submit]").click()
    page.wait_for_url(f"**/reports/?*period={period.key}*")
    assert page.locator(".is-invalid").count() == 0
    months_shown = page.locator("#table-months tbody tr").count()
    assert months_shown == len(period.months)
    page.screenshot(path=str(ARTIFACTS / "manager_dashboard.png"), full_page=True)

    # Download the CSV for that period.
    with page.expect_download() as download_info:
        page.locator("#export-monthly-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = open(download.path(), "rb").read()  # noqa: SIM115
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))

    header, body = rows[0], rows[1:]
    status_columns = range(4, 4 + len(Status))
    found = Counter()
    hidden = set()
    for row in body:
        assert len(row) == len(header)
        if SUPPRESSED not in row:
            assert int(row[-1]) == sum(int(row[i]) for i in status_columns)
        month = f"{row[0]}-{int(row[1]):02d}"  # year and month: two numbers in the CSV
        for i, status in zip(status_columns, Status, strict=True):
            if row[i] == SUPPRESSED:
                hidden.add((month, row[3], status.value))
            elif int(row[i]):
                found[month, row[3], status.value] = int(row[i])
    expected = counts_in_database(manager.practice_id, period)
    # What is shown is the database's count; what is hidden is a small count or protects one.
    assert found == {key: n for key, n in expected.items() if key not in hidden}
    assert sum(expected.values()) > 0
    assert {(row[0], row[1]) for row in body} == {
        (str(month.year), str(month.month)) for month in period.months
    }
