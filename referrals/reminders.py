"""The loose ends of every referral, derived from its dates, and the daily sweep that chases them.

`due_items()` reads them from the database (a handful of set-based queries, whatever the number
of referrals); homes and the header badge use it scoped to one user, the sweep unscoped. The
sweep turns due items into Notification rows (unique per referral, kind, due date and
recipient) and sends every unsent row once.
"""

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outcomes.models import QuestionnaireResponse, SafetyAlert

from . import notifications
from .models import Notification, Referral, ReminderRun, Status, TherapyReport
from .schedule import (
    ANSWER_WITHIN_WORKING_DAYS,
    FOLLOW_UP_OVERDUE_AFTER,
    INTAKE_DUE_AFTER_ACCEPT,
    QUESTIONNAIRE_OVERDUE_AFTER,
    QUESTIONNAIRE_WEEKS,
    add_working_days,
    questionnaire_due,
)

logger = logging.getLogger(__name__)
Kind = Notification.Kind

# The therapist's reports are due a week after the therapy starts (after intake) and a week
# after the week-5 questionnaires (progress).
INTAKE_REPORT_DUE_AFTER = timedelta(days=7)
PROGRESS_REPORT_DUE_AFTER_WEEK_5 = timedelta(days=7)

LABELS = {
    Kind.REFERRAL_UNANSWERED: _("Answer the referral"),
    Kind.INTAKE_OVERDUE: _("Hold the intake"),
    Kind.QUESTIONNAIRE_DUE: _("Enter the questionnaires"),
    Kind.QUESTIONNAIRE_OVERDUE: _("Enter the questionnaires"),
    Kind.REPORT_DUE: _("Write the report to the GP"),
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
        qs = qs.filter(therapist__user=therapist)
    return qs


def due_items(
    *, today: date | None = None, gp: User | None = None, therapist: User | None = None
) -> list[DueItem]:
    """Every item due on or before `today`; scoped to one GP's or one therapist's referrals."""
    today = today or timezone.localdate()
    base = _scoped(Referral.objects.order_by(), gp, therapist)
    fields = (
        "pk",
        "therapist__user_id",
        "gp_id",
        "patient__surname",
        "patient__initials",
        "patient__tussenvoegsel",
    )
    items: list[DueItem] = []

    def name(row) -> str:
        rest = f"{row['patient__initials']} {row['patient__tussenvoegsel']}".strip()
        return f"{row['patient__surname']}, {rest}"

    want_therapist = gp is None
    want_gp = therapist is None

    if want_therapist:
        # Not answered after two working days: due on the third working day after sending.
        # Intake not held 14 days after acceptance. One query for both.
        unanswered_before = _start_of(today - timedelta(days=ANSWER_WITHIN_WORKING_DAYS))
        intake_before = _start_of(today - INTAKE_DUE_AFTER_ACCEPT + timedelta(days=1))
        # The status as one IN, outside the OR on dates: PostgreSQL then finds the rows by
        # (therapist, status) instead of OR-ing two scans of the whole status index. The dates
        # only narrow the rows; the loop below decides what is due.
        waiting = base.filter(status__in=(Status.SENT, Status.ACCEPTED)).filter(
            Q(sent_at__lt=unanswered_before) | Q(accepted_at__lt=intake_before)
        )
        for row in waiting.values(*fields, "status", "sent_at", "accepted_at"):
            if row["status"] == Status.SENT:
                due = add_working_days(_local_day(row["sent_at"]), ANSWER_WITHIN_WORKING_DAYS + 1)
                if due <= today:
                    items.append(
                        DueItem(
                            row["pk"],
                            Kind.REFERRAL_UNANSWERED,
                            due,
                            row["therapist__user_id"],
                            name(row),
                        )
                    )
            else:
                due = _local_day(row["accepted_at"]) + INTAKE_DUE_AFTER_ACCEPT
                if due > today:
                    continue
                items.append(
                    DueItem(
                        row["pk"], Kind.INTAKE_OVERDUE, due, row["therapist__user_id"], name(row)
                    )
                )
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
        for row in qs.values(*fields, "status", "intake_date", *entered):
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
                        name(row),
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
                            name(row),
                            detail,
                        )
                    )
        # Reports to the GP: after intake, and after week 5; one query for both.
        reports = (
            (TherapyReport.Kind.INTAKE, INTAKE_REPORT_DUE_AFTER, _("report after intake")),
            (
                TherapyReport.Kind.PROGRESS,
                timedelta(weeks=5) + PROGRESS_REPORT_DUE_AFTER_WEEK_5,
                _("progress report"),
            ),
        )
        sent = {
            f"sent_{n}": Exists(TherapyReport.objects.filter(referral=OuterRef("pk"), kind=kind))
            for n, (kind, _offset, _detail) in enumerate(reports)
        }
        unsent = Q()
        for n, (_kind, offset, _detail) in enumerate(reports):
            unsent |= Q(**{f"sent_{n}": False, "intake_date__lte": today - offset})
        qs = (
            base.filter(status=Status.IN_THERAPY, intake_date__lte=today - reports[0][1])
            .annotate(**sent)
            .filter(unsent)
        )
        for row in qs.values(*fields, "intake_date", *sent):
            for n, (_kind, offset, detail) in enumerate(reports):
                if row[f"sent_{n}"] or row["intake_date"] > today - offset:
                    continue
                items.append(
                    DueItem(
                        row["pk"],
                        Kind.REPORT_DUE,
                        row["intake_date"] + offset,
                        row["therapist__user_id"],
                        name(row),
                        str(detail),
                    )
                )

    if want_gp:
        # The GP's follow-up: due three months after the intake, overdue 14 days later.
        qs = base.filter(status__in=(Status.COMPLETED, Status.STOPPED), follow_up_due__lte=today)
        for row in qs.values(*fields, "follow_up_due"):
            due = row["follow_up_due"]
            items.append(DueItem(row["pk"], Kind.FOLLOW_UP_DUE, due, row["gp_id"], name(row)))
            overdue = due + FOLLOW_UP_OVERDUE_AFTER + timedelta(days=1)
            if overdue <= today:
                items.append(
                    DueItem(row["pk"], Kind.FOLLOW_UP_OVERDUE, overdue, row["gp_id"], name(row))
                )
    items = [replace(item, age=(today - item.due_date).days) for item in items]
    return sorted(items, key=lambda item: (item.due_date, item.referral_id, item.kind))


