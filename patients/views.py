from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.audit import access_log_for_patient, access_log_for_request
from accounts.models import AccessLog, User
from accounts.permissions import gp_required, role_required

from . import pages
from .corrections import CorrectionError, patient_correct, patient_correction_refusal
from .forms import PatientCorrectionForm, PatientForm, PatientSearchForm
from .selectors import patient_for_user, patients_visible_to


@gp_required
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search by name, date of birth or BSN. The search is POSTed so a BSN never sits in a URL."""
    patients = patients_visible_to(request.user)
    form = PatientSearchForm(request.POST or None)
    searched = False
    if request.method == "POST" and form.is_valid():
        searched = True
        kind, value = form.parsed()
        if kind == "bsn":
            patients = patients.filter(bsn=value)
        elif kind == "dob":
            patients = patients.filter(date_of_birth=value)
        else:
            for word in value.split():
                patients = patients.filter(
                    Q(surname__icontains=word)
                    | Q(first_name__icontains=word)
                    | Q(tussenvoegsel__icontains=word)
                )
    page = Paginator(patients.order_by("surname", "first_name", "pk"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "patients/list.html", {"form": form, "page": page, "searched": searched})


@gp_required
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, practice=request.user.practice)
    if request.method == "POST" and form.is_valid():
        patient = form.save()
        messages.success(request, _("Patient registered."))
        return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form})


@role_required(User.Role.GP, User.Role.THERAPIST)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for_user(request.user, pk)
    context = {"patient": patient}
    context |= pages.context(pages.PATIENT_DETAIL, request=request, patient=patient)
    if request.user.role == User.Role.GP:
        # Who looked at this record (NEN 7513); looking at that list is itself logged.
        context["access_log"] = access_log_for_patient(patient.pk)
        access_log_for_request(
            request, action=AccessLog.Action.VIEW, part="access_log", patient_id=patient.pk
        )
    return render(request, "patients/detail.html", context)


@gp_required
def patient_correct_details(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the patient's details: the form pre-filled, a reason required, the old values kept
    (patients.corrections). Any GP of the practice may; another practice's patient is a 404."""
    patient = patient_for_user(request.user, pk)
    if patient_correction_refusal(patient=patient, by=request.user):
        raise PermissionDenied
    form = PatientCorrectionForm(
        request.POST or None, instance=patient_for_user(request.user, pk), practice=patient.practice
    )
    if request.method == "POST" and form.is_valid():
        try:
            patient_correct(
                patient=patient,
                corrected=form.save(commit=False),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except CorrectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Patient details corrected. The old values are kept."))
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/correct.html", {"form": form, "patient": patient})
