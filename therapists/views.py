from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.permissions import therapist_required
from referrals.exceptions import ReferralError
from referrals.selectors import referral_for_user

from . import selectors, services
from .forms import GroupSessionForm, SessionForm


@therapist_required
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Log one session of one patient in therapy."""
    referral = referral_for_user(request.user, pk)
    refusal = services.session_refusal(referral=referral, by=request.user)
    if refusal:
        messages.warning(request, refusal)
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
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Session saved."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "therapists/session_form.html", {"form": form, "referral": referral})


@therapist_required
def session_group(request: HttpRequest) -> HttpResponse:
    """Log one session for several patients at once: one row each, sharing a group id."""
    referrals = selectors.referrals_in_therapy(user=request.user)
    form = GroupSessionForm(request.POST or None, referrals=referrals)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.session_log(
                referrals=form.chosen_referrals(),
                by=request.user,
                data=form.cleaned_data,
                attendance=form.attendance(),
            )
        except ReferralError as exc:
            form.add_error(None, str(exc))
        else:
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
    return render(request, "therapists/session_group.html", {"form": form})