def for_display(items: list[DueItem]) -> list[DueItem]:
    """One line per loose end: an overdue item hides the "due" item it grew out of."""
    overdue = {(i.referral_id, LABELS[i.kind], i.detail) for i in items if i.overdue}
    shown = [
        i for i in items if i.overdue or (i.referral_id, LABELS[i.kind], i.detail) not in overdue
    ]
    return sorted(shown, key=lambda item: (not item.overdue, item.due_date))


@dataclass(frozen=True)
class DueSummary:
    """What waits on one user: due items (one line per loose end) and, for a GP, open alerts."""

    items: list[DueItem]
    alerts: list[SafetyAlert]

    @property
    def count(self) -> int:
        """The header badge."""
        return len(self.items) + len(self.alerts)


def due_summary_for(user: User) -> DueSummary:
    """Due items and open safety alerts of a GP or a therapist; nothing for other roles."""
    if user.role == User.Role.GP:
        from outcomes.selectors import alerts_open_for_gp

        return DueSummary(for_display(due_items(gp=user)), list(alerts_open_for_gp(user)))
    if user.role == User.Role.THERAPIST:
        return DueSummary(for_display(due_items(therapist=user)), [])
    return DueSummary([], [])


def due_summary(request) -> DueSummary:
    """`due_summary_for(request.user)`, computed once per request: the header badge and the
    homes' lists of due items and alerts share it."""
    summary = getattr(request, "_due_summary", None)
    if summary is None:
        summary = request._due_summary = due_summary_for(request.user)
    return summary


def sweep(*, today: date | None = None, trigger: str = "command", deliver_inline: bool = True):
    """Record every due item as a Notification (once) and send every unsent one.

    With `deliver_inline` (the command, and the embedded default) this process sends the emails;
    otherwise each is queued for a worker. Either way a row is claimed before it is sent.
    """
    today = today or timezone.localdate()
    run = ReminderRun.objects.create(trigger=trigger)
    rows = [
        Notification(
            referral_id=item.referral_id,
            kind=item.kind,
            due_date=item.due_date,
            recipient_id=item.recipient_id,
        )
        for item in due_items(today=today)
        if item.recipient_id
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)

    counts: Counter[str] = Counter()
    errors: list[str] = []
    if deliver_inline:
        # Claim and send in batches over one mail connection: a few statements per 500 emails.
        failed: set[int] = set()
        with mail.get_connection() as connection:
            while batch := notifications.deliver_batch(exclude=failed, connection=connection):
                for notification in batch:
                    if notification.error is None:
                        counts[notification.kind] += 1
                    else:
                        failed.add(notification.pk)
                        errors.append(
                            _error(notification.kind, notification.pk, notification.error)
                        )
    else:
        unsent = Notification.objects.filter(
            sent_at__isnull=True, attempts__lt=notifications.MAX_ATTEMPTS
        ).values_list("pk", "kind")
        for pk, kind in unsent.iterator(chunk_size=2000):
            if notifications.dispatch(pk):
                counts[kind] += 1
            else:
                errors.append(_error(kind, pk, "could not be queued; the next sweep sends it"))
    _resend_missed_alerts(deliver_inline=deliver_inline, counts=counts, errors=errors)

    run.counts = dict(sorted(counts.items()))
    run.failures = len(errors)
    run.errors = "\n".join(errors[:50])
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "failures", "errors", "finished_at"])
    return run


def _error(kind: str, pk: int, exc) -> str:
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
    logger.warning("Reminder %s (%s) failed: %s", pk, kind, text)
    return f"{kind} {pk}: {text}"[:300]


def _resend_missed_alerts(*, deliver_inline: bool, counts: Counter, errors: list[str]) -> None:
    """Safety alerts whose email never went out (the broker was down at the time)."""
    from outcomes.tasks import notify_gp_of_alert

    for pk in SafetyAlert.objects.filter(gp_notified_at__isnull=True).values_list("pk", flat=True):
        try:
            if deliver_inline:
                notify_gp_of_alert.run(pk)
            else:
                notify_gp_of_alert.apply_async((pk,), retry=False)
            counts["safety_alert"] += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"safety_alert {pk}: {type(exc).__name__}: {exc}"[:300])
