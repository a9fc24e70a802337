"""What the therapist does after accepting: intake, screening, sessions and the letters back.

The tables keep the names they had before this app existed (therapists_*, referrals_therapyreport):
the models moved, the rows did not.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core import limits
from referrals.models import Referral

from .plausibility import screening_flags


@limits.length_checked
class Intake(models.Model):
    """The therapist's intake interview; week 0 of therapy is the screening's date."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="intake")
    date = models.DateField(_("intake date"))
    goals = models.TextField(_("goals"), max_length=limits.TEXT)
    running_experience = models.TextField(
        _("running experience"), blank=True, max_length=limits.REASON
    )
    motivation = models.TextField(_("motivation"), blank=True, max_length=limits.REASON)
    current_activity = models.TextField(
        _("current physical activity"), blank=True, max_length=limits.REASON
    )
    plan = models.TextField(
        _("plan"),
        blank=True,
        help_text=_("Shared with the GP in the report after intake."),
        max_length=limits.TEXT,
    )
    # The dose (therapy.dose): empty only on intakes recorded before the plan was asked.
    plan_weeks = models.PositiveSmallIntegerField(_("weeks"), null=True, blank=True)
    plan_supervised_per_week = models.PositiveSmallIntegerField(
        _("supervised sessions per week"), null=True, blank=True
    )
    plan_own_runs_per_week = models.PositiveSmallIntegerField(
        _("own runs per week"), null=True, blank=True
    )
    plan_minutes = models.PositiveSmallIntegerField(_("minutes per session"), null=True, blank=True)
    plan_borg_rpe = models.PositiveSmallIntegerField(
        _("target exertion (Borg 6-20)"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        db_table = "therapists_intake"
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    def __str__(self) -> str:
        return f"Intake {self.referral_id} {self.date}"

    @property
    def sessions_per_week(self) -> int | None:
        if self.plan_weeks is None:
            return None
        return (self.plan_supervised_per_week or 0) + (self.plan_own_runs_per_week or 0)


@limits.length_checked
class Screening(models.Model):
    """The sports-medical screening after intake; not cleared returns the referral to the GP."""

    class Outcome(models.TextChoices):
        CLEARED = "cleared", _("Cleared")
        RESTRICTED = "restricted", _("Cleared with restrictions")
        NOT_CLEARED = "not_cleared", _("Not cleared")

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="screening")
    # Cleared, it is the start of therapy (week 0); the intake date when both were one visit.
    date = models.DateField(_("screening date"))
    late_reason = models.TextField(
        _("reason for a screening more than 28 days after the intake"),
        blank=True,
        max_length=limits.REASON,
    )
    resting_heart_rate = models.PositiveSmallIntegerField(_("resting heart rate (bpm)"))
    systolic = models.PositiveSmallIntegerField(_("blood pressure, systolic (mmHg)"))
    diastolic = models.PositiveSmallIntegerField(_("blood pressure, diastolic (mmHg)"))
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=1)
    injuries = models.TextField(_("injuries"), blank=True, max_length=limits.REASON)
    notes = models.TextField(_("notes"), blank=True, max_length=limits.REASON)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    restrictions = models.TextField(_("restrictions"), blank=True, max_length=limits.REASON)
    values_confirmed = models.BooleanField(_("unusual values checked and confirmed"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        db_table = "therapists_screening"
        verbose_name = _("sports-medical screening")
        verbose_name_plural = _("sports-medical screenings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["cleared", "restricted", "not_cleared"]),
                name="screening_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening {self.referral_id}: {self.outcome}"

    @property
    def flags(self) -> list[str]:
        """Values the therapist and the GP should see (therapy.plausibility)."""
        return screening_flags(self)

    @property
    def bmi(self) -> float:
        metres = self.height_cm / 100
        return round(float(self.weight_kg) / (metres * metres), 1)


@limits.length_checked
class TherapySession(models.Model):
    """One running session of one patient; a group session is one row per patient, same group."""

    class Mode(models.TextChoices):
        SUPERVISED = "supervised", _("Supervised")
        OWN = "own", _("On their own")

    class Attendance(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled by patient")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    mode = models.CharField(
        _("supervision"), max_length=12, choices=Mode.choices, default=Mode.SUPERVISED
    )
    attendance = models.CharField(
        _("attendance"), max_length=12, choices=Attendance.choices, default=Attendance.ATTENDED
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"), null=True, blank=True
    )
    minutes_running = models.PositiveSmallIntegerField(_("minutes running"), null=True, blank=True)
    minutes_walking = models.PositiveSmallIntegerField(_("minutes walking"), null=True, blank=True)
    distance_km = models.DecimalField(
        _("distance (km)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    average_heart_rate = models.PositiveSmallIntegerField(
        _("average heart rate"), null=True, blank=True
    )
    rpe = models.PositiveSmallIntegerField(_("exertion (Borg 6-20)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=limits.REASON)
    values_confirmed = models.BooleanField(_("unusual values checked and confirmed"), default=False)
    group = models.UUIDField(_("group session"), null=True, blank=True, db_index=True)
    # Logged by mistake: withdrawn with a reason (patients.Correction), never deleted; totals,
    # adherence and letters leave it out, the running log shows it struck through.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        db_table = "therapists_therapysession"
        ordering = ["-date", "-pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rpe__isnull=True) | models.Q(rpe__gte=6, rpe__lte=20),
                name="session_rpe_borg_range",
            ),
            models.CheckConstraint(
                condition=models.Q(attendance__in=["attended", "no_show", "cancelled"]),
                name="session_attendance_valid",
            ),
        ]
        indexes = [models.Index(fields=["referral", "date"], name="session_referral_date")]

    def __str__(self) -> str:
        return f"Session {self.referral_id} {self.date}"


@limits.length_checked
class TherapyLetter(models.Model):
    """A letter back to the GP: after intake, after week 5 and at the end (NHG: three letters)."""

    class Kind(models.TextChoices):
        INTAKE = "intake_report", _("Report after intake")
        PROGRESS = "progress_report", _("Progress report")
        END = "end_report", _("End report")

    class Independence(models.TextChoices):
        YES = "yes", _("Yes")
        WITH_SUPPORT = "with_support", _("With some support")
        NO = "no", _("No")

    referral = models.ForeignKey(
        Referral,
        on_delete=models.CASCADE,
        related_name="therapy_letters",
        verbose_name=_("referral"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    summary = models.TextField(_("summary for the GP"), max_length=limits.TEXT)
    fitness_progress = models.TextField(_("fitness progress"), blank=True, max_length=limits.TEXT)
    runs_independently = models.CharField(
        _("can keep running on their own"),
        max_length=20,
        choices=Independence.choices,
        blank=True,
    )
    advice = models.TextField(
        _("advice for the GP's follow-up"), blank=True, max_length=limits.TEXT
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        db_table = "referrals_therapyreport"
        ordering = ["sent_at"]
        verbose_name = _("report to the GP")
        verbose_name_plural = _("reports to the GP")
        constraints = [
            models.UniqueConstraint(fields=["referral", "kind"], name="report_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.referral_id})"


class SavedGroup(models.Model):
    """A therapist's usual group for group sessions: a name and its usual participants.

    The participants are referrals, not patients: a therapist's scope is what was sent to them
    (referrals.recipients), and a member whose therapy ended simply drops out of the group's
    pages (therapy.groups reads them through `referrals_in_therapy`).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_groups",
        verbose_name=_("therapist"),
    )
    name = models.CharField(_("name of the group"), max_length=80)
    members = models.ManyToManyField(
        Referral, related_name="saved_groups", blank=True, verbose_name=_("usual participants")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved group")
        verbose_name_plural = _("saved groups")
        constraints = [
            models.UniqueConstraint(Lower("name"), "owner", name="saved_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


@limits.length_checked
class RunLogEntry(models.Model):
    """One run of the patient's own, in the running log (looplogboek): entered by the patient
    through their personal link, or by the therapist (from the patient's paper or phone).

    Not a TherapySession: the therapist did not see it, so it carries no heart rate, distance or
    attendance, and it is reported to the GP apart ("zelfstandig gelopen"). The rules that need
    the referral (no date in the future, none before the start of therapy) live in
    therapy.running_log.
    """

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="run_log", verbose_name=_("referral")
    )
    date = models.DateField(_("date"))
    minutes_running = models.PositiveSmallIntegerField(_("minutes running"))
    minutes_walking = models.PositiveSmallIntegerField(_("minutes walking"))
    borg = models.PositiveSmallIntegerField(_("how it felt (Borg 6-20)"))
    note = models.TextField(_("note"), blank=True, max_length=limits.REASON)
    # Who entered it: the patient (through a link, `via_link`), or a user (the therapist).
    entered_by_patient = models.BooleanField(_("entered by the patient"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    # The patient link the entry came through (the links app's row id; no foreign key: that
    # room sits above this one and refers down to it, never the other way).
    via_link = models.PositiveBigIntegerField(_("patient link"), null=True, blank=True)
    # Entered by mistake: withdrawn with a reason (patients.Correction), never deleted.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("running log entry")
        verbose_name_plural = _("running log entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes_running__lte=300, minutes_walking__lte=300),
                name="run_log_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(minutes_running__gt=0) | models.Q(minutes_walking__gt=0),
                name="run_log_minutes_moved",
            ),
            models.CheckConstraint(
                condition=models.Q(borg__gte=6, borg__lte=20), name="run_log_borg_range"
            ),
            # Exactly one author: the patient (no user), or the user who entered it.
            models.CheckConstraint(
                condition=models.Q(entered_by_patient=True, entered_by__isnull=True)
                | models.Q(entered_by_patient=False, entered_by__isnull=False),
                name="run_log_one_author",
            ),
        ]
        indexes = [models.Index(fields=["referral", "date"], name="run_log_referral_date")]

    def __str__(self) -> str:
        return f"Run {self.referral_id} {self.date}"

    @property
    def minutes(self) -> int:
        """Running and walking: walking counts (therapy.dose)."""
        return self.minutes_running + self.minutes_walking
