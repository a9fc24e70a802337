from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from core import limits
from patients.models import Patient
from therapists.models import Therapist

from . import risk
from .fitness_check import FitnessCheck  # noqa: F401  (its own module, the app's model)
from .icpc import Icpc, icpc_entry, secondary_codes


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    DECLINED = "declined", _("Declined")
    ACCEPTED = "accepted", _("Accepted")
    INTAKE_DONE = "intake_done", _("Intake done")
    NOT_CLEARED = "not_cleared", _("Not cleared")
    IN_THERAPY = "in_therapy", _("In therapy")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CANCELLED = "cancelled", _("Cancelled")


# The lifecycle: status -> the statuses it may move to. Only referrals.services changes status.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SENT, Status.CANCELLED}),
    Status.SENT: frozenset({Status.ACCEPTED, Status.DECLINED, Status.CANCELLED}),
    Status.DECLINED: frozenset({Status.SENT, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.INTAKE_DONE, Status.CANCELLED}),
    Status.INTAKE_DONE: frozenset({Status.IN_THERAPY, Status.NOT_CLEARED, Status.CANCELLED}),
    Status.IN_THERAPY: frozenset({Status.COMPLETED, Status.STOPPED, Status.CANCELLED}),
    # A therapy that has ended is not cancelled: its record stands, and the GP's follow-up
    # closes it.
    Status.COMPLETED: frozenset({Status.FOLLOWED_UP}),
    Status.STOPPED: frozenset({Status.FOLLOWED_UP}),
    Status.NOT_CLEARED: frozenset(),
    Status.FOLLOWED_UP: frozenset(),
    Status.CANCELLED: frozenset(),
}
CLOSED_STATUSES = frozenset({Status.NOT_CLEARED, Status.FOLLOWED_UP, Status.CANCELLED})
# A tuple, in lifecycle order, so the partial unique index reads the same in every migration.
OPEN_STATUSES = tuple(s for s in Status if s not in CLOSED_STATUSES)

# The timestamp each status sets when a referral enters it.
STATUS_TIMESTAMP = {
    Status.SENT: "sent_at",
    Status.DECLINED: "declined_at",
    Status.ACCEPTED: "accepted_at",
    Status.INTAKE_DONE: "intake_done_at",
    Status.NOT_CLEARED: "not_cleared_at",
    Status.IN_THERAPY: "therapy_started_at",
    Status.COMPLETED: "completed_at",
    Status.STOPPED: "stopped_at",
    Status.FOLLOWED_UP: "followed_up_at",
    Status.CANCELLED: "cancelled_at",
}


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")


class Purpose(models.TextChoices):
    PREVENTION = "prevention", _("Prevention")
    REINTEGRATION = "reintegration", _("Reintegration")
    TREATMENT = "treatment", _("Treatment")


class Funding(models.TextChoices):
    HEALTH_INSURER = "health_insurer", _("Health insurer (supplementary cover)")
    PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy cover")
    UWV = "uwv", _("UWV reintegration")
    SELF_PAY = "self_pay", _("Self-pay")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine (within 2 weeks)")
    SOON = "soon", _("Soon (within 1 week)")


