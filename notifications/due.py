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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outcomes.models import QuestionnaireResponse
from referrals.models import Referral, Status
from referrals.recipients import sent_now_to
from referrals.schedule import (
    ANSWER_WITHIN_WORKING_DAYS,
    FOLLOW_UP_OVERDUE_AFTER,
    INTAKE_DUE_AFTER_ACCEPT,
    QUESTIONNAIRE_OVERDUE_AFTER,
    QUESTIONNAIRE_WEEKS,
    add_working_days,
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

LABELS = {
    Kind.REFERRAL_UNANSWERED: _("Answer the referral"),
    Kind.INTAKE_OVERDUE: _("Hold the intake"),
    Kind.QUESTIONNAIRE_DUE: _("Enter the questionnaires"),
    Kind.QUESTIONNAIRE_OVERDUE: _("Enter the questionnaires"),
    Kind.LETTER_BACK_DUE: _("Write the report to the GP"),
    Kind.FOLLOW_UP_DUE: _("Hold the follow-up"),
    Kind.FOLLOW_UP_OVERDUE: _("Hold the follow-up"),
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
    if therapist is None:  # the GP's
        items += _follow_ups(base, today)
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


def _questionnaires(base: QuerySet[Referral], today: date) -> list[DueItem]:
    items: list[DueItem] = []
    # Questionnaires due at weeks 0, 5 and 10, overdue 7 days later: one query for the three
    # weeks, the referrals with something missing in a week that has come.
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
            else Q(status=Status.IN_THERAPY, intake_date__lte=today - timedelta(weeks=week))
        )
        missing |= Q(~Q(**{f"q{week}_PHQ": True, f"q{week}_GAD": True}), came)
    qs = (
        base.filter(status__in=statuses[0], intake_date__lte=today)
        .annotate(**entered)
        .filter(missing)
    )
    for row in qs.values(*FIELDS, "status", "intake_date", *entered):
        for week in QUESTIONNAIRE_WEEKS:
            due = questionnaire_due(row["intake_date"], week)
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
        unsent |= Q(**{f"sent_{n}": False, "intake_date__lte": today - offset})
    qs = (
        base.filter(status=Status.IN_THERAPY, intake_date__lte=today - letters[0][1])
        .annotate(**sent)
        .filter(unsent)
    )
    for row in qs.values(*FIELDS, "intake_date", *sent):
        for n, (_kind, offset, detail) in enumerate(letters):
            if row[f"sent_{n}"] or row["intake_date"] > today - offset:
                continue
            items.append(
                DueItem(
                    row["pk"],
                    Kind.LETTER_BACK_DUE,
                    row["intake_date"] + offset,
                    row["therapist__user_id"],
                    _name(row),
                    str(detail),
                )
            )
    return items


def _follow_ups(base: QuerySet[Referral], today: date) -> list[DueItem]:
    items: list[DueItem] = []
    # The GP's follow-up: due three months after the intake, overdue 14 days later.
    qs = base.filter(status__in=(Status.COMPLETED, Status.STOPPED), follow_up_due__lte=today)
    for row in qs.values(*FIELDS, "follow_up_due"):
        due = row["follow_up_due"]
        items.append(DueItem(row["pk"], Kind.FOLLOW_UP_DUE, due, row["gp_id"], _name(row)))
        overdue = due + FOLLOW_UP_OVERDUE_AFTER + timedelta(days=1)
        if overdue <= today:
            items.append(
                DueItem(row["pk"], Kind.FOLLOW_UP_OVERDUE, overdue, row["gp_id"], _name(row))
            )
    return items


def for_display(items: list[DueItem]) -> list[DueItem]:
    """One line per loose end: an overdue item hides the "due" item it grew out of."""
    overdue = {(i.referral_id, LABELS[i.kind], i.detail) for i in items if i.overdue}
    shown = [
        i for i in items if i.overdue or (i.referral_id, LABELS[i.kind], i.detail) not in overdue
    ]
    return sorted(shown, key=lambda item: (not item.overdue, item.due_date))
