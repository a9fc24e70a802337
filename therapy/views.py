"""The therapist's pages after accepting: intake, screening, sessions, letters back, closing."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import access_log_for_request, mark_logged, refuse
from accounts.models import AccessLog
from accounts.permissions import therapist_required
from core.exceptions import DomainError
from referrals.models import FitnessCheck, Status
from referrals.selectors import referral_for_user
from referrals.views import therapist_step

from . import groups, selectors, services
from .forms import CloseForm, GroupSessionForm, IntakeForm, LetterForm, ScreeningForm, SessionForm
from .models import SavedGroup, TherapyLetter


@therapist_required
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Log one session of one patient in therapy."""
    referral = referral_for_user(request.user, pk, acting=True)
    refusal = services.session_refusal(referral=referral, by=request.user)
    if refusal:
        refuse(request, refusal)
        return redirect("referrals:detail", pk=referral.pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_log(
                referrals=[referral],
                by=request.user,
                data=data,
                attendance={referral.pk: data["attendance"]},
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Session saved."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "therapy/session_form.html", {"form": form, "referral": referral})


@therapist_required
def session_group(request: HttpRequest) -> HttpResponse:
    """Log one session for several patients at once: one row each, sharing a group id."""
    referrals = selectors.referrals_in_therapy(user=request.user)
    saved = list(groups.saved_groups_of(user=request.user))
    chosen = _saved_group_asked(request, saved)
    usual = [r.pk for r in chosen.current] if chosen else ()
    form = GroupSessionForm(request.POST or None, referrals=referrals, usual=usual)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.session_log(
                referrals=form.chosen_referrals(),
                by=request.user,
                data=form.cleaned_data,
                attendance=form.attendance(),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            # One access-log row per patient whose record the session was written to.
            for patient_id in sorted({r.patient_id for r in form.chosen_referrals()}):
                access_log_for_request(
                    request, action=AccessLog.Action.CREATE, part="session", patient_id=patient_id
                )
            mark_logged(request)
            count = len(rows)
            messages.success(
                request,
                ngettext(
                    "Group session saved for %(count)d patient.",
                    "Group session saved for %(count)d patients.",
                    count,
                )
                % {"count": count},
            )
            return redirect("referrals:incoming")
    context = {"form": form, "saved_groups": saved, "chosen_group": chosen}
    return render(request, "therapy/session_group.html", context)


def _saved_group_asked(request: HttpRequest, saved: list) -> SavedGroup | None:
    """The saved group of `?group=<id>`: one of the user's own, else 404."""
    raw = request.GET.get("group", "")
    if not raw:
        return None
    found = next((g for g in saved if str(g.pk) == raw), None)
    if found is None:
        raise Http404
    return found


@therapist_required
def intake(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = therapist_step(request, pk, (Status.ACCEPTED,))
    if blocked:
        return blocked
    form = IntakeForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_record(
                referral=referral, intake=form.save(commit=False), by=request.user
            )
        except DomainError as exc:
            refuse(request, str(exc))
            return redirect("referrals:detail", pk=referral.pk)
        messages.success(
            request, _("Intake saved. Week 0 starts on the day the screening clears the patient.")
        )
        return redirect("therapy:screening", pk=referral.pk)
    context = {
        "form": form,
        "referral": referral,
        "fitness_check": FitnessCheck.objects.filter(referral=referral).first(),
    }
    return render(request, "therapy/intake.html", context)


@therapist_required
def screening(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = therapist_step(request, pk, (Status.INTAKE_DONE,))
    if blocked:
        return blocked
    form = ScreeningForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.screening_record(
                referral=referral, screening=form.save(commit=False), by=request.user
            )
        except DomainError as exc:
            refuse(request, str(exc))
            return redirect("referrals:detail", pk=referral.pk)
        if referral.status == Status.NOT_CLEARED:
            messages.warning(request, _("Not cleared: the referral goes back to the GP."))
        else:
            messages.success(
                request,
                _("Screening saved. The therapy has started: week 0 is %(day)s.")
                % {"day": date_format(referral.therapy_start, "SHORT_DATE_FORMAT")},
            )
        return redirect("referrals:detail", pk=referral.pk)
    context = {
        "form": form,
        "referral": referral,
        "fitness_check": FitnessCheck.objects.filter(referral=referral).first(),
    }
    return render(request, "therapy/screening.html", context)


@therapist_required
def letter(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A letter back to the GP after intake or after week 5 (the end letter comes with closing)."""
    if kind not in (TherapyLetter.Kind.INTAKE, TherapyLetter.Kind.PROGRESS):
        raise Http404
    referral, blocked = therapist_step(request, pk, (Status.IN_THERAPY,))
    if blocked:
        return blocked
    if kind == TherapyLetter.Kind.PROGRESS and not selectors.progress_letter_allowed(referral):
        refuse(request, _("The progress report is due after week 5."))
        return redirect("referrals:detail", pk=referral.pk)
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.kind = kind
        try:
            services.letter_send(referral=referral, letter=form.instance, by=request.user)
        except DomainError as exc:
            refuse(request, str(exc))
        else:
            messages.success(request, _("Report sent to the GP."))
        return redirect("referrals:detail", pk=referral.pk)
    context = {"form": form, "referral": referral, "kind_label": TherapyLetter.Kind(kind).label}
    return render(request, "therapy/letter.html", context)


@therapist_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = therapist_step(request, pk, (Status.IN_THERAPY,))
    if blocked:
        return blocked
    warnings = selectors.close_warnings(referral)
    form = CloseForm(request.POST or None, deteriorated=bool(warnings["deteriorated"]))
    if request.method == "POST" and form.is_valid():
        try:
            services.therapy_close(
                referral=referral,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                letter=form.instance,
                by=request.user,
            )
        except DomainError as exc:
            refuse(request, str(exc))
            return redirect("referrals:detail", pk=referral.pk)
        messages.success(request, _("Therapy closed. The end report has been sent to the GP."))
        return redirect("referrals:detail", pk=referral.pk)
    return render(
        request, "therapy/close.html", {"form": form, "referral": referral, "warnings": warnings}
    )
