from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import gp_required, role_required

from .selectors import patient_for_user, patients_visible_to


@gp_required
def patient_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(patients_visible_to(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "patients/list.html", {"page": page})


@role_required(User.Role.GP, User.Role.THERAPIST)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for_user(request.user, pk)
    referrals = patient.referrals.select_related("gp", "therapist__user")
    if request.user.role == User.Role.THERAPIST:
        referrals = referrals.filter(therapist__user=request.user).exclude(status="draft")
    return render(request, "patients/detail.html", {"patient": patient, "referrals": referrals})
