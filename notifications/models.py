"""E-mails as rows (the outbox) and the runs of the daily reminder sweep.

The tables keep their names from before this app existed (referrals_notification,
referrals_reminderrun): the models moved, the rows did not.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from referrals.models import Referral


class Notification(models.Model):
    """An email that must go out: claimed for a while (a lease), marked sent once the mail
    server has accepted it, claimed again if the worker died before that.

    Event notifications (a new referral, a report ready) and reminders found by the daily sweep
    (due and overdue items) are both rows here, so a broker outage loses nothing: the next sweep
    sends whatever is still unsent.
    """

    class Kind(models.TextChoices):
        NEW_REFERRAL = "new_referral", _("New referral")
        # Accepted (the stored word is older than the declined kind: rows keep their value).
        REFERRAL_ANSWERED = "referral_answered", _("Referral accepted")
        # Its own e-mail (found in a try-out: accept and decline read the same): the GP must
        # choose another therapist.
        REFERRAL_DECLINED = "referral_declined", _("Referral declined")
        NOT_CLEARED = "not_cleared", _("Returned after screening")
        LETTER_BACK_READY = "report_ready", _("Report ready")
        # Its own kind, not LETTER_BACK_READY: an end letter sent on the day of a progress
        # letter would otherwise fall on the same (referral, kind, day, recipient) and no
        # e-mail would tell the GP that the therapy has ended.
        END_LETTER_READY = "end_letter_ready", _("Therapy ended, end report ready")
        REFERRAL_UNANSWERED = "referral_unanswered", _("Referral not answered")
        INTAKE_OVERDUE = "intake_overdue", _("Intake overdue")
        QUESTIONNAIRE_DUE = "questionnaire_due", _("Questionnaires due")
        QUESTIONNAIRE_OVERDUE = "questionnaire_overdue", _("Questionnaires overdue")
        LETTER_BACK_DUE = "report_due", _("Report due")
        FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due")
        FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up overdue")
        # A PHQ-9 item-9 answer above 0 (outcomes.SafetyAlert): the most urgent of all.
        SAFETY_ALERT = "safety_alert", _("Safety alert")
        # The same alert, not acknowledged within a working day: to every GP of the practice.
        SAFETY_ALERT_ESCALATED = "safety_alert_escalated", _("Safety alert not acknowledged")
        # From week 12 of therapy on: the therapist is reminded to close and send the end report.
        CLOSE_DUE = "close_due", _("Therapy to close")
        # A reliable deterioration at week 5 or 10 (outcomes.recovery): the GP is told.
        DETERIORATION = "deterioration", _("Questionnaire result to look at")
        # A correction to something a letter back told the GP: the addendum waits (therapy).
        ADDENDUM_READY = "addendum_ready", _("Addendum to a report")
        # To the patient's own address (`address`), their personal link (patientlinks): the
        # questionnaires of a week, one reminder after 3 days, the running log. `recipient` is
        # the therapist in whose care the patient is; `key` is "plink-<link id>[-reminder]".
        PATIENT_QUESTIONNAIRE = "patient_questionnaire", _("Questionnaire link to the patient")
        PATIENT_REMINDER = "patient_reminder", _("Questionnaire reminder to the patient")
        PATIENT_RUNNING_LOG = "patient_running_log", _("Running-log link to the patient")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    due_date = models.DateField(_("due date"))
    # What makes an e-mail one of its own beside (referral, kind, day, recipient): for an event
    # (an answer, a letter, an alert) the event's own key, so two events of one kind on one day
    # each get their e-mail; empty for the sweep's reminders, which come once per due date.
    key = models.CharField(_("event"), max_length=40, blank=True, default="")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Set for an e-mail to an address that is no one's account (the practice's shared address,
    # accounts.Practice.email): it goes there instead; `recipient` is then the referring GP, on
    # whose referral it is, and `key` tells it apart from the GP's own copy ("...-practice").
    address = models.EmailField(_("sent to address"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # A worker's claim: who holds the row and since when. It is a lease: once it has run out
    # (settings.NOTIFICATION_LEASE_SECONDS) with the row still unsent, anyone may claim it again.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    # Written only once the mail server has accepted the message.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # After a failed attempt: not before this time (the back-off doubles per attempt).
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    # Nothing sends the row any more (the mail server refused it for good, or it kept failing
    # for about a day) until an administrator sends it again (the reminder-runs page).
    gave_up_at = models.DateTimeField(_("gave up"), null=True, blank=True)

    class Meta:
        db_table = "referrals_notification"
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "kind", "due_date", "recipient", "key"],
                name="notification_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.referral_id} {self.due_date}"

    @property
    def to(self) -> str:
        """The address the e-mail goes to: the practice's, or the recipient's own."""
        return self.address or self.recipient.email


class ReminderRun(models.Model):
    """One run of the reminder sweep: when, how many of each kind, failures."""

    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    trigger = models.CharField(_("started by"), max_length=20, default="beat")
    counts = models.JSONField(_("sent per kind"), default=dict)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    errors = models.TextField(_("errors"), blank=True)

    class Meta:
        db_table = "referrals_reminderrun"
        ordering = ["-started_at"]
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")

    def __str__(self) -> str:
        return f"Reminder run {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())
