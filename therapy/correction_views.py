"""The therapist's correction pages: the form as recorded, pre-filled, with a required reason.

The referral is fetched in what the therapist may see (404 outside it); a row recorded by
someone else is a 403; a closed referral is refused with a message (therapy.corrections).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import access_log_for_request, mark_logged, refuse
from accounts.models import AccessLog
from accounts.permissions import therapist_required
from core.exceptions import DomainError
from outcomes.instruments import ATTRIBUTION, INSTRUMENTS, InvalidAnswers
from outcomes.models import QuestionnaireResponse
from referrals.models import Referral
from referrals.selectors import referral_for_user

from . import corrections
from .correction_forms import (
    GroupSessionCorrectionForm,
    IntakeCorrectionForm,
    QuestionnaireCorrectionForm,
    ScreeningCorrectionForm,
    SessionCorrectionForm,
    WithdrawForm,
)
from .models import Intake, Screening, TherapySession

CORRECTED = _("Correction saved. The old values are kept on the referral's timeline.")


def _gate(request: HttpRequest, referral: Referral, row: Model) -> HttpResponse | None:
    """403 for a row recorded by someone else; a message and the referral for a closed one."""
    if corrections.author_of(row) != request.user.pk:
        raise PermissionDenied
    refusal = corrections.correction_refusal(referral=referral, row=row, by=request.user)
    if refusal:
        refuse(request, refusal)
        return redirect("referrals:detail", pk=referral.pk)
    return None


def _page(request, form, referral, save, context: dict) -> HttpResponse:
    """Validate, save through the service (a refusal goes beside the form), or show the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, CORRECTED)
            return redirect("referrals:detail", pk=referral.pk)
    context |= {"form": form, "referral": referral}
    return render(request, "therapy/correct.html", context)


@therapist_required
def intake_correct(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_for_user(request.user, pk)
    row = get_object_or_404(Intake, referral=referral)
    blocked = _gate(request, referral, row)
    if blocked:
        return blocked
    form = IntakeCorrectionForm(request.POST or None, instance=row, referral=referral)

    def save(data):
        corrections.intake_correct(
            referral=referral, data=data, reason=data["reason"], by=request.user
        )

    return _page(request, form, referral, save, {"heading": _("Correct the intake")})


@therapist_required
def screening_correct(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_for_user(request.user, pk)
    row = get_object_or_404(Screening, referral=referral)
    blocked = _gate(request, referral, row)
    if blocked:
        return blocked
    form = ScreeningCorrectionForm(request.POST or None, instance=row, referral=None)

    def save(data):
        corrections.screening_correct(
            referral=referral, data=data, reason=data["reason"], by=request.user
        )

    heading = _("Correct the sports-medical screening")
    return _page(request, form, referral, save, {"heading": heading})


def _day(row: TherapySession) -> str:
    return date_format(row.date, "SHORT_DATE_FORMAT")


def _session(request: HttpRequest, pk: int, session: int) -> tuple[Referral, TherapySession]:
    referral = referral_for_user(request.user, pk)
    return referral, get_object_or_404(TherapySession, pk=session, referral=referral)


@therapist_required
def session_correct(request: HttpRequest, pk: int, session: int) -> HttpResponse:
    referral, row = _session(request, pk, session)
    if row.group is not None:
        return redirect("therapy:group_session_correct", pk=referral.pk, session=row.pk)
    blocked = _gate(request, referral, row)
    if blocked:
        return blocked
    form = SessionCorrectionForm(request.POST or None, instance=row)

    def save(data):
        corrections.session_correct(
            referral=referral, session_id=row.pk, data=data, reason=data["reason"], by=request.user
        )

    context = {
        "heading": _("Correct the session of %(date)s") % {"date": _day(row)},
        "session_fields": True,
    }
    return _page(request, form, referral, save, context)


@therapist_required
def group_session_correct(request: HttpRequest, pk: int, session: int) -> HttpResponse:
    """The shared values of a group session, corrected on every attendee's row."""
    referral, row = _session(request, pk, session)
    if row.group is None:
        raise Http404
    blocked = _gate(request, referral, row)
    if blocked:
        return blocked
    rows = list(
        TherapySession.objects.filter(group=row.group, withdrawn_at=None)
        .select_related("referral__patient")
        .order_by("referral__patient__surname", "pk")
    )
    # The form shows the group's shared values: an attendee's row, whichever patient's page the
    # correction was opened from (found by a try-out: opened from a no-show's row, the empty
    # form blanked every attendee's minutes and distance).
    shown = next((r for r in rows if r.attendance == TherapySession.Attendance.ATTENDED), row)
    form = GroupSessionCorrectionForm(request.POST or None, instance=shown)

    def save(data):
        corrections.group_session_correct(
            session=row, data=data, reason=data["reason"], by=request.user
        )
        # One access-log row per patient whose record the correction changed.
        for patient_id in sorted({r.referral.patient_id for r in rows}):
            access_log_for_request(
                request, action=AccessLog.Action.CHANGE, part="session", patient_id=patient_id
            )
        mark_logged(request)

    context = {
        "heading": _("Correct the group session of %(date)s") % {"date": _day(row)},
        "session_fields": True,
        "attendees": [r.referral.patient.full_name for r in rows],
    }
    return _page(request, form, referral, save, context)


@therapist_required
def session_withdraw(request: HttpRequest, pk: int, session: int) -> HttpResponse:
    """A session logged by mistake: withdrawn with a reason, never deleted."""
    referral, row = _session(request, pk, session)
    blocked = _gate(request, referral, row)
    if blocked:
        return blocked
    form = WithdrawForm(request.POST or None)

    def save(data):
        corrections.session_withdraw(
            referral=referral, session_id=row.pk, reason=data["reason"], by=request.user
        )

    context = {
        "heading": _("Withdraw the session of %(date)s") % {"date": _day(row)},
        "withdraw": True,
    }
    return _page(request, form, referral, save, context)


@therapist_required
def questionnaire_correct(request: HttpRequest, pk: int, response: int) -> HttpResponse:
    """A questionnaire as entered, corrected: the answers re-scored, the old ones kept."""
    referral = referral_for_user(request.user, pk)
    row = get_object_or_404(QuestionnaireResponse, pk=response, referral=referral)
    blocked = _gate(request, referral, row)
    if blocked:
        return blocked
    instrument = INSTRUMENTS[row.instrument]
    form = QuestionnaireCorrectionForm(
        request.POST or None,
        response=row,
        instrument=instrument,
        start=referral.week_zero,
        week=row.week,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            corrections.questionnaire_correct(
                referral=referral,
                response_id=row.pk,
                answers=form.answers,
                completed_on=data["completed_on"],
                difficulty=data.get("difficulty"),
                outside_window=data["outside_window"],
                outside_window_reason=data["outside_window_reason"],
                reason=data["reason"],
                by=request.user,
            )
        except InvalidAnswers as exc:
            form.add_answer_errors(exc.errors)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, CORRECTED)
            return redirect("referrals:detail", pk=referral.pk)
    context = {
        "referral": referral,
        "instrument": instrument,
        "week": row.week,
        "form": form,
        "attribution": ATTRIBUTION,
        "correcting": True,
    }
    return render(request, "outcomes/enter.html", context)
