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
from .forms import QuestionnaireForm
from .instruments import ALERT_LABELS, INSTRUMENTS, InvalidAnswers


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
                "Safety alert: %(alert)s. The GP sees it in Loopbaan now and is sent an "
                "e-mail. Act according to your safety protocol."
            )
            % {"alert": ALERT_LABELS.get(alert.code, alert.code)},
        )


@gp_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_for_user(request.user, pk)
    if services.alert_acknowledge(alert=alert, by=request.user):
        messages.success(request, _("Safety alert acknowledged."))
    else:
        refuse(request, _("This safety alert had already been acknowledged."), messages.INFO)
    return redirect("referrals:detail", pk=alert.referral_id)
