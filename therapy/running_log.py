"""The running log (looplogboek): the runs a patient does on their own, between the supervised
sessions, entered by the patient through their personal link or by the therapist.

`run_log_record` is the one write (validation and save in one transaction); the patient's page
(the links room) and the therapist's page both call it. The reads: `run_log_entries` (a
referral's entries, newest first) and `run_log_weeks` (runs and minutes per week of therapy).

How it felt is asked on Borg's RPE scale of 6 to 20. The words are Borg's anchors (G. Borg,
"Borg's Perceived Exertion and Pain Scales", Human Kinetics 1998, the 6-20 scale; the scale of
G.A.V. Borg, Med Sci Sports Exerc 1982;14(5):377-381, that therapy.dose already names), in the
Dutch wording of the "Borgschaal" as Dutch physiotherapy uses it (6 "helemaal geen inspanning",
7 "extreem licht", 9 "zeer licht", 11 "licht", 13 "redelijk zwaar", 15 "zwaar", 17 "zeer zwaar",
19 "extreem zwaar", 20 "maximale inspanning"; locale/pending/runlog.py). The scale is Borg's
copyright (Borg Perception): the Dutch words are to be checked against the licensed Dutch
version before clinical use. Only the anchored numbers have words;
the numbers between them are shown as numbers, as on the printed scale.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from referrals.models import Referral, Status
from referrals.recipients import sent_now_to

from .exceptions import TherapyError
from .models import RunLogEntry

#: Borg's verbal anchors of the 6-20 scale (the source is in the module's docstring).
BORG_WORDS = {
    6: gettext_lazy("No exertion at all"),
    7: gettext_lazy("Extremely light"),
    9: gettext_lazy("Very light"),
    11: gettext_lazy("Light"),
    13: gettext_lazy("Somewhat hard"),
    15: gettext_lazy("Hard (heavy)"),
    17: gettext_lazy("Very hard"),
    19: gettext_lazy("Extremely hard"),
    20: gettext_lazy("Maximal exertion"),
}
BORG_LOW, BORG_HIGH = 6, 20
MINUTES_HIGH = 300
#: What an entry's form may set; anything else in `data` is ignored.
RUN_LOG_FIELDS = ("date", "minutes_running", "minutes_walking", "borg", "note")


class RunLogRefused(TherapyError):
    """The entry cannot be stored; `errors` says why, per field ("" for the entry as a whole),
    so a form can show each message beside its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def borg_label(value: int | None) -> str:
    """13 -> "13 (somewhat hard)"; a number without an anchor stays a number."""
    if value is None:
        return "—"
    words = BORG_WORDS.get(value)
    return f"{value} ({words})" if words else str(value)


def run_log_errors(referral: Referral, data: Mapping) -> dict[str, str]:
    """Why these values cannot be stored on this referral's log, per field; {} when they can."""
    errors: dict[str, str] = {}
    # Week 0: the therapy's start (the intake's date only on rows from before it was stored).
    start = referral.week_zero
    if referral.status != Status.IN_THERAPY or start is None:
        errors[""] = _("The running log is open while the therapy runs.")
    day = data.get("date")
    if day is None:
        errors["date"] = _("Enter the date of the run.")
    elif day > timezone.localdate():
        errors["date"] = _("The date of the run cannot be in the future.")
    elif start and day < start:
        errors["date"] = _(
            "The date of the run cannot be before the start of the therapy on %(start)s."
        ) % {"start": date_format(start, "SHORT_DATE_FORMAT")}
    minutes = {}
    for name, message in (
        ("minutes_running", _("Enter the running minutes as a whole number from 0 to 300.")),
        ("minutes_walking", _("Enter the walking minutes as a whole number from 0 to 300.")),
    ):
        value = data.get(name)
        if value is None or not 0 <= value <= MINUTES_HIGH:
            errors[name] = message
        else:
            minutes[name] = value
    if len(minutes) == 2 and not sum(minutes.values()):
        errors["minutes_running"] = _("Enter how many minutes you ran or walked.")
    borg = data.get("borg")
    if borg is None or not BORG_LOW <= borg <= BORG_HIGH:
        errors["borg"] = _("Choose how it felt: a number from 6 to 20.")
    if len(data.get("note") or "") > RunLogEntry._meta.get_field("note").max_length:
        errors["note"] = _("Please keep the note under 2000 characters.")
    return errors


def run_log_record(
    referral: Referral,
    *,
    data: Mapping,
    entered_by_patient: bool,
    actor: User | None = None,
    via_link: int | None = None,
) -> RunLogEntry:
    """Store one run on the referral's log, checked against the referral as it is now (locked).

    The patient's entry (`entered_by_patient`, through the link `via_link`) has no `actor`; the
    therapist's has one, who must be the therapist the referral is sent to now. Raises
    RunLogRefused with the reasons per field; nothing is stored then.
    """
    if entered_by_patient and actor is not None:
        raise ValueError("A patient's entry has no user as its author.")
    if not entered_by_patient and actor is None:
        raise ValueError("A therapist's entry needs the therapist as `actor`.")
    values = {name: data.get(name) for name in RUN_LOG_FIELDS}
    values["note"] = (values["note"] or "").strip()
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if actor is not None and not (
            Referral.objects.filter(sent_now_to(actor), pk=current.pk).exists()
        ):
            raise RunLogRefused({"": _("Only the patient's own running therapist can do this.")})
        errors = run_log_errors(current, values)
        if errors:
            raise RunLogRefused(errors)
        return RunLogEntry.objects.create(
            referral=current,
            entered_by_patient=entered_by_patient,
            entered_by=actor,
            via_link=via_link if entered_by_patient else None,
            **values,
        )


# --- Reads ----------------------------------------------------------------------------------


def run_log_entries(referral: Referral) -> QuerySet[RunLogEntry]:
    """The referral's entries, newest first, with who entered them; withdrawn ones included
    (shown struck through; `counted` leaves them out)."""
    return RunLogEntry.objects.filter(referral=referral).select_related("entered_by")


def counted(entries) -> list[RunLogEntry]:
    """The entries that count: not withdrawn as entered by mistake."""
    return [entry for entry in entries if entry.withdrawn_at is None]


@dataclass
class RunLogWeek:
    number: int
    start: date
    runs: int = 0
    minutes_running: int = 0
    minutes_walking: int = 0

    @property
    def minutes(self) -> int:
        return self.minutes_running + self.minutes_walking


def run_log_totals(entries) -> dict:
    """Runs and minutes of the counted entries: what the letters call "zelfstandig gelopen"."""
    rows = counted(entries)
    running = sum(e.minutes_running for e in rows)
    walking = sum(e.minutes_walking for e in rows)
    return {
        "runs": len(rows),
        "minutes_running": running,
        "minutes_walking": walking,
        "minutes": running + walking,
    }


def run_log_weeks(referral: Referral, entries=None) -> list[RunLogWeek]:
    """Runs and minutes per week of therapy (week 1 starts on `Referral.week_zero`), for every
    week up to the last one with an entry; read once (or not at all, given the `entries`)."""
    start = referral.week_zero
    if start is None:
        return []
    rows = counted(run_log_entries(referral) if entries is None else entries)
    rows = [e for e in rows if e.date >= start]
    if not rows:
        return []
    last = max((e.date - start).days // 7 + 1 for e in rows)
    weeks = [RunLogWeek(n, start + timedelta(days=7 * (n - 1))) for n in range(1, last + 1)]
    for entry in rows:
        week = weeks[(entry.date - start).days // 7]
        week.runs += 1
        week.minutes_running += entry.minutes_running
        week.minutes_walking += entry.minutes_walking
    return weeks
