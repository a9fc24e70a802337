from datetime import date
from itertools import groupby

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outcomes.models import QuestionnaireResponse

from .models import OPEN_STATUSES, Referral, Status, TherapyReport

# A draft was never sent; a declined referral waits for the GP to choose again, and a newly
# chosen therapist must not see it (nor the letter written to the previous one) before it is
# sent to them.
THERAPIST_HIDDEN = (Status.DRAFT, Status.DECLINED)


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """GPs see their practice's referrals; therapists those sent to them (never unsent ones)."""
    base = Referral.objects.select_related("patient", "gp", "therapist__user", "practice")
    if user.role == User.Role.GP:
        return base.filter(practice_id=user.practice_id)
    if user.role == User.Role.THERAPIST:
        return base.filter(therapist__user=user, sent_at__isnull=False).exclude(
            status__in=THERAPIST_HIDDEN
        )
    return base.none()


def referral_for_user(user: User, pk: int) -> Referral:
    """The referral, or 404 when it lies outside what the user may see."""
    return get_object_or_404(referrals_visible_to(user), pk=pk)


#: The one-to-one parts of a referral that its page shows, read in the same query.
PAGE_PARTS = ("fitness_check", "intake", "screening", "follow_up")


def referral_page_for_user(user: User, pk: int) -> Referral:
    """`referral_for_user` with the parts its page shows joined in: one query, not five."""
    return get_object_or_404(
        referrals_visible_to(user).select_related(
            *PAGE_PARTS, "fitness_check__checked_by", "therapist__verified_by"
        ),
        pk=pk,
    )


def part_of(referral: Referral, name: str):
    """A one-to-one part of the referral (say "fitness_check"), or None when it has none."""
    try:
        return getattr(referral, name)
    except ObjectDoesNotExist:
        return None


GP_GROUP_LABELS = {
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


def gp_worklist(*, gp: User) -> QuerySet[Referral]:
    """The GP's open referrals, grouped by what waits on whom, newest first within a group."""
    return (
        referrals_visible_to(gp)
        .filter(gp=gp, status__in=OPEN_STATUSES)
        .annotate(group=_group_order())
        .order_by("group", "-created_at", "-pk")
    )


THERAPIST_GROUPS = {Status.SENT: 1, Status.ACCEPTED: 2, Status.INTAKE_DONE: 3, Status.IN_THERAPY: 4}


#: What a caseload row and its tasks read (tests count the queries, so a missing field shows).
CASELOAD_FIELDS = (
    "status",
    "sent_at",
    "intake_date",
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
        referrals_visible_to(user)
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
        # `caseload_tasks`, which reads only which questionnaires and reports exist.
        .select_related(None)
        .select_related("patient", "gp")
        .only(*CASELOAD_FIELDS)
    )


def caseload_tasks(referrals: list[Referral], today: date | None = None) -> None:
    """Set `tasks` on each referral of a caseload page: two queries, whatever the page size."""
    ids = [referral.pk for referral in referrals]
    entered: dict[int, set[tuple[str, int]]] = {pk: set() for pk in ids}
    for referral_id, code, week in QuestionnaireResponse.objects.filter(
        referral_id__in=ids
    ).values_list("referral_id", "instrument", "week"):
        entered[referral_id].add((code, week))
    reports: dict[int, set[str]] = {pk: set() for pk in ids}
    for referral_id, kind in TherapyReport.objects.filter(referral_id__in=ids).values_list(
        "referral_id", "kind"
    ):
        reports[referral_id].add(kind)
    for referral in referrals:
        referral.tasks = therapist_tasks(
            referral, entered=entered[referral.pk], reports=reports[referral.pk], today=today
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


def progress_steps(referral: Referral) -> list[dict]:
    """The progress bar: fitness check -> letter -> sent -> intake -> therapy -> follow-up."""
    has_check = part_of(referral, "fitness_check") is not None
    reached = {
        "fitness": has_check,
        "letter": bool(referral.complaint and referral.question and referral.therapist_id),
        "sent": referral.sent_at is not None,
        "intake": referral.intake_done_at is not None,
        "therapy": referral.therapy_started_at is not None,
        "follow_up": referral.followed_up_at is not None,
    }
    labels = {
        "fitness": _("Fitness check"),
        "letter": _("Letter"),
        "sent": _("Sent"),
        "intake": _("Intake"),
        "therapy": _("Therapy"),
        "follow_up": _("Follow-up"),
    }
    steps, current_found = [], False
    for key, label in labels.items():
        done = reached[key]
        current = not done and not current_found
        current_found = current_found or current
        steps.append({"key": key, "label": label, "done": done, "current": current})
    return steps


def therapist_tasks(
    referral: Referral,
    *,
    entered: set[tuple[str, int]],
    reports: set[str],
    today: date | None = None,
) -> list[dict]:
    """What the therapist still has to do for one referral, with due dates, given the
    (instrument, week) pairs entered and the report kinds sent (see `caseload_tasks`)."""
    from .schedule import QUESTIONNAIRE_OVERDUE_AFTER, QUESTIONNAIRE_WEEKS, questionnaire_due

    today = today or timezone.localdate()
    tasks: list[dict] = []
    if referral.status == Status.SENT:
        tasks.append({"label": _("Accept or decline"), "due": None, "overdue": False})
    elif referral.status == Status.ACCEPTED:
        tasks.append({"label": _("Hold the intake"), "due": None, "overdue": False})
    elif referral.status == Status.INTAKE_DONE:
        tasks.append(
            {"label": _("Record the sports-medical screening"), "due": None, "overdue": False}
        )
    if referral.status in (Status.INTAKE_DONE, Status.IN_THERAPY) and referral.intake_date:
        for week in QUESTIONNAIRE_WEEKS:
            due = questionnaire_due(referral.intake_date, week)
            missing = [c for c in ("PHQ-9", "GAD-7") if (c, week) not in entered]
            if missing and due <= today:
                tasks.append(
                    {
                        "label": _("Questionnaires week %(week)s") % {"week": week},
                        "due": due,
                        "overdue": today > due + QUESTIONNAIRE_OVERDUE_AFTER,
                    }
                )
    if referral.status == Status.IN_THERAPY:
        if TherapyReport.Kind.INTAKE not in reports:
            tasks.append(
                {"label": _("Write the report after intake"), "due": None, "overdue": False}
            )
        week5 = referral.intake_date and questionnaire_due(referral.intake_date, 5)
        if TherapyReport.Kind.PROGRESS not in reports and week5 and week5 <= today:
            tasks.append({"label": _("Write the progress report"), "due": week5, "overdue": False})
    return tasks


def progress_report_allowed(referral: Referral, today: date | None = None) -> bool:
    from .schedule import questionnaire_due

    today = today or timezone.localdate()
    return bool(
        referral.status == Status.IN_THERAPY
        and referral.intake_date
        and questionnaire_due(referral.intake_date, 5) <= today
    )
