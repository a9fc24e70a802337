"""The administrator finds one patient's rows in the access log by BSN, with the BSN never in a
URL: the form is POSTed and answers with a redirect to the log filtered on the patient numbers.

It is an admin page (config/admin.py adds it to the site) because only the access log's readers
use it; the search itself is a row in the log, one per patient found.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.audit import access_log_for_request
from accounts.models import AccessLog

from .models import Patient
from .validators import validate_bsn


class AccessLogPatientForm(forms.Form):
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=9,
        validators=[validate_bsn],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Nine digits. The BSN is not put in any web address or in the log."),
    )


def access_log_patient_search(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.view_accesslog"):
        raise PermissionDenied
    form = AccessLogPatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = list(
            Patient.objects.filter(bsn=form.cleaned_data["bsn"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for patient_id in ids:
            access_log_for_request(
                request, action=AccessLog.Action.SEARCH, part="access_log", patient_id=patient_id
            )
        if ids:
            query = urlencode({"patient_id__in": ",".join(str(pk) for pk in ids)})
            return redirect(f"{reverse('admin:accounts_accesslog_changelist')}?{query}")
        access_log_for_request(request, action=AccessLog.Action.SEARCH, part="access_log")
        form.add_error(
            "bsn",
            _(
                "No patient with this BSN is registered (any more). The log keeps the rows of "
                "an erased record under its patient number: search for that number instead."
            ),
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Access log of one patient"),
        "form": form,
        "opts": AccessLog._meta,
    }
    return TemplateResponse(request, "admin/accounts/accesslog/patient_search.html", context)
