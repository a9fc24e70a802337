from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import gp_required, manager_required, role_required, therapist_required

from . import selectors


@gp_required
def worklist(request: HttpRequest) -> HttpResponse:
    referrals = selectors.gp_worklist(gp=request.user)
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    sections = selectors.sections(page.object_list, selectors.GP_GROUP_LABELS)
    return render(request, "referrals/worklist.html", {"page": page, "sections": sections})


@therapist_required
def incoming(request: HttpRequest) -> HttpResponse:
    referrals = selectors.therapist_worklist(user=request.user)
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    sections = selectors.sections(page.object_list, selectors.THERAPIST_GROUP_LABELS)
    return render(request, "referrals/incoming.html", {"page": page, "sections": sections})


@role_required(User.Role.GP, User.Role.THERAPIST)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, pk)
    events = referral.events.select_related("actor")
    return render(request, "referrals/detail.html", {"referral": referral, "events": events})


@manager_required
def dashboard(request: HttpRequest) -> HttpResponse:
    practice = None if request.user.role == User.Role.ADMIN else request.user.practice
    months = selectors.monthly_referral_counts(practice=practice, months=12)
    return render(request, "referrals/dashboard.html", {"months": months, "practice": practice})