@limits.length_checked
class Referral(models.Model):
    """A GP's referral of one patient to one running therapist, through its whole lifecycle."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("patient")
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("practice")
    )
    gp = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        verbose_name=_("referring GP"),
    )
    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("running therapist"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    # What the GP writes.
    consent_given = models.BooleanField(
        _("the patient consents to sharing these data with the therapist"), default=False
    )
    # Issue 18: whether the patient agrees to be e-mailed a personal link and to fill in their
    # questionnaires and running log themselves. Without it no patient link is ever issued
    # (patientlinks.services.consent_refusal says why to the therapist).
    self_report_consent = models.BooleanField(
        _("the patient agrees to be e-mailed a personal link and to report themselves"),
        default=False,
    )
    # ICPC-1 codes as the GP chose them (referrals.icpc): the main one and any secondary ones.
    complaint = models.CharField(
        _("main complaint (ICPC)"), max_length=20, choices=Icpc.choices, blank=True
    )
    other_complaints = models.JSONField(_("secondary complaints (ICPC)"), default=list, blank=True)
    complaint_notes = models.CharField(_("complaint, in your words"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    uses_antidepressant = models.BooleanField(_("uses an antidepressant"), null=True, blank=True)
    # Free text from before the medication rows (ReferralMedication); the data migration moved
    # a one-line text into a row, and a longer one stays here as the note beside the rows.
    medication = models.TextField(_("note on the medication"), blank=True, max_length=limits.REASON)
    history = models.TextField(_("relevant history"), blank=True, max_length=limits.TEXT)
    question = models.TextField(
        _("question to the therapist"), blank=True, max_length=limits.REASON
    )

    # The HASP letter (NHG/LHV, Richtlijn Informatie-uitwisseling tussen huisarts en
    # specialist, version 1 December 2017; referrals.letters): the kern's probleemstelling
    # and beleid tot nu toe, the risk the form asks, the dossiersamenvatting.
    course = models.TextField(_("course so far"), blank=True, max_length=limits.REASON)
    patient_request = models.TextField(
        _("the patient's own request and expectation"), blank=True, max_length=limits.REASON
    )
    poh_ggz = models.TextField(_("POH-GGZ so far"), blank=True, max_length=limits.REASON)
    psychological_treatment = models.TextField(
        _("psychological treatment so far"), blank=True, max_length=limits.REASON
    )
    medication_tried = models.TextField(_("medication tried"), blank=True, max_length=limits.REASON)
    # Risk: asked on the form, answered before sending (referrals.risk holds the rule).
    risk_suicidality = models.BooleanField(_("active suicidality"), null=True, blank=True)
    risk_psychosis = models.BooleanField(_("psychosis"), null=True, blank=True)
    risk_bipolar = models.BooleanField(_("bipolar disorder"), null=True, blank=True)
    risk_notes = models.TextField(_("notes on the risk"), blank=True, max_length=limits.REASON)
    risk_confirmed = models.BooleanField(
        _("I have weighed the risk and refer for running therapy all the same"), default=False
    )
    other_episodes = models.TextField(
        _("other episodes (ICPC)"), blank=True, max_length=limits.REASON
    )
    allergies = models.TextField(
        _("allergies, intolerances and contra-indications"),
        blank=True,
        max_length=limits.REASON,
    )
    measured_on = models.DateField(_("measured on"), null=True, blank=True)
    systolic = models.PositiveSmallIntegerField(
        _("blood pressure, systolic (mmHg)"), null=True, blank=True
    )
    diastolic = models.PositiveSmallIntegerField(
        _("blood pressure, diastolic (mmHg)"), null=True, blank=True
    )
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), null=True, blank=True)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    phq9_total = models.PositiveSmallIntegerField(
        _("PHQ-9 total at referral"), null=True, blank=True
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    funding = models.CharField(_("funding"), max_length=20, choices=Funding.choices, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )

    # Why the referral left the happy path, when it did.
    decline_reason = models.TextField(
        _("reason for declining"), blank=True, max_length=limits.REASON
    )
    not_cleared_reason = models.TextField(
        _("reason not cleared"), blank=True, max_length=limits.REASON
    )
    stop_reason = models.TextField(_("reason for stopping"), blank=True, max_length=limits.REASON)
    cancel_reason = models.TextField(
        _("reason for cancelling"), blank=True, max_length=limits.REASON
    )

    # A timestamp per step.
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened by the therapist"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    intake_done_at = models.DateTimeField(_("intake recorded"), null=True, blank=True)
    not_cleared_at = models.DateTimeField(_("not cleared"), null=True, blank=True)
    therapy_started_at = models.DateTimeField(_("therapy started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    intake_date = models.DateField(_("intake date"), null=True, blank=True)
    # Week 0 of therapy (the screening's date, referrals.schedule.therapy_start): the
    # questionnaires' and the GP's follow-up due dates are derived from it.
    therapy_start = models.DateField(_("start of therapy (week 0)"), null=True, blank=True)
    follow_up_due = models.DateField(_("GP follow-up due"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="referral_status_valid",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="referral_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "cancelled"])
                | models.Q(therapist__isnull=False),
                name="referral_sent_has_therapist",
            ),
            models.CheckConstraint(
                condition=models.Q(phq9_total__isnull=True) | models.Q(phq9_total__lte=27),
                name="referral_phq9_range",
            ),
        ]
        indexes = [
            models.Index(fields=["gp", "status", "-created_at"], name="referral_gp_worklist"),
            models.Index(fields=["therapist", "status"], name="referral_therapist_status"),
            models.Index(fields=["practice", "sent_at"], name="referral_practice_sent"),
            models.Index(fields=["status"], name="referral_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def main_icpc(self) -> dict | None:
        """The main complaint's code and label, as the GP chose it."""
        return icpc_entry(self.complaint) if self.complaint else None

    @property
    def secondary_icpc(self) -> list[dict]:
        return [icpc_entry(c) for c in secondary_codes(self.complaint, self.other_complaints)]

    @property
    def risk_needs_confirmation(self) -> bool:
        """A yes on active suicidality or psychosis (referrals.risk)."""
        return risk.referral_needs_confirmation(self)

    @property
    def week_zero(self):
        """Week 0: the start of therapy; until the screening has cleared, the intake date."""
        return self.therapy_start or self.intake_date

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]


