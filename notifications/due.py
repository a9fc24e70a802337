"""The loose ends of every referral, derived from its dates: what is due, for whom, since when.

`due_items()` reads them from the database (a handful of set-based queries, whatever the number
of referrals); homes and the header badge use it scoped to one user (notifications.summary),
the daily sweep unscoped (notifications.sweep). One function per kind of loose end below.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outcomes.models import QuestionnaireResponse
from outcomes.recovery import deteriorated_at
from outcomes.services import DETERIORATION_WEEKS
from referrals.models import FollowUp, Referral, Status
from referrals.recipients import sent_now_to
from referrals.schedule import (
    ANSWER_WITHIN_WORKING_DAYS,
    CLOSE_REMINDER_WEEK,
    FOLLOW_UP_OVERDUE_AFTER,
    INTAKE_DUE_AFTER_ACCEPT,
    QUESTIONNAIRE_OVERDUE_AFTER,
    QUESTIONNAIRE_WEEKS,
    add_working_days,
    close_reminder_due,
    intake_due,
    questionnaire_due,
)
from therapy.models import TherapyLetter

from .models import Notification

Kind = Notification.Kind

# The therapist's letters back are due a week after the therapy starts (after intake) and a
# week after the week-5 questionnaires (progress).
INTAKE_REPORT_DUE_AFTER = timedelta(days=7)
PROGRESS_REPORT_DUE_AFTER_WEEK_5 = timedelta(days=7)
#: How long a reliable deterioration stays on the GP's home after the questionnaire's date.
DETERIORATION_SHOWN_FOR = timedelta(days=14)

LABELS = {
    Kind.REFERRAL_UNANSWERED: _("Answer the referral"),
    Kind.INTAKE_OVERDUE: _("Hold the intake"),
    Kind.QUESTIONNAIRE_DUE: _("Enter the questionnaires"),
    Kind.QUESTIONNAIRE_OVERDUE: _("Enter the questionnaires"),
    Kind.LETTER_BACK_DUE: _("Write the report to the GP"),
    Kind.FOLLOW_UP_DUE: _("Hold the follow-up"),
    Kind.FOLLOW_UP_OVERDUE: _("Hold the follow-up"),
    Kind.CLOSE_DUE: _("Close the therapy and send the end report"),
    Kind.DETERIORATION: _("Reliable deterioration: look at the scores"),
}
OVERDUE_KINDS = {
    Kind.QUESTIONNAIRE_OVERDUE,
    Kind.FOLLOW_UP_OVERDUE,
    Kind.INTAKE_OVERDUE,
    Kind.REFERRAL_UNANSWERED,
}


@dataclass(frozen=True)
class DueItem:
    referral_id: int
    kind: str
    due_date: date
    recipient_id: int
    patient_name: str = ""
    detail: str = ""
    age: int = 0  # days since it fell due

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])

    @property
    def overdue(self) -> bool:
        return self.kind in OVERDUE_KINDS


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _scoped(qs: QuerySet[Referral], gp: User | None, therapist: User | None) -> QuerySet:
    if gp is not None:
        qs = qs.filter(gp=gp)
    if therapist is not None:
        # The therapist field finds the rows by index; what was sent to them decides.
        qs = qs.filter(sent_now_to(therapist), therapist__user=therapist)
    return qs


#: What each row of a due-item query reads.
FIELDS = (
    "pk",
    "therapist__user_id",
    "gp_id",
    "patient__surname",
    "patient__initials",
    "patient__tussenvoegsel",
)


def _name(row: dict) -> str:
    rest = f"{row['patient__initials']} {row['patient__tussenvoegsel']}".strip()
    return f"{row['patient__surname']}, {rest}"


def due_items(
    *, today: date | None = None, gp: User | None = None, therapist: User | None = None
) -> list[DueItem]:
    """Every item due on or before `today`; scoped to one GP's or one therapist's referrals."""
    today = today or timezone.localdate()
    base = _scoped(Referral.objects.order_by(), gp, therapist)
    items: list[DueItem] = []
    if gp is None:  # the therapist's loose ends
        items += _unanswered_and_intakes(base, today)
        items += _questionnaires(base, today)
        items += _letters_back(base, today)
        items += _closes(base, today)
    if therapist is None:  # the GP's
        items += _follow_ups(base, today)
        items += _deteriorations(base, today)
    items = [replace(item, age=(today - item.due_date).days) for item in items]
    return sorted(items, key=lambda item: (item.due_date, item.referral_id, item.kind))


def _unanswered_and_intakes(base: QuerySet[Referral], today: date) -> list[DueItem]:
    items: list[DueItem] = []
    # Not answered after two working days: due on the third working day after sending.
    # Intake not held 7 ("spoedig") or 14 days after acceptance. One query for both.
    unanswered_before = _start_of(today - timedelta(days=ANSWER_WITHIN_WORKING_DAYS))
    soonest = min(INTAKE_DUE_AFTER_ACCEPT.values())
    intake_before = _start_of(today - soonest + timedelta(days=1))
    # The status as one IN, outside the OR on dates: PostgreSQL then finds the rows by
    # (therapist, status) instead of OR-ing two scans of the whole status index. The dates
    # only narrow the rows; the loop below decides what is due.
    waiting = base.filter(status__in=(Status.SENT, Status.ACCEPTED)).filter(
        Q(sent_at__lt=unanswered_before) | Q(accepted_at__lt=intake_before)
    )
    for row in waiting.values(*FIELDS, "status", "sent_at", "accepted_at", "urgency"):
        if row["status"] == Status.SENT:
            due = add_working_days(_local_day(row["sent_at"]), ANSWER_WITHIN_WORKING_DAYS + 1)
            if due <= today:
                items.append(
                    DueItem(
                        row["pk"],
                        Kind.REFERRAL_UNANSWERED,
                        due,
                        row["therapist__user_id"],
                        _name(row),
                    )
                )
        else:
            due = intake_due(_local_day(row["accepted_at"]), row["urgency"])
            if due > today:
                continue
            items.append(
                DueItem(row["pk"], Kind.INTAKE_OVERDUE, due, row["therapist__user_id"], _name(row))
            )
    return items


#: Week 0 of a referral in a query: the start of therapy; before the screening, the intake.
WEEK_ZERO = Coalesce("therapy_start", "intake_date")


def _questionnaires(base: QuerySet[Referral], today: date) -> list[DueItem]:
    items: list[DueItem] = []
    # Questionnaires due at weeks 0, 5 and 10 (counted from the start of therapy), overdue 7
    # days later: one query for the three weeks, the referrals with something missing in a week
    # that has come. Before the screening only week 0 (counted from the intake for now).
    statuses = {0: (Status.INTAKE_DONE, Status.IN_THERAPY)}
    entered, missing = {}, Q()
    for week in QUESTIONNAIRE_WEEKS:
        for code in ("PHQ-9", "GAD-7"):
            entered[f"q{week}_{code[:3]}"] = Exists(
                QuestionnaireResponse.objects.filter(
                    referral=OuterRef("pk"), week=week, instrument=code
                )
            )
        # Week 0 needs no more than the query's own filter; repeating a status condition
        # would make PostgreSQL underestimate the rows and pick a worse plan.
        came = (
            Q()
            if week == 0
            else Q(status=Status.IN_THERAPY, week_zero__lte=today - timedelta(weeks=week))
        )
        missing |= Q(~Q(**{f"q{week}_PHQ": True, f"q{week}_GAD": True}), came)
    qs = (
        base.filter(status__in=statuses[0])
        .annotate(week_zero=WEEK_ZERO)
        .filter(week_zero__lte=today)
        .annotate(**entered)
        .filter(missing)
    )
    for row in qs.values(*FIELDS, "status", "week_zero", *entered):
        for week in QUESTIONNAIRE_WEEKS:
            due = questionnaire_due(row["week_zero"], week)
            if (
                due > today
                or row["status"] not in statuses.get(week, (Status.IN_THERAPY,))
                or (row[f"q{week}_PHQ"] and row[f"q{week}_GAD"])
            ):
                continue
            detail = str(_("week %(week)s") % {"week": week})
            items.append(
                DueItem(
                    row["pk"],
                    Kind.QUESTIONNAIRE_DUE,
                    due,
                    row["therapist__user_id"],
                    _name(row),
                    detail,
                )
            )
            overdue = due + QUESTIONNAIRE_OVERDUE_AFTER + timedelta(days=1)
            if overdue <= today:
                items.append(
                    DueItem(
                        row["pk"],
                        Kind.QUESTIONNAIRE_OVERDUE,
                        overdue,
                        row["therapist__user_id"],
                        _name(row),
                        detail,
                    )
                )
    return items


def _letters_back(base: QuerySet[Referral], today: date) -> list[DueItem]:
    items: list[DueItem] = []
    # Letters back to the GP: after intake, and after week 5; one query for both.
    letters = (
        (TherapyLetter.Kind.INTAKE, INTAKE_REPORT_DUE_AFTER, _("report after intake")),
        (
            TherapyLetter.Kind.PROGRESS,
            timedelta(weeks=5) + PROGRESS_REPORT_DUE_AFTER_WEEK_5,
            _("progress report"),
        ),
    )
    sent = {
        f"sent_{n}": Exists(TherapyLetter.objects.filter(referral=OuterRef("pk"), kind=kind))
        for n, (kind, _offset, _detail) in enumerate(letters)
    }
    unsent = Q()
    for n, (_kind, offset, _detail) in enumerate(letters):
        unsent |= Q(**{f"sent_{n}": False, "week_zero__lte": today - offset})
    qs = (
        base.filter(status=Status.IN_THERAPY)
        .annotate(week_zero=WEEK_ZERO)
        .filter(week_zero__lte=today - letters[0][1])
        .annotate(**sent)
        .filter(unsent)
    )
    for row in qs.values(*FIELDS, "week_zero", *sent):
        for n, (_kind, offset, detail) in enumerate(letters):
            if row[f"sent_{n}"] or row["week_zero"] > today - offset:
                continue
            items.append(
                DueItem(
                    row["pk"],
                    Kind.LETTER_BACK_DUE,
                    row["week_zero"] + offset,
                    row["therapist__user_id"],
                    _name(row),
                    str(detail),
                )
            )
    return items


def _closes(base: QuerySet[Referral], today: date) -> list[DueItem]:
    """From week 12 on, a therapy still open: close it and send the end report."""
    qs = (
        base.filter(status=Status.IN_THERAPY)
        .annotate(week_zero=WEEK_ZERO)
        .filter(week_zero__lte=today - timedelta(weeks=CLOSE_REMINDER_WEEK))
    )
    return [
        DueItem(
            row["pk"],
            Kind.CLOSE_DUE,
            close_reminder_due(row["week_zero"]),
            row["therapist__user_id"],
            _name(row),
        )
        for row in qs.values(*FIELDS, "week_zero")
    ]


def _follow_ups(base: QuerySet[Referral], today: date) -> list[DueItem]:
    items: list[DueItem] = []
    # The GP's follow-up: due three months after the start of therapy (set when it starts), or
    # two weeks after a late close; overdue 14 days later. Due while the therapy is still open
    # too, until the GP has held it.
    qs = base.filter(
        status__in=(Status.IN_THERAPY, Status.COMPLETED, Status.STOPPED),
        follow_up_due__lte=today,
    ).exclude(Exists(FollowUp.objects.filter(referral=OuterRef("pk"))))
    for row in qs.values(*FIELDS, "follow_up_due"):
        due = row["follow_up_due"]
        items.append(DueItem(row["pk"], Kind.FOLLOW_UP_DUE, due, row["gp_id"], _name(row)))
        overdue = due + FOLLOW_UP_OVERDUE_AFTER + timedelta(days=1)
        if overdue <= today:
            items.append(
                DueItem(row["pk"], Kind.FOLLOW_UP_OVERDUE, overdue, row["gp_id"], _name(row))
            )
    return items


def _deteriorations(base: QuerySet[Referral], today: date) -> list[DueItem]:
    """A reliable deterioration at week 5 or 10 (outcomes.recovery) on a referral still open,
    for DETERIORATION_SHOWN_FOR after the questionnaire was entered (not its date: a paper form
    entered weeks later never showed, found in a clinician's try-out). One query: every total
    of the referrals with a recently entered week-5 or week-10 questionnaire."""
    since = _start_of(today - DETERIORATION_SHOWN_FOR)
    recent = QuestionnaireResponse.objects.filter(
        referral=OuterRef("pk"), week__in=DETERIORATION_WEEKS, created_at__gte=since
    )
    referrals = base.filter(status=Status.IN_THERAPY).filter(Exists(recent))
    people = {f"referral__{name}": name for name in FIELDS if name != "pk"}
    rows: dict[int, dict] = {}
    totals: dict[int, dict] = {}
    dates: dict[tuple[int, int], date] = {}
    entries: dict[tuple[int, int], date] = {}
    for row in QuestionnaireResponse.objects.filter(referral__in=referrals.values("pk")).values(
        "referral_id", "instrument", "week", "total", "completed_on", "created_at", *people
    ):
        pk = row["referral_id"]
        rows.setdefault(pk, {name: row[key] for key, name in people.items()})
        totals.setdefault(pk, {})[row["instrument"], row["week"]] = row["total"]
        # The item's date is the questionnaire's (as the GP's e-mail row has it, so the sweep
        # adds no second); how long it shows counts from when it was entered.
        day, entered = row["completed_on"], _local_day(row["created_at"])
        dates[pk, row["week"]] = max(day, dates.get((pk, row["week"]), day))
        entries[pk, row["week"]] = max(entered, entries.get((pk, row["week"]), entered))
    items = []
    for pk, row in rows.items():
        for week in DETERIORATION_WEEKS:
            day, entered = dates.get((pk, week)), entries.get((pk, week))
            if day is None or not today - DETERIORATION_SHOWN_FOR <= entered <= today:
                continue
            if deteriorated_at(totals[pk], week):
                detail = str(_("week %(week)s") % {"week": week})
                items.append(DueItem(pk, Kind.DETERIORATION, day, row["gp_id"], _name(row), detail))
    return items


def for_display(items: list[DueItem]) -> list[DueItem]:
    """One line per loose end: an overdue item hides the "due" item it grew out of."""
    overdue = {(i.referral_id, LABELS[i.kind], i.detail) for i in items if i.overdue}
    shown = [
        i for i in items if i.overdue or (i.referral_id, LABELS[i.kind], i.detail) not in overdue
    ]
    return sorted(shown, key=lambda item: (not item.overdue, item.due_date))
