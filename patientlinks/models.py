"""A patient's personal link: the questionnaires of one week, or the running log (issue 18).

Only the SHA-256 of the token is stored (`token_hash`); the token itself is in the URL the
patient was given and nowhere else. The patient's date of birth is the second factor.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Wrong dates of birth that lock a link; the therapist issues a new one.
MAX_FAILED_ATTEMPTS = 5


class PatientLink(models.Model):
    class Purpose(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", _("Questionnaires")
        RUNNING_LOG = "running_log", _("Running log")

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="patient_links"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    #: The questionnaire set's week (0, 5, 10); None for the running log.
    week = models.PositiveSmallIntegerField(_("week"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    #: Who issued it; None when the daily sweep did (a questionnaire fell due).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: A questionnaire link lasts 7 days; the running log's lasts while the therapy runs (None).
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    #: E-mailed to the patient (notifications.patient_mail): only such a link gets the reminder,
    #: whose fresh token would stop a printed or shown one.
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    #: A newer link of the same purpose (and week) replaced it.
    revoked_at = models.DateTimeField(_("replaced"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("wrong dates of birth"), default=0)
    #: Save and continue: the answers given so far, in the order asked (patientlinks.steps).
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("patient link")
        verbose_name_plural = _("patient links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["questionnaire", "running_log"]),
                name="patientlink_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose="running_log", week__isnull=True)
                | models.Q(purpose="questionnaire", week__in=[0, 5, 10]),
                name="patientlink_week_fits_purpose",
            ),
            # One link in force per purpose and week: a new one replaces the old (revoked_at).
            models.UniqueConstraint(
                fields=["referral", "week"],
                condition=models.Q(revoked_at__isnull=True, purpose="questionnaire"),
                name="patientlink_one_questionnaire_in_force",
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(revoked_at__isnull=True, purpose="running_log"),
                name="patientlink_one_running_log_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"Patient link {self.pk} ({self.purpose}) on referral {self.referral_id}"

    @property
    def actor(self) -> str:
        """How the access log names the patient acting through this link."""
        return f"patient-link:{self.pk}"
