"""The practice dashboard and its exports: the page, the monthly CSV, the outcome CSV and the
PDF.

Every view reads the same GET parameters (`period=2025`, `2025-Q1` or `2025-03`, and the
administrator's `practice`), validated by dashboard.forms.PeriodForm: invalid input (an old
`start`/`end`/`months` range too) shows a message next to its field and the page falls back to
this year; it never answers with an error. Every figure is read from the `Release` of the
period's year (dashboard.release), so the page, its PDF and both CSVs hide the same figures.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from accounts.models import Practice, User
from accounts.permissions import role_required
from core.pdf import render_pdf
from referrals.models import Referral

from .figures import build_dashboard
from .forms import PeriodForm
from .monthly import csv_rows, monthly_rows_per_gp
from .period import Period, quick_choices
from .release import Release, release_year
from .scope import CellScope, cell_scope, referrals_for_dashboard
from .suppression import SMALL_AVERAGE, SMALL_CELL, SUPPRESSED

dashboard_roles_required = role_required(
    User.Role.GP, User.Role.THERAPIST, User.Role.PRACTICE_MANAGER, User.Role.ADMIN
)

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@dataclass
class ReportScope:
    form: PeriodForm
    period: Period
    practice: Practice | None
    referrals: QuerySet[Referral]
    cells: CellScope
    label: str
    by_practice: bool

    def query(self) -> str:
        """The period (and practice) as a query string for the export links."""
        params = self.period.params()
        if self.practice is not None:
            params["practice"] = str(self.practice.pk)
        return urlencode(params)

    @property
    def suffix(self) -> str:
        return self.period.key

    @property
    def people(self) -> tuple[str, ...]:
        return ("practice", "therapist") if self.by_practice else ("gp", "therapist")

    def release(self):
        """The year's protected figures, and the per-GP CSV rows of the year they include."""
        rows = monthly_rows_per_gp(self.referrals, period=Period.year(self.period.first.year))
        release = release_year(self.cells, self.period.first.year, people=self.people, csv=rows)
        return release, rows


def scope_label(user: User, practice: Practice | None) -> str:
    if user.role == User.Role.ADMIN:
        return practice.name if practice else gettext("All practices")
    if user.role == User.Role.GP:
        return gettext("Your referrals")
    if user.role == User.Role.THERAPIST:
        return gettext("Referrals sent to you")
    return user.practice.name if user.practice_id else ""


def report_scope(request: HttpRequest) -> ReportScope:
    form = PeriodForm(request.GET or None, user=request.user)
    form.is_valid()
    form.style_fields()
    practice = form.practice()
    return ReportScope(
        form=form,
        period=form.period(),
        practice=practice,
        referrals=referrals_for_dashboard(request.user, practice=practice),
        cells=cell_scope(request.user, practice=practice),
        label=scope_label(request.user, practice),
        by_practice=request.user.role == User.Role.ADMIN and practice is None,
    )


def _context(scope: ReportScope, release: Release) -> dict:
    return {
        "scope": scope,
        "form": scope.form,
        "period": scope.period,
        "report": build_dashboard(
            scope.cells, period=scope.period, release=release, by_practice=scope.by_practice
        ),
        "suppressed": SUPPRESSED,
        "small_cell": SMALL_CELL,
        "small_average": SMALL_AVERAGE,
        "quick_periods": quick_choices(),
    }


@dashboard_roles_required
def page(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    release, _rows = scope.release()
    return render(request, "dashboard/page.html", _context(scope, release))


@dashboard_roles_required
def pdf(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    release, _rows = scope.release()
    content = render_pdf("dashboard/pdf.html", _context(scope, release))
    response = HttpResponse(content, content_type="application/pdf", headers=NO_STORE)
    response["Content-Disposition"] = f'attachment; filename="rapportage-{scope.suffix}.pdf"'
    return response


def _csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    """UTF-8 with a BOM, semicolons and CRLF: what Excel in a Dutch locale opens as columns."""
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers=NO_STORE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response, delimiter=";", lineterminator="\r\n")


@dashboard_roles_required
def monthly_csv(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    response, writer = _csv_response(f"verwijzingen-per-maand-{scope.suffix}.csv")
    release, rows = scope.release()
    months = set(scope.period.months)
    # The GPs with referrals in the period, each for every month of it (as the page lists them).
    active = {(r.practice_id, r.gp_id) for r in rows if r.month in months and r.total}
    rows = [r for r in rows if r.month in months and (r.practice_id, r.gp_id) in active]
    writer.writerows(csv_rows(rows, release))
    return response


SHARE = re.compile(r"^(?P<count>\S+) \((?P<percent>\d+)%\)$")


def share_columns(value: str) -> tuple[str, str]:
    """A page's "15 (79%)" as two cells a spreadsheet reads as numbers, "15" and "79" (found in
    a try-out: one text cell); any other value (a count, "<5", days, a mean) and no share."""
    found = SHARE.match(str(value))
    return (found["count"], found["percent"]) if found else (value, "")


@dashboard_roles_required
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    release, _rows = scope.release()
    report = build_dashboard(
        scope.cells, period=scope.period, release=release, by_practice=scope.by_practice
    )
    response, writer = _csv_response(f"uitkomsten-{scope.suffix}.csv")
    writer.writerow(
        [
            gettext("Figure"),
            gettext("Result"),
            gettext("Percentage (%)"),
            gettext("Based on"),
            gettext("Counted among"),
        ]
    )
    for row in report.outcomes:
        writer.writerow([row.label, *share_columns(row.value), row.base, row.base_label])
    for label, value in report.antidepressant:
        writer.writerow(
            [
                gettext("Antidepressant at follow-up: %(answer)s") % {"answer": label},
                *share_columns(value),
                report.follow_ups,
                gettext("follow-ups held"),
            ]
        )
    return response
