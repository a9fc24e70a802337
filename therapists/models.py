from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice


class Therapist(models.Model):
    """An entry in the register of running therapists. Only verified entries receive referrals."""

    class Profession(models.TextChoices):
        PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
        SPV = "spv", _("Social-psychiatric nurse")
        GP = "gp", _("GP")
        EXERCISE_THERAPIST = "exercise_therapist", _("Exercise therapist")
        OTHER = "other", _("Other care professional")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="therapist",
        verbose_name=_("user"),
    )
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    organisation = models.CharField(_("organisation"), max_length=200)
    certificate_number = models.CharField(_("certificate number"), max_length=50, unique=True)
    certificate_date = models.DateField(_("certificate date"))
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    accepting_new_patients = models.BooleanField(_("accepting new patients"), default=True)
    network_of = models.ManyToManyField(
        Practice,
        through="NetworkMembership",
        related_name="network_therapists",
        blank=True,
        verbose_name=_("in the network of"),
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("running therapist")
        verbose_name_plural = _("running therapists")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_verified=False)
                | models.Q(verified_by__isnull=False, verified_at__isnull=False),
                name="therapist_verified_has_verifier",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_verified", "accepting_new_patients", "city"], name="therapist_findable"
            ),
            models.Index(fields=["postcode"], name="therapist_postcode"),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} ({self.organisation})"

    @property
    def can_receive_referrals(self) -> bool:
        return self.is_verified and self.accepting_new_patients


class NetworkMembership(models.Model):
    """A practice marks a therapist as part of its network; network therapists are listed first."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, verbose_name=_("practice"))
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, verbose_name=_("therapist"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "therapist"], name="network_unique")
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} -> {self.therapist_id}"


class Intake(models.Model):
    """The therapist's intake interview. Its date is week 0 of therapy."""

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="intake"
    )
    date = models.DateField(_("intake date"))
    goals = models.TextField(_("goals"))
    running_experience = models.TextField(_("running experience"), blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    current_activity = models.TextField(_("current physical activity"), blank=True)
    plan = models.TextField(
        _("plan"), blank=True, help_text=_("Shared with the GP in the report after intake.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    def __str__(self) -> str:
        return f"Intake {self.referral_id} {self.date}"


class Screening(models.Model):
    """The sports-medical screening after intake; not cleared returns the referral to the GP."""

    class Outcome(models.TextChoices):
        CLEARED = "cleared", _("Cleared")
        RESTRICTED = "restricted", _("Cleared with restrictions")
        NOT_CLEARED = "not_cleared", _("Not cleared")

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="screening"
    )
    resting_heart_rate = models.PositiveSmallIntegerField(_("resting heart rate (bpm)"))
    systolic = models.PositiveSmallIntegerField(_("blood pressure, systolic (mmHg)"))
    diastolic = models.PositiveSmallIntegerField(_("blood pressure, diastolic (mmHg)"))
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=1)
    injuries = models.TextField(_("injuries"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    restrictions = models.TextField(_("restrictions"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
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
    def bmi(self) -> float:
        metres = self.height_cm / 100
        return round(float(self.weight_kg) / (metres * metres), 1)


class TherapySession(models.Model):
    """One running session of one patient; a group session is one row per patient, same group."""

    class Mode(models.TextChoices):
        SUPERVISED = "supervised", _("Supervised")
        OWN = "own", _("On their own")

    class Attendance(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    mode = models.CharField(
        _("supervision"), max_length=12, choices=Mode.choices, default=Mode.SUPERVISED
    )
    attendance = models.CharField(
        _("attendance"), max_length=12, choices=Attendance.choices, default=Attendance.ATTENDED
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
    notes = models.TextField(_("notes"), blank=True)
    group = models.UUIDField(_("group session"), null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
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
