from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import refuse
from accounts.permissions import gp_required, therapist_required
from core.exceptions import DomainError
from referrals.schedule import QUESTIONNAIRE_WEEKS
from referrals.selectors import referral_for_user

from . import selectors, services
from .alerts import describe
from .forms import AcknowledgeForm, QuestionnaireForm
from .instruments import ALERT_LABELS, ATTRIBUTION, INSTRUMENTS, InvalidAnswers


@therapist_required
def enter(request: HttpRequest, pk: int, code: str, week: int) -> HttpResponse:
    referral = referral_for_user(request.user, pk, acting=True)
    instrument = INSTRUMENTS.get(code)
    if instrument is None or week not in QUESTIONNAIRE_WEEKS:
        raise Http404
    entry = {"referral": referral, "instrument_code": code, "week": week, "by": request.user}
    if request.method != "POST":
        try:
            services.questionnaire_check_entry(**entry)
        except DomainError as exc:
            refuse(request, str(exc))
            return redirect("referrals:detail", pk=referral.pk)
    form = QuestionnaireForm(
        request.POST or None, instrument=instrument, start=referral.week_zero, week=week
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.questionnaire_record(
                **entry,
                answers=form.answers,
                completed_on=data["completed_on"],
                difficulty=data.get("difficulty"),
                outside_window=data["outside_window"],
                outside_window_reason=data["outside_window_reason"],
            )
        except InvalidAnswers as exc:
            form.add_answer_errors(exc.errors)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            _report_saved(request, response)
            return redirect("referrals:detail", pk=referral.pk)
    context = {"referral": referral, "instrument": instrument, "week": week, "form": form}
    context["attribution"] = ATTRIBUTION
    return render(request, "outcomes/enter.html", context)


def _report_saved(request: HttpRequest, response) -> None:
    messages.success(
        request,
        _("%(name)s week %(week)d saved: total score %(total)d (%(band)s).")
        % {
            "name": response.instrument,
            "week": response.week,
            "total": response.total,
            "band": selectors.band_label(response),
        },
    )
    alert = getattr(response, "safety_alert", None)  # cached when the service created one
    if alert is not None:
        messages.error(
            request,
            _(
                "Safety alert: %(alert)s. Assess the risk with the patient today; in acute "
                "danger call 112, and point to 113 Zelfmoordpreventie (0800-0113, 113.nl). "
                "Every GP of the practice sees the alert in Loopbaan now; the referring GP and "
                "the practice's address are sent an e-mail."
            )
            % {"alert": ALERT_LABELS.get(alert.code, alert.code)},
        )


@gp_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """A GP of the practice acknowledges the alert with a note of what was done. Without a
    note the alert's page answers with the message beside the field, and nothing is saved."""
    alert = selectors.alert_for_user(request.user, pk)
    if alert.acknowledged_at is None:
        form = AcknowledgeForm(request.POST, alert_pk=alert.pk)
        if not form.is_valid():
            (described,) = describe([alert])
            context = {"alert": described, "referral": alert.referral, "form": form}
            return render(request, "outcomes/acknowledge.html", context)
        if services.alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["note"]):
            messages.success(request, _("Safety alert acknowledged."))
            return redirect("referrals:detail", pk=alert.referral_id)
        alert.refresh_from_db()
    note = (request.POST.get("note") or "").strip()
    if note:
        # A colleague acknowledged it first (found in a try-out: the second GP's note was lost
        # with only "already acknowledged"). Show who did and what they wrote, and give this
        # GP's note back so that nothing they did goes unrecorded.
        (described,) = describe([alert])
        context = {"alert": described, "referral": alert.referral, "late_note": note}
        return render(request, "outcomes/acknowledged_meanwhile.html", context, status=409)
    refuse(request, _("This safety alert had already been acknowledged."), messages.INFO)
    return redirect("referrals:detail", pk=alert.referral_id)
