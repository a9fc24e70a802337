from datetime import timedelta
from itertools import groupby

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from patients.models import Patient
from patients.selectors import PATIENT_SCOPES

from .models import OPEN_STATUSES, Referral, ReferralDocument, ReferralRecipient, Status
from .recipients import readable_by, sent_now_to


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related("patient", "gp", "therapist__user", "practice")


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """What the user may read. GPs: their practice's referrals. Therapists: what was sent to
    them and is with them now, and what they treated (read only once closed); never a referral
    only chosen for them, nor one they declined (referrals.recipients)."""
    if user.awaits_practice_confirmation:
        return _base().none()  # not yet confirmed by a GP of the practice
    if user.role == User.Role.GP:
        return _base().filter(practice_id=user.practice_id)
    if user.role == User.Role.THERAPIST:
        return _base().filter(readable_by(user))
    return _base().none()


def referrals_in_care_of(user: User) -> QuerySet[Referral]:
    """What the user may act on. GPs: their practice's referrals (each step checks its status).
    Therapists: only what is sent to them now; a past client is read only."""
    if user.role == User.Role.GP:
        return referrals_visible_to(user)
    if user.role == User.Role.THERAPIST:
        return _base().filter(sent_now_to(user))
    return _base().none()


def patients_referred_to(user: User) -> QuerySet[Patient]:
    """A therapist's patients: those of the referrals they may see."""
    return Patient.objects.filter(pk__in=referrals_visible_to(user).values("patient_id"))


def register_patient_scope() -> None:
    PATIENT_SCOPES[User.Role.THERAPIST] = patients_referred_to


def referral_for_user(user: User, pk: int, *, acting: bool = False) -> Referral:
    """The referral, or 404 when it lies outside what the user may see (`acting`: what the
    user may act on, see `referrals_in_care_of`)."""
    scope = referrals_in_care_of(user) if acting else referrals_visible_to(user)
    return get_object_or_404(scope, pk=pk)


#: The referral's own one-to-one parts that its page shows, read in the same query.
PAGE_PARTS = ("fitness_check", "follow_up")


def referral_page_for_user(
    user: User, pk: int, *, related: tuple[str, ...] = (), annotate: dict | None = None
) -> Referral:
    """`referral_for_user` with the parts its page shows joined in: one query, not five.

    `related`: the one-to-one parts that other apps contribute to the page (referrals.pages);
    `annotate`: their annotations (subqueries of rows of their own).
    A therapist's referral carries `letter_sent_id`: the letter they were sent (`letter_shown`).
    """
    referrals = (
        referrals_visible_to(user)
        .select_related(
            *PAGE_PARTS, *related, "fitness_check__checked_by", "therapist__verified_by"
        )
        .prefetch_related("medications")
    )
    if annotate:
        referrals = referrals.annotate(**annotate)
    if user.role == User.Role.THERAPIST:
        letter = _letter_sent_to(user, OuterRef("pk"))
        referrals = referrals.annotate(letter_sent_id=Subquery(letter))
    return get_object_or_404(referrals, pk=pk)


def _letter_sent_to(user: User, referral) -> QuerySet[ReferralRecipient]:
    """The letter (id) of the user's latest send of `referral` (a Referral or an OuterRef)."""
    return (
        ReferralRecipient.objects.filter(referral=referral, therapist__user=user)
        .order_by("-sent_at", "-pk")
        .values("letter_id")[:1]
    )


def letter_shown(user: User, referral: Referral, documents: list[ReferralDocument]):
    """The referral letter the user gets, from the referral's `documents`: a GP the latest one,
    a therapist the one sent to them (a later letter to another therapist is not theirs).
    `referral` comes from `referral_page_for_user`."""
    letters = [d for d in documents if d.kind == ReferralDocument.Kind.LETTER]
    if user.role == User.Role.THERAPIST:
        return next((d for d in letters if d.pk == referral.letter_sent_id), None)
    return letters[0] if letters else None


def letter_for_user(user: User, referral: Referral) -> ReferralDocument | None:
    """The stored letter the user may download (see `letter_shown`), content included."""
    if user.role == User.Role.THERAPIST:
        letter_id = _letter_sent_to(user, referral)
        return ReferralDocument.objects.filter(pk__in=letter_id, referral=referral).first()
    return referral.documents.filter(kind=ReferralDocument.Kind.LETTER).first()


def part_of(referral: Referral, name: str):
    """A one-to-one part of the referral (say "fitness_check"), or None when it has none."""
    try:
        return getattr(referral, name)
    except ObjectDoesNotExist:
        return None


GP_GROUP_LABELS = {
    0: _("Not cleared at the screening: back with you"),
    1: _("Drafts: not sent yet"),
    2: _("Declined: choose another therapist"),
    3: _("Therapy ended: follow-up due"),
    4: _("Waiting for the therapist"),
    5: _("In therapy"),
}
THERAPIST_GROUP_LABELS = {
    1: _("New referrals: accept or decline"),
    2: _("Accepted: plan the intake"),
    3: _("Intake done: screening and start"),
    4: _("In therapy"),
}


