"""The patient's pages (no account: the link and the date of birth) and the therapist's page
that issues, e-mails and shows the links."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.audit import client_address, mark_logged, refuse
from accounts.models import AccessLog, User
from accounts.permissions import role_required
from core.qr import qr_svg
from referrals.selectors import referral_for_user
from therapy.running_log import RunLogRefused, run_log_entries, run_log_record
from therapy.running_log_forms import RunLogEntryForm

from . import steps
from .exceptions import LinkError
from .models import PatientLink
from .services import (
    consent_refusal,
    link_find,
    link_issue,
    link_log,
    link_mail,
    link_state,
    link_verify,
    rate_limited,
)

Action, Outcome = AccessLog.Action, AccessLog.Outcome
#: Statuses of the refusal pages: gone for a used or expired link, forbidden when locked.
REFUSAL_STATUS = {"used": 410, "expired": 410, "replaced": 410, "closed": 410, "locked": 403}


def _session_key(link: PatientLink) -> str:
    return f"patientlink-{link.pk}"


@login_not_required
@require_http_methods(["GET", "POST"])
def patient_open(request: HttpRequest, token: str) -> HttpResponse:
    mark_logged(request)  # the link is the actor: this view writes its own rows
    address = client_address(request)
    link = link_find(token)
    if link is None:
        link_log(
            link=None,
            action=Action.DENIED,
            outcome=Outcome.NOT_FOUND,
            address=address,
            method=request.method,
        )
        return render(request, "patientlinks/refused.html", {"state": "unknown"}, status=404)
    state = link_state(link)
    if state != "ok" and not (state == "used" and request.session.get(_session_key(link))):
        link_log(
            link=link,
            action=Action.DENIED,
            outcome=Outcome.DENIED,
            address=address,
            method=request.method,
        )
        return render(
            request, "patientlinks/refused.html", {"state": state}, status=REFUSAL_STATUS[state]
        )
    if request.session.get(_session_key(link)) != link.token_hash:
        return _birth_date(request, link, address)
    if link.purpose == PatientLink.Purpose.RUNNING_LOG:
        return _running_log(request, link, address)
    return _questionnaire(request, link, address)


def _running_log(request: HttpRequest, link: PatientLink, address: str | None) -> HttpResponse:
    """The patient records a run (therapy's form and run_log_record, as the patient's entry)."""
    referral = link.referral
    form = RunLogEntryForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            run_log_record(
                referral, data=form.cleaned_data, entered_by_patient=True, via_link=link.pk
            )
        except RunLogRefused as refused:
            for name, message in refused.errors.items():
                form.add_error(name or None, message)
        else:
            link_log(
                link=link, action=Action.CREATE, outcome=Outcome.OK, address=address, method="POST"
            )
            request.session[f"{_session_key(link)}-saved"] = True
            return redirect(request.path)
    saved = request.method == "GET" and request.session.pop(f"{_session_key(link)}-saved", False)
    entries = list(run_log_entries(referral).filter(entered_by_patient=True)[:5])
    context = {
        "link": link,
        "first_name": referral.patient.first_name,
        "form": form,
        "saved": saved,
        "entries": entries,
    }
    return render(
        request, "patientlinks/running_log.html", context, status=400 if form.errors else 200
    )


def _birth_date(request: HttpRequest, link: PatientLink, address: str | None) -> HttpResponse:
    error = ""
    if request.method == "POST" and "birth_date" in request.POST:
        if rate_limited(link=link, address=address):
            link_log(
                link=link,
                action=Action.DENIED,
                outcome=Outcome.DENIED,
                address=address,
                method="POST",
            )
            return render(request, "patientlinks/refused.html", {"state": "busy"}, status=429)
        if link_verify(link=link, typed=request.POST.get("birth_date", "")):
            request.session.cycle_key()
            request.session[_session_key(link)] = link.token_hash
            link_log(
                link=link, action=Action.VIEW, outcome=Outcome.OK, address=address, method="POST"
            )
            return redirect(request.path)
        link_log(
            link=link, action=Action.DENIED, outcome=Outcome.DENIED, address=address, method="POST"
        )
        if link.locked_at:
            return render(request, "patientlinks/refused.html", {"state": "locked"}, status=403)
        error = _(
            "That date of birth does not match. Type it as day-month-year, for example 12-03-1985."
        )
    return render(
        request,
        "patientlinks/birth_date.html",
        {"link": link, "error": error},
        status=200 if not error else 400,
    )


def _questionnaire(request: HttpRequest, link: PatientLink, address: str | None) -> HttpResponse:
    patient = link.referral.patient
    if request.method == "POST" and "answer" in request.POST:
        # A tampered value (LinkError): the same question again.
        with contextlib.suppress(LinkError):
            steps.answer(link=link, key=request.POST.get("step", ""), value=request.POST["answer"])
        link_log(
            link=link, action=Action.CREATE, outcome=Outcome.OK, address=address, method="POST"
        )
        return redirect(request.path)
    link.refresh_from_db(fields=["progress", "used_at"])
    step = steps.current_step(link)
    crisis = link.progress.get("crisis") and not link.progress.get("crisis_seen")
    if request.method == "POST" and "crisis_seen" in request.POST:
        link.progress["crisis_seen"] = True
        PatientLink.objects.filter(pk=link.pk).update(progress=link.progress)
        return redirect(request.path)
    context = {
        "link": link,
        "first_name": patient.first_name,
        "step": step,
        "crisis": link.progress.get("crisis"),
    }
    if crisis:
        return render(request, "patientlinks/crisis.html", context)
    if step is None:
        return render(request, "patientlinks/done.html", context)
    return render(request, "patientlinks/question.html", context)


@role_required(User.Role.THERAPIST)
@require_http_methods(["GET", "POST"])
def links(request: HttpRequest, pk: int) -> HttpResponse:
    """The therapist's page of a referral's patient links: issue, e-mail, show (QR)."""
    referral = referral_for_user(request.user, pk, acting=True)
    context = {
        "referral": referral,
        "patient": referral.patient,
        "refusal": consent_refusal(referral),
        "links": list(referral.patient_links.filter(revoked_at=None)),
        "weeks": (0, 5, 10),
    }
    if request.method == "POST":
        purpose, _dash, week = request.POST.get("what", "").partition("-")
        try:
            with transaction.atomic():
                link, token = link_issue(
                    referral=referral,
                    purpose=purpose if purpose in PatientLink.Purpose.values else "",
                    week=int(week) if week.isdigit() else None,
                    by=request.user,
                )
                if request.POST.get("deliver") == "mail":
                    link_mail(link=link, by=request.user)
        except LinkError as error:
            refuse(request, str(error))
            return redirect("patientlinks:links", pk=referral.pk)
        if request.POST.get("deliver") == "mail":
            messages.success(request, _("The link has been e-mailed to the patient."))
            return redirect("patientlinks:links", pk=referral.pk)
        url = request.build_absolute_uri(f"/p/{token}/")
        return render(
            request,
            "patientlinks/sheet.html",
            {**context, "link": link, "url": url, "qr": qr_svg(url)},
        )
    return render(request, "patientlinks/links.html", context)
