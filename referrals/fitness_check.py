"""The GP's beweegcheck (based on the PAR-Q+): the model. The questions and the rules are
`referrals.readiness`; this row keeps the answers as the GP gave them, with the version of the
questions they answered, and the medical evaluation that a hard stop needs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import limits

from . import readiness


@limits.length_checked
class FitnessCheck(models.Model):
    class Evaluation(models.TextChoices):
        CLEARED = "cleared", _("Cleared")
        CLEARED_WITH_LIMITS = "cleared_with_limits", _("Cleared with limits")
        NOT_CLEARED = "not_cleared", _("Not cleared")

    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.CASCADE,
        related_name="fitness_check",
        verbose_name=_("referral"),
    )
    #: `readiness.VERSION`, or `readiness.LEGACY_VERSION` for a check from before the PAR-Q+
    #: screen (its seven answers kept under q1..q7, the rest never asked).
    version = models.CharField(_("version"), max_length=20, default=readiness.VERSION)
    #: question key (readiness) -> True / False; a follow-up not asked is absent or None.
    answers = models.JSONField(_("answers"), default=dict)
    notes = models.TextField(_("notes"), blank=True, max_length=limits.REASON)
    #: Only in checks of the old version: the note that then cleared a "yes".
    clearance_note = models.TextField(
        _("GP's clearance note"), blank=True, max_length=limits.REASON
    )
    evaluated_by = models.CharField(
        _("evaluated by"),
        max_length=200,
        blank=True,
        help_text=_("Name and role, e.g. cardiologist or sports physician."),
    )
    evaluated_on = models.DateField(_("date of the evaluation"), null=True, blank=True)
    evaluation = models.CharField(
        _("outcome of the evaluation"), max_length=20, choices=Evaluation.choices, blank=True
    )
    evaluation_limits = models.TextField(_("limits"), blank=True, max_length=limits.REASON)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("physical-fitness check")
        verbose_name_plural = _("physical-fitness checks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    evaluation__in=["", "cleared", "cleared_with_limits", "not_cleared"]
                ),
                name="fitness_evaluation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Fitness check for referral {self.referral_id}"

    @property
    def is_old_version(self) -> bool:
        return self.version != readiness.VERSION

    @property
    def outcome(self) -> str:
        return readiness.outcome(
            version=self.version, answers=self.answers or {}, evaluation=self.evaluation
        )

    @property
    def outcome_label(self):
        outcome = self.outcome
        if outcome == readiness.WAIT:
            waiting = readiness.waiting_for(self.answers or {})
            if waiting in readiness.WAIT_LABELS:
                return readiness.WAIT_LABELS[waiting]
        return readiness.OUTCOME_LABELS[outcome]

    @property
    def passes(self) -> bool:
        return self.outcome in readiness.SENDABLE

    @property
    def hard_stops(self) -> list:
        return [] if self.is_old_version else readiness.hard_stops(self.answers or {})

    def rows(self) -> list[dict]:
        """The questions and answers as the GP gave them, for the page and the letter."""
        return readiness.rows(version=self.version, answers=self.answers or {})
