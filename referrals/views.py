from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import note_patient, refuse
from accounts.models import User
from accounts.permissions import gp_required, role_required, therapist_required
from accounts.services import colleagues_awaiting
from core.exceptions import DomainError
from patients.selectors import patient_for_user
from therapists.models import Therapist
from therapists.selectors import therapists_choosable
from therapists.services import network_toggle

from . import follow_up_corrections, pages, progress, risk, selectors, services
from .exceptions import NotReadyToSend, OpenReferralExists, ReferralError
from .fitness_form import FitnessCheckForm
from .follow_up import FollowUp
from .forms import (
    FollowUpCorrectionForm,
    FollowUpForm,
    MedicationFormSet,
    ReasonForm,
    ReferralForm,
    TherapistSearchForm,
    closing_allowed,
)
from .letters import render_information_sheet, render_referral_letter
from .models import FitnessCheck, ReferralDocument, Status

PDF_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """A PDF that no cache keeps and no browser sniffs into something else."""
    response = HttpResponse(bytes(content), content_type="application/pdf", headers=PDF_HEADERS)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@gp_required
def worklist(request: HttpRequest) -> HttpResponse:
    referrals = selectors.gp_worklist(gp=request.user)
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    sections = selectors.sections(page.object_list, selectors.GP_GROUP_LABELS)
    context = {"page": page, "sections": sections}
    context["colleagues_waiting"] = colleagues_awaiting(user=request.user).count()
    context |= pages.context(pages.GP_WORKLIST, request=request, referrals=page.object_list)
    return render(request, "referrals/worklist.html", context)


@therapist_required
def incoming(request: HttpRequest) -> HttpResponse:
    referrals = selectors.therapist_worklist(user=request.user)
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    # The parts first: the caseload's tasks are set on the rows before they are grouped.
    parts = pages.context(pages.THERAPIST_HOME, request=request, referrals=page.object_list)
    sections = selectors.sections(page.object_list, selectors.THERAPIST_GROUP_LABELS)
    # Unverified, the home says so and what the administrator checks (therapists/_verification).
    therapist = Therapist.objects.filter(user=request.user).only("is_verified").first()
    context = {"page": page, "sections": sections, "therapist": therapist, **parts}
    return render(request, "referrals/incoming.html", context)


