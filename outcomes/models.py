from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .instruments import INSTRUMENTS

#: The "week" of the PHQ-9 and GAD-7 the GP records at the follow-up (referrals.FollowUp):
#: about three months after the start, whenever it was held. Not one of the therapy's weeks
#: (referrals.schedule.QUESTIONNAIRE_WEEKS), so the schedule, the change, recovery and the
#: dashboard, which read those weeks, leave it out; the follow-up's own table shows it.
FOLLOW_UP_WEEK = 13


class QuestionnaireResponse(models.Model):
    """One completed PHQ-9 or GAD-7, entered by the therapist; scored by outcomes.instruments."""

    class Week(models.IntegerChoices):
        WEEK_0 = 0, _("Week 0")
        WEEK_5 = 5, _("Week 5")
        WEEK_10 = 10, _("Week 10")
        FOLLOW_UP = FOLLOW_UP_WEEK, _("GP follow-up")

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="questionnaires"
    )
    instrument = models.CharField(_("questionnaire"), max_length=10)
    instrument_version = models.CharField(max_length=10, default="1")
    week = models.PositiveSmallIntegerField(_("week"), choices=Week.choices)
    answers = models.JSONField(_("answers"))
    #: The functioning ("how difficult") question, 0-3: stored, never scored; None when not
    #: answered, and on responses of version 1, which did not ask it.
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty in daily life"), null=True, blank=True
    )
    total = models.PositiveSmallIntegerField(_("total score"))
    band = models.CharField(_("severity band"), max_length=20)
    completed_on = models.DateField(_("completed on"))
    # Dated outside its week's window (referrals.schedule.QUESTIONNAIRE_WINDOWS): only with a
    # reason, shown next to the score wherever the score is shown.
    outside_window = models.BooleanField(_("outside the window"), default=False)
    outside_window_reason = models.TextField(
        _("reason for a date outside the window"), blank=True, max_length=2000
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Filled in by the patient through their personal link (patientlinks); `entered_by` is
    # then the therapist in whose care it was, who may correct it like their own entry.
    entered_by_patient = models.BooleanField(_("filled in by the patient"), default=False)
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        ordering = ["week", "instrument"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "instrument", "week"], name="questionnaire_once_per_week"
            ),
            models.CheckConstraint(
                condition=models.Q(instrument__in=["PHQ-9", "GAD-7"]), name="questionnaire_known"
            ),
            models.CheckConstraint(
                condition=models.Q(week__in=[0, 5, 10, 13]), name="questionnaire_week_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(difficulty__isnull=True) | models.Q(difficulty__lte=3),
                name="questionnaire_difficulty_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outside_window=False) | ~models.Q(outside_window_reason=""),
                name="questionnaire_outside_window_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} week {self.week}: {self.total}"

    @property
    def occasion(self) -> str:
        """When it was filled in, in words: "week 5", or the GP's follow-up."""
        if self.week == FOLLOW_UP_WEEK:
            return gettext("at the GP's follow-up")
        return gettext("week %(week)d") % {"week": self.week}

    @property
    def entered_label(self) -> str:
        """Who typed the answers in, as shown beside every response."""
        if self.entered_by_patient:
            return gettext("filled in by the patient")
        return (
            gettext("entered by the therapist")
            if self.week != FOLLOW_UP_WEEK
            else gettext("entered by the GP")
        )

    @property
    def difficulty_label(self) -> str:
        instrument = INSTRUMENTS.get(self.instrument)
        return instrument.difficulty_label(self.difficulty) if instrument else ""


class SafetyAlert(models.Model):
    """A PHQ-9 item-9 answer above 0: the therapist sees it at once, the GP until acknowledged."""

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="safety_alerts"
    )
    response = models.OneToOneField(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="safety_alert"
    )
    code = models.CharField(max_length=30)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    # The GP's e-mail is a row in the outbox (notifications, kind "safety_alert", key
    # "alert-<id>"), written in the same transaction: it is retried, shows in /healthz and on
    # the reminder-runs page like every other e-mail.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    # What the GP did, in their own short words ("patient gebeld, geen acuut gevaar, afspraak
    # morgen"): required to acknowledge; on the referral's timeline and in the letters back.
    acknowledgement_note = models.CharField(_("what was done"), max_length=500, blank=True)
    # Not acknowledged within ESCALATE_AFTER_WORKING_DAYS (outcomes.alerts): every GP of the
    # practice and the practice's address were e-mailed again. Set once, by a conditional update.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("safety alert")
        verbose_name_plural = _("safety alerts")
        indexes = [models.Index(fields=["acknowledged_at"], name="alert_open")]

    def __str__(self) -> str:
        return f"Alert {self.code} on referral {self.referral_id}"