def sections(referrals, labels: dict[int, str]) -> list[tuple[str, list[Referral]]]:
    """Split an ordered page of referrals (annotated with `group`) into labelled sections."""
    return [(labels[key], list(rows)) for key, rows in groupby(referrals, key=lambda r: r.group)]


WORKLIST_GROUPS = {
    Status.NOT_CLEARED: 0,
    Status.DRAFT: 1,
    Status.DECLINED: 2,
    Status.COMPLETED: 3,
    Status.STOPPED: 3,
    Status.SENT: 4,
    Status.ACCEPTED: 4,
    Status.INTAKE_DONE: 5,
    Status.IN_THERAPY: 5,
}


def _group_order() -> Case:
    return Case(
        *[When(status=status, then=Value(order)) for status, order in WORKLIST_GROUPS.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


#: How long a referral the screening did not clear stays on the GP's worklist, unless the GP
#: refers the patient again sooner (found in a try-out: it was on no list at all).
NOT_CLEARED_SHOWN_FOR = timedelta(days=90)


def back_with_gp() -> Q:
    """Not cleared at the screening, recently, and the patient not referred again since."""
    referred_again = Referral.objects.filter(
        patient_id=OuterRef("patient_id"), created_at__gt=OuterRef("created_at")
    )
    return Q(
        status=Status.NOT_CLEARED,
        not_cleared_at__gte=timezone.now() - NOT_CLEARED_SHOWN_FOR,
    ) & ~Q(Exists(referred_again))


def gp_worklist(*, gp: User) -> QuerySet[Referral]:
    """The GP's open referrals, grouped by what waits on whom, newest first within a group;
    first the ones the screening sent back to the GP (`back_with_gp`)."""
    return (
        referrals_visible_to(gp)
        .filter(Q(status__in=OPEN_STATUSES) | back_with_gp(), gp=gp)
        .annotate(group=_group_order())
        .order_by("group", "-created_at", "-pk")
    )


THERAPIST_GROUPS = {Status.SENT: 1, Status.ACCEPTED: 2, Status.INTAKE_DONE: 3, Status.IN_THERAPY: 4}


#: What a caseload row and its tasks read (tests count the queries, so a missing field shows).
CASELOAD_FIELDS = (
    "status",
    "sent_at",
    "intake_date",
    "therapy_start",
    "patient__surname",
    "patient__initials",
    "patient__tussenvoegsel",
    "gp__first_name",
    "gp__last_name",
    "therapist_id",
    "practice_id",
)


def therapist_worklist(*, user: User) -> QuerySet[Referral]:
    """What waits for the therapist: new referrals first, then intakes, then patients in therapy."""
    return (
        referrals_in_care_of(user)
        .filter(status__in=THERAPIST_GROUPS)
        .annotate(
            group=Case(
                *[When(status=s, then=Value(o)) for s, o in THERAPIST_GROUPS.items()],
                output_field=IntegerField(),
            )
        )
        .order_by("group", "-sent_at", "-pk")
        # The caseload shows a name, the GP, dates and tasks: not the referral's clinical texts,
        # which would make each row many times heavier to load. The tasks come from
        # therapy.selectors.caseload_tasks, which reads only which questionnaires and letters exist.
        .select_related(None)
        .select_related("patient", "gp")
        .only(*CASELOAD_FIELDS)
    )


#: When the therapist's part ended: the therapy's end, the screening's "no", or the cancelling.
ENDED_AT = ("completed_at", "stopped_at", "not_cleared_at", "cancelled_at")


def past_clients(*, user: User) -> QuerySet[Referral]:
    """The therapist's past clients: referrals they treated whose therapy is over (ended,
    followed up, not cleared, or cancelled after the intake), most recently ended first.
    Read only: nothing here is theirs to act on (`referrals_in_care_of`)."""
    return (
        referrals_visible_to(user)
        .exclude(status__in=THERAPIST_GROUPS)
        .annotate(ended_at=Coalesce(*ENDED_AT))
        .order_by("-ended_at", "-pk")
        .select_related(None)
        .select_related("patient", "gp")
        .only(*CASELOAD_FIELDS, *ENDED_AT)
    )


def timeline(referral: Referral) -> list[dict]:
    """The referral's history for its page: each status change, and the moment the therapist
    first opened it, in the order they happened."""
    entries = [
        {
            "label": event.get_to_status_display(),
            "when": event.created_at,
            # Events without a person behind them were made by the system.
            "by": (event.actor.get_full_name() if event.actor else "") or "Loopbaan",
            "note": event.note,
        }
        for event in referral.events.select_related("actor")
    ]
    if referral.opened_at:
        opened = _("Opened by the therapist")
        entries.append({"label": opened, "when": referral.opened_at, "by": "", "note": ""})
    return sorted(entries, key=lambda entry: entry["when"])
