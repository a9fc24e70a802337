"""The reports pages and exports: dashboard, monthly CSV, outcome CSV and PDF.

Every view reads the same GET parameters (`months=N`, or `start=YYYY-MM` and `end=YYYY-MM`, and
the administrator's `practice`), validated by ReportRangeForm: invalid input shows a message next
to its field and the report falls back to the default period; it never answers with an error.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice, User
from accounts.permissions import role_required

from . import dashboard
from .dashboard import MAX_MONTHS, Period
from .models import Referral
from .pdf import render_pdf

report_roles_required = role_required(
    User.Role.GP, User.Role.THERAPIST, User.Role.PRACTICE_MANAGER, User.Role.ADMIN
)

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class MonthField(forms.CharField):
    """A calendar month typed as YYYY-MM (what `<input type="month">` sends)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "size": 8})
    default_error_messages = {
        "invalid": _("Enter a month as YYYY-MM, for example 2025-03."),
    }

    def to_python(self, value) -> date | None:
        text = super().to_python(value).strip()
        if not text:
            return None
        match = MONTH_PATTERN.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match[1]), int(match[2]), 1)


class ReportRangeForm(forms.Form):
    """The period (and, for the administrator, the practice) of a report.

    `start` and `end` win over `months`; a missing `end` is the current month, a missing `start`
    lies `months` months (default 12) before the end.
    """

    months = forms.IntegerField(
        label=_("Last months"),
        required=False,
        initial=dashboard.DEFAULT_MONTHS,
        min_value=1,
        max_value=MAX_MONTHS,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_MONTHS}),
        error_messages={
            "invalid": _("Enter a whole number of months from 1 to 120."),
            "min_value": _("Enter a whole number of months from 1 to 120."),
            "max_value": _("Enter a whole number of months from 1 to 120."),
        },
    )
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user.role == User.Role.ADMIN:
            self.fields["practice"] = forms.ModelChoiceField(
                label=_("Practice"),
                queryset=Practice.objects.order_by("name"),
                required=False,
                empty_label=_("All practices"),
                error_messages={"invalid_choice": _("Choose a practice from the list.")},
            )

    def style_fields(self) -> None:
        """Bootstrap classes, and the error tied to its field for screen readers."""
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
                field.widget.attrs["aria-describedby"] = f"{self.auto_id % name}_error"
            field.widget.attrs["class"] = css

    def clean(self) -> dict:
        data = super().clean()
        if any(name in self.errors for name in ("months", "start", "end")):
            return data
        period = self._chosen_period(data)
        if period.last < period.first:
            field = "end" if data.get("end") else "start"
            self.add_error(field, _("The end month lies before the start month."))
        elif dashboard.months_between(period.first, period.last) > MAX_MONTHS:
            field = "start" if data.get("start") else "end"
            self.add_error(field, _("Choose a period of at most 120 months."))
        return data

    @staticmethod
    def _chosen_period(data: dict) -> Period:
        default = Period.last_months(dashboard.DEFAULT_MONTHS)
        start, end = data.get("start"), data.get("end")
        last = end or default.last
        if start:
            return Period(first=start, last=last)
        return Period.last_months(data.get("months") or dashboard.DEFAULT_MONTHS, today=last)

    def period(self) -> Period:
        """The chosen period; the default (the last 12 months) when anything about it is wrong."""
        if not self.is_bound or any(name in self.errors for name in ("months", "start", "end")):
            return Period.last_months(dashboard.DEFAULT_MONTHS)
        return self._chosen_period(self.cleaned_data)

    def practice(self) -> Practice | None:
        if not self.is_bound or "practice" not in self.fields or "practice" in self.errors:
            return None
        return self.cleaned_data.get("practice")


@dataclass
class ReportScope:
    form: ReportRangeForm
    period: Period
    practice: Practice | None
    referrals: QuerySet[Referral]
    cells: dashboard.CellScope
    label: str

    def query(self) -> str:
        """The period (and practice) as a query string for the export links."""
        params = self.period.params()
        if self.practice is not None:
            params["practice"] = str(self.practice.pk)
        return urlencode(params)

    @property
    def suffix(self) -> str:
        return f"{self.period.first:%Y-%m}-{self.period.last:%Y-%m}"


def scope_label(user: User, practice: Practice | None) -> str:
    if user.role == User.Role.ADMIN:
        return practice.name if practice else gettext("All practices")
    if user.role == User.Role.GP:
        return gettext("Your referrals")
    if user.role == User.Role.THERAPIST:
        return gettext("Referrals sent to you")
    return user.practice.name if user.practice_id else ""


def report_scope(request: HttpRequest) -> ReportScope:
    form = ReportRangeForm(request.GET or None, user=request.user)
    form.is_valid()
    form.style_fields()
    practice = form.practice()
    return ReportScope(
        form=form,
        period=form.period(),
        practice=practice,
        referrals=dashboard.referrals_for_reports(request.user, practice=practice),
        cells=dashboard.cell_scope(request.user, practice=practice),
        label=scope_label(request.user, practice),
    )


def _context(request: HttpRequest, scope: ReportScope) -> dict:
    by_practice = request.user.role == User.Role.ADMIN and scope.practice is None
    return {
        "scope": scope,
        "form": scope.form,
        "period": scope.period,
        "report": dashboard.build_dashboard(
            scope.cells, period=scope.period, by_practice=by_practice
        ),
        "suppressed": dashboard.SUPPRESSED,
        "small_cell": dashboard.SMALL_CELL,
        "quick_months": (3, 6, 12, 24),
    }


@report_roles_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    return render(request, "reports/dashboard.html", _context(request, scope))


@report_roles_required
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    pdf = render_pdf("reports/dashboard_pdf.html", _context(request, scope))
    response = HttpResponse(pdf, content_type="application/pdf", headers=NO_STORE)
    response["Content-Disposition"] = f'attachment; filename="rapportage-{scope.suffix}.pdf"'
    return response


def _csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    """UTF-8 with a BOM, semicolons and CRLF: what Excel in a Dutch locale opens as columns."""
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers=NO_STORE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response, delimiter=";", lineterminator="\r\n")


@report_roles_required
def monthly_csv(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    response, writer = _csv_response(f"verwijzingen-per-maand-{scope.suffix}.csv")
    rows = dashboard.monthly_rows_per_gp(scope.referrals, period=scope.period)
    writer.writerows(dashboard.csv_rows(rows))
    return response


@report_roles_required
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    scope = report_scope(request)
    report = dashboard.build_dashboard(scope.cells, period=scope.period)
    response, writer = _csv_response(f"uitkomsten-{scope.suffix}.csv")
    writer.writerow([gettext("Figure"), gettext("Result"), gettext("Based on"), ""])
    for row in report.outcomes:
        writer.writerow([row.label, row.value, row.base, row.base_label])
    for label, value in report.antidepressant:
        writer.writerow(
            [
                gettext("Antidepressant at follow-up: %(answer)s") % {"answer": label},
                value,
                report.follow_ups,
                gettext("follow-ups held"),
            ]
        )
    return response
