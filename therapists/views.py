"""The therapist's own profile page (the GP's search of the register is referrals:therapist)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import therapist_required

from .forms import ProfileForm
from .models import Therapist
from .services import therapist_profile_update


@therapist_required
def profile(request: HttpRequest) -> HttpResponse:
    therapist = Therapist.objects.filter(user=request.user).first()
    if therapist is None:
        raise Http404
    form = ProfileForm(request.POST or None, instance=therapist)
    if request.method == "POST" and form.is_valid():
        therapist_profile_update(therapist=therapist, data=form.cleaned_data)
        messages.success(
            request, _("Your profile is saved. GPs see it when they choose a therapist.")
        )
        return redirect("therapists:profile")
    return render(request, "therapists/profile.html", {"form": form, "therapist": therapist})