@therapist_required
def past_clients(request: HttpRequest) -> HttpResponse:
    """The therapist's past clients: what they treated, read only (their treatment record)."""
    page = Paginator(selectors.past_clients(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "referrals/past_clients.html", {"page": page})


@role_required(User.Role.GP, User.Role.THERAPIST)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_page_for_user(
        request.user,
        pk,
        related=pages.related(pages.REFERRAL_DETAIL),
        annotate=pages.annotations(pages.REFERRAL_DETAIL),
    )
    note_patient(request, referral.patient_id)  # the access log needs no query of its own
    if services.referral_mark_opened(referral=referral, by=request.user):
        referral.refresh_from_db(fields=["opened_at"])
    documents = list(referral.documents.defer("content"))
    context = {
        "referral": referral,
        "timeline": selectors.timeline(referral),
        "fitness_check": selectors.part_of(referral, "fitness_check"),
        "letter": selectors.letter_shown(request.user, referral, documents),
        # The GP's own consultation after the therapy: not part of the therapist's record.
        "follow_up": selectors.part_of(referral, "follow_up")
        if request.user.role == User.Role.GP
        else None,
        "follow_up_correctable": False,
        "problems": services.send_problems(referral)
        if referral.status in services.EDITABLE_STATUSES
        else [],
        "steps": progress.progress_steps(referral),
        "next_step": progress.next_step(referral, role=request.user.role),
        "can_cancel": request.user.role == User.Role.GP
        and referral.status != Status.DRAFT
        and referral.can_move_to(Status.CANCELLED),
    }
    context |= pages.context(
        pages.REFERRAL_DETAIL, request=request, referral=referral, documents=documents
    )
    if context["follow_up"] is not None:
        context["follow_up_correctable"] = not follow_up_corrections.follow_up_correction_refusal(
            follow_up=context["follow_up"], by=request.user
        )
    # The rooms' own steps (a safety alert raised, acknowledged) among the status changes.
    extra = [key for key in context if key.startswith(pages.TIMELINE_PREFIX)]
    context["timeline"] = sorted(
        context["timeline"] + [entry for key in extra for entry in context.pop(key)],
        key=lambda entry: entry["when"],
    )
    return render(request, "referrals/detail.html", context)


@gp_required
@require_POST
def start(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_pk)
    try:
        referral = services.referral_start(patient=patient, gp=request.user)
    except OpenReferralExists as exc:
        refuse(request, _("This patient already has an open referral: here it is."), messages.INFO)
        return redirect("referrals:detail", pk=exc.referral.pk)
    messages.success(
        request, _("Draft referral started. Fill in the referral, then the fitness check.")
    )
    return redirect("referrals:edit", pk=referral.pk)


def _editable_referral(request: HttpRequest, pk: int):
    referral = selectors.referral_for_user(request.user, pk)
    if referral.status not in services.EDITABLE_STATUSES:
        refuse(request, _("This referral has been sent and can no longer be changed."))
        return referral, redirect("referrals:detail", pk=referral.pk)
    return referral, None


@gp_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = _editable_referral(request, pk)
    if blocked:
        return blocked
    form = ReferralForm(request.POST or None, instance=referral)
    # A POST without the rows' management form (an older page, a script) leaves them as saved.
    rows_posted = "medication-TOTAL_FORMS" in request.POST
    medication = MedicationFormSet(
        request.POST if rows_posted else None, instance=referral, prefix="medication"
    )
    # Both or neither: a bad medication row keeps the whole form unsaved, with its message.
    if request.method == "POST" and all(
        [form.is_valid(), not rows_posted or medication.is_valid()]
    ):
        saved = services.referral_save_draft(
            referral=form.instance, by=request.user, medication=medication if rows_posted else None
        )
        messages.success(request, _("Referral saved as draft."))
        if saved.risk_needs_confirmation and not saved.risk_confirmed:
            messages.warning(request, str(risk.WARNING))
        if FitnessCheck.objects.filter(referral=referral).exists():
            return redirect("referrals:detail", pk=referral.pk)
        return redirect("referrals:fitness", pk=referral.pk)
    context = {"form": form, "medication": medication, "referral": referral}
    context["risk_warning"] = risk.WARNING if _risk_shown(form) else ""
    return render(request, "referrals/form.html", context)


def _risk_shown(form: ReferralForm) -> bool:
    """The form's answers as typed (or as saved): a yes on suicidality or psychosis."""
    if form.is_bound:
        data = form.data
        return "True" in (data.get("risk_suicidality"), data.get("risk_psychosis"))
    return form.instance.risk_needs_confirmation


@gp_required
def fitness(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = _editable_referral(request, pk)
    if blocked:
        return blocked
    instance = FitnessCheck.objects.filter(referral=referral).first()
    form = FitnessCheckForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        check = services.fitness_check_record(
            referral=referral, check=form.save(commit=False), by=request.user
        )
        problems = services.fitness_problems(check)
        if problems:
            messages.warning(request, " ".join([_("Activity check saved."), *problems]))
        else:
            messages.success(
                request, _("Activity check saved: %(outcome)s.") % {"outcome": check.outcome_label}
            )
        if referral.therapist_id is None:
            return redirect("referrals:therapist", pk=referral.pk)
        return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/fitness.html", {"form": form, "referral": referral})


@gp_required
def choose_therapist(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = _editable_referral(request, pk)
    if blocked:
        return blocked
    if request.method == "POST":
        raw = request.POST.get("therapist", "")
        # int() would also read "١٢٣", and refuses numbers of over 4,300 digits.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise Http404
        therapist_pk = int(raw)
        therapist = get_object_or_404(Therapist, pk=therapist_pk)
        try:
            services.referral_choose_therapist(
                referral=referral, therapist=therapist, by=request.user
            )
        except ReferralError as exc:
            refuse(request, str(exc))
            return redirect("referrals:therapist", pk=referral.pk)
        messages.success(request, _("Therapist chosen."))
        return redirect("referrals:detail", pk=referral.pk)
    form = TherapistSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    therapists = therapists_choosable(practice=request.user.practice, **filters)
    page = Paginator(therapists, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/therapist.html",
        {
            "form": form,
            "page": page,
            "referral": referral,
            "declined_by": services.declined_by(referral),
        },
    )


@gp_required
@require_POST
def network(request: HttpRequest, pk: int, therapist_pk: int) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, pk)
    therapist = get_object_or_404(Therapist, pk=therapist_pk, is_verified=True)
    added = network_toggle(practice=request.user.practice, therapist=therapist, by=request.user)
    name = therapist.user.get_full_name()
    if added:
        messages.success(request, _("%(name)s is now in your practice's network.") % {"name": name})
    else:
        messages.success(request, _("%(name)s was taken out of your network.") % {"name": name})
    return redirect("referrals:therapist", pk=referral.pk)


@gp_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter as it would be sent now; nothing is stored."""
    referral = selectors.referral_for_user(request.user, pk)
    return pdf_response(render_referral_letter(referral), f"verwijsbrief-{referral.pk}-concept.pdf")


@gp_required
def send(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = _editable_referral(request, pk)
    if blocked:
        return blocked
    problems = services.send_problems(referral)
    if request.method == "POST":
        try:
            referral = services.referral_send(referral=referral, by=request.user)
        except NotReadyToSend as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("Referral sent to %(name)s.") % {"name": referral.therapist.user.get_full_name()},
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/send.html", {"referral": referral, "problems": problems})


@role_required(User.Role.GP, User.Role.THERAPIST)
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter exactly as it was sent (to a therapist: as it was sent to them)."""
    referral = selectors.referral_for_user(request.user, pk)
    document = selectors.letter_for_user(request.user, referral)
    if document is None:
        raise Http404
    return pdf_response(document.content, f"verwijsbrief-{referral.pk}.pdf")


@gp_required
def information_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, pk)
    if referral.therapist is None:
        raise Http404
    return pdf_response(
        render_information_sheet(referral), f"informatie-runningtherapie-{referral.pk}.pdf"
    )


@gp_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, pk)
    if not referral.can_move_to(Status.CANCELLED):
        refuse(request, _("This referral can no longer be cancelled."))
        return redirect("referrals:detail", pk=referral.pk)
    # A draft was never sent: nobody else has seen it, so discarding it needs no reason.
    draft = referral.status == Status.DRAFT
    form = ReasonForm(request.POST or None, required=not draft)
    if request.method == "POST" and form.is_valid():
        services.referral_cancel(
            referral=referral, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Draft discarded.") if draft else _("Referral cancelled."))
        return redirect("referrals:detail", pk=referral.pk)
    return render(
        request, "referrals/cancel.html", {"form": form, "referral": referral, "draft": draft}
    )


# --- The therapist's side -------------------------------------------------------------------


def therapist_step(request: HttpRequest, pk: int, allowed: tuple[str, ...]):
    """The referral sent to the therapist now (404 otherwise: a past client is read only), or a
    redirect with a message when this step doesn't fit."""
    referral = selectors.referral_for_user(request.user, pk, acting=True)
    if referral.status not in allowed:
        refuse(request, _("This step does not fit the referral's current status."))
        return referral, redirect("referrals:detail", pk=referral.pk)
    return referral, None


@therapist_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = therapist_step(request, pk, (Status.SENT,))
    if blocked:
        return blocked
    try:
        services.referral_accept(referral=referral, by=request.user)
    except ReferralError as exc:  # e.g. a double click: the first request already moved it
        refuse(request, str(exc))
        return redirect("referrals:detail", pk=referral.pk)
    messages.success(request, _("Referral accepted. Plan the intake with the patient."))
    return redirect("referrals:detail", pk=referral.pk)


@therapist_required
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    referral, blocked = therapist_step(request, pk, (Status.SENT,))
    if blocked:
        return blocked
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_decline(
                referral=referral, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ReferralError as exc:
            refuse(request, str(exc))
            return redirect("referrals:detail", pk=referral.pk)
        messages.success(
            request, _("Referral declined. The GP sees it in Loopbaan and is sent an e-mail.")
        )
        return redirect("referrals:incoming")
    return render(request, "referrals/decline.html", {"form": form, "referral": referral})


@role_required(User.Role.GP, User.Role.THERAPIST)
def document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A stored letter back to the GP (PDF), exactly as it was sent."""
    referral = selectors.referral_for_user(request.user, pk)
    if kind not in ReferralDocument.Kind.values or kind == ReferralDocument.Kind.LETTER:
        raise Http404
    stored = referral.documents.filter(kind=kind).first()
    if stored is None:
        raise Http404
    return pdf_response(stored.content, f"{kind.replace('_', '-')}-{referral.pk}.pdf")


@role_required(User.Role.GP, User.Role.THERAPIST)
def addendum(request: HttpRequest, pk: int, document: int) -> HttpResponse:
    """An addendum to a letter back (therapy.addenda), exactly as it was sent."""
    referral = selectors.referral_for_user(request.user, pk)
    stored = get_object_or_404(referral.documents, pk=document, kind=ReferralDocument.Kind.ADDENDUM)
    return pdf_response(stored.content, f"addendum-{referral.pk}-{stored.pk}.pdf")


@gp_required
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, pk)
    refusal = services.follow_up_refusal(referral)
    if refusal:
        refuse(request, refusal)
        return redirect("referrals:detail", pk=referral.pk)
    data = request.POST if request.method == "POST" else None
    form = FollowUpForm(data, referral=referral)
    # The PHQ-9 and GAD-7 are outcomes' forms (referrals.pages.follow_up_part): all valid or
    # nothing saved.
    parts = pages.follow_up_forms(data=data, referral=referral)
    valid = [f.is_valid() for f in (form, *parts.values())] if data is not None else [False]
    if all(valid):
        valid.append(closing_allowed(form, risks=pages.follow_up_risks(forms=parts)))
    if all(valid):
        try:
            moved = services.follow_up_record(
                referral=referral, follow_up=form.save(commit=False), by=request.user, forms=parts
            )
        except DomainError as exc:
            refuse(request, str(exc))
            return redirect("referrals:detail", pk=referral.pk)
        if moved.status == Status.FOLLOWED_UP:
            messages.success(request, _("Follow-up saved. The referral is closed."))
        else:
            messages.success(
                request,
                _("Follow-up saved. The referral closes when the therapist closes the therapy."),
            )
        return redirect("referrals:detail", pk=referral.pk)
    context = {
        "form": form,
        "questionnaire_forms": list(parts.values()),
        "referral": referral,
        "end_report": referral.documents.filter(kind=ReferralDocument.Kind.END_LETTER_BACK)
        .defer("content")
        .first(),
        **pages.context(pages.FOLLOW_UP, request=request, referral=referral),
    }
    return render(request, "referrals/follow_up.html", context)


@gp_required
def follow_up_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow-up as recorded, corrected by its GP within 30 days; the old values are kept."""
    referral = selectors.referral_for_user(request.user, pk)
    recorded = get_object_or_404(FollowUp, referral=referral)
    refusal = follow_up_corrections.follow_up_correction_refusal(
        follow_up=recorded, by=request.user
    )
    if refusal:
        refuse(request, refusal)
        return redirect("referrals:detail", pk=referral.pk)
    data = request.POST if request.method == "POST" else None
    form = FollowUpCorrectionForm(data, instance=recorded, referral=referral)
    parts = pages.follow_up_correction_forms(data=data, follow_up=recorded)
    valid = [f.is_valid() for f in (form, *parts.values())] if data is not None else [False]
    if all(valid):
        valid.append(closing_allowed(form, risks=pages.follow_up_risks(forms=parts)))
    if all(valid):
        try:
            follow_up_corrections.follow_up_correct(
                referral=referral,
                corrected=form.save(commit=False),
                reason=form.cleaned_data["reason"],
                by=request.user,
                forms=parts,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Correction saved. The old values are kept on the referral's timeline.")
            )
            return redirect("referrals:detail", pk=referral.pk)
    context = {
        "form": form,
        "questionnaire_forms": list(parts.values()),
        "referral": referral,
        "correcting": True,
        "correctable_until": follow_up_corrections.correctable_until(recorded),
        "end_report": referral.documents.filter(kind=ReferralDocument.Kind.END_LETTER_BACK)
        .defer("content")
        .first(),
        **pages.context(pages.FOLLOW_UP, request=request, referral=referral),
    }
    return render(request, "referrals/follow_up.html", context)