class ReferralMedication(models.Model):
    """One medicine the patient uses, as the HASP dossiersamenvatting lists it: name, dose,
    since when. Written with the referral form (a formset), in the same transaction."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="medications", verbose_name=_("referral")
    )
    name = models.CharField(_("medicine"), max_length=100)
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    since = models.CharField(_("since"), max_length=40, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("medicine")
        verbose_name_plural = _("medication")

    def __str__(self) -> str:
        return " ".join(p for p in (self.name, self.dose) if p)


@limits.length_checked
class ReferralEvent(models.Model):
    """One row per change of a referral: who moved it from what to what, when and why."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="events", verbose_name=_("referral")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True, max_length=limits.REASON)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status or '-'} -> {self.to_status}"


class ReferralDocument(models.Model):
    """A PDF as it was produced and sent: the exact bytes and their SHA-256."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Referral letter")
        INTAKE_LETTER_BACK = "intake_report", _("Report after intake")
        PROGRESS_LETTER_BACK = "progress_report", _("Progress report")
        END_LETTER_BACK = "end_report", _("End report")
        # A correction to something a letter back already told the GP (therapy.addenda): the
        # letter itself stays as it was sent.
        ADDENDUM = "addendum", _("Addendum")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="documents", verbose_name=_("referral")
    )
    addendum_to = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="addenda",
        verbose_name=_("addendum to"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    content = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["referral", "kind", "-created_at"], name="document_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.referral_id})"

    def export_file_name(self) -> str:
        """Its name in the patient's export (patients.privacy)."""
        return f"documents/{self.referral_id}-{self.kind}-{self.pk}.pdf"


class ReferralRecipient(models.Model):
    """One row per send: the therapist a referral was sent to, when, and the letter they got.

    Written by referrals.services.referral_send in the send's transaction, never changed. What
    a therapist may see follows from these rows (referrals.recipients), not from
    `Referral.therapist`, which the GP changes while choosing another therapist after a decline.
    Defined after ReferralDocument: the patient's erasure deletes it first (patients.privacy).
    """

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("referral")
    )
    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("running therapist"),
    )
    sent_at = models.DateTimeField(_("sent"))
    # The letter exactly as this therapist received it; empty only for rows that the data
    # migration made for a referral whose letter was never stored.
    letter = models.ForeignKey(
        ReferralDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referral letter"),
    )

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("recipient of a referral")
        verbose_name_plural = _("recipients of referrals")
        indexes = [
            models.Index(fields=["therapist", "referral"], name="recipient_therapist"),
            models.Index(fields=["referral", "sent_at"], name="recipient_referral_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} -> {self.therapist_id} ({self.sent_at:%Y-%m-%d})"


from .follow_up import FollowUp  # noqa: E402, F401  (its own module, the app's model)
