"""The GP's three-month follow-up: the model (its rules are `referrals.services` and
`referrals.schedule`, its form `referrals.forms`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import limits

from .models import Referral

#: What the GP fills in (referrals.forms.FollowUpForm) and may correct afterwards
#: (referrals.follow_up_corrections).
FOLLOW_UP_FIELDS = (
    "date",
    "wellbeing",
    "antidepressant",
    "work_status",
    "occupational_physician",
    "runs_per_week",
    "minutes_per_week",
    "plan",
    "notes",
)


@limits.length_checked
class FollowUp(models.Model):
    """The GP's follow-up consultation, three months after the start; it closes the referral.

    The PHQ-9 and GAD-7 of the follow-up are outcomes.QuestionnaireResponse rows (their week is
    outcomes.models.FOLLOW_UP_WEEK), entered with it in one transaction through the follow-up
    page's parts (referrals.pages.follow_up_part). `phq9_total` is what follow-ups held before
    that recorded, and the PHQ-9 total of the ones after.
    """

    class Wellbeing(models.TextChoices):
        BETTER = "better", _("Better")
        SAME = "same", _("The same")
        WORSE = "worse", _("Worse")

    class Antidepressant(models.TextChoices):
        # Stored values keep their words ("continued" is "unchanged"): the dashboard's counts
        # hold them.
        # "Not used" since the referral, not "never" (a clinician's try-out: it claimed
        # lifetime non-use); raising the dose and switching are the usual steps when an
        # antidepressant helps too little (NHG-Standaard Depressie).
        NEVER = "never", _("Not used")
        STARTED = "started", _("Started")
        CONTINUED = "continued", _("Unchanged")
        INCREASED = "increased", _("Dose increased")
        REDUCED = "reduced", _("Dose reduced")
        SWITCHED = "switched", _("Switched to another medicine")
        STOPPED = "stopped", _("Stopped")

    class Work(models.TextChoices):
        """In the terms of Dutch sick leave (Wet verbetering poortwachter): the patient's own
        work (spoor 1) or another employer's (spoor 2)."""

        WORKING = "working", _("Working fully")
        PARTLY = "partly", _("Reported partly recovered")
        SICK_LEAVE = "sick_leave", _("Reported sick")
        TRACK_1 = "track_1", _("Reintegration, track 1 (own employer)")
        TRACK_2 = "track_2", _("Reintegration, track 2 (another employer)")
        SELF_EMPLOYED = "self_employed", _("Self-employed")
        NO_PAID_WORK = "no_paid_work", _("No paid work")
        RETIRED = "retired", _("Retired")
        STUDENT = "student", _("Student")

    #: The work statuses of an employee, the ones an occupational physician (bedrijfsarts) is
    #: asked about.
    EMPLOYED = (Work.WORKING, Work.PARTLY, Work.SICK_LEAVE, Work.TRACK_1, Work.TRACK_2)

    class Running(models.TextChoices):
        """What follow-ups before sessions and minutes per week recorded: read, not asked."""

        YES = "yes", _("Yes")
        SOMETIMES = "sometimes", _("Sometimes")
        NO = "no", _("No")

    class Plan(models.TextChoices):
        CLOSED = "closed", _("Episode closed")
        POH_GGZ = "poh_ggz", _("POH-GGZ")
        BASIC_GGZ = "basic_ggz", _("Basic mental health care (basis-GGZ)")
        PSYCHOLOGICAL = "psychological", _("Psychological treatment")
        SPECIALIST_GGZ = "specialist_ggz", _("Specialist mental health care (sGGZ)")
        CRISIS = "crisis", _("Crisis service (acute mental health care)")
        MEDICATION = "medication", _("Adjust medication")
        GP_CONSULT = "gp_consult", _("Follow-up consultation with the GP")
        KEEP_RUNNING = "keep_running", _("Keep running")

    #: Plausible running per week now: at most twice a day, at most 20 hours.
    MAX_RUNS_PER_WEEK = 14
    MAX_MINUTES_PER_WEEK = 1200

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="follow_up")
    date = models.DateField(_("date of the consultation"))
    wellbeing = models.CharField(
        _("how is the patient doing?"), max_length=10, choices=Wellbeing.choices
    )
    phq9_total = models.PositiveSmallIntegerField(
        _("PHQ-9 total at follow-up"), null=True, blank=True
    )
    antidepressant = models.CharField(
        _("antidepressant since the referral"), max_length=10, choices=Antidepressant.choices
    )
    work_status = models.CharField(_("work"), max_length=15, choices=Work.choices)
    occupational_physician = models.BooleanField(
        _("occupational physician involved"), null=True, blank=True
    )
    still_running = models.CharField(
        _("still running?"), max_length=10, choices=Running.choices, blank=True
    )
    runs_per_week = models.PositiveSmallIntegerField(_("runs per week now"), null=True, blank=True)
    minutes_per_week = models.PositiveSmallIntegerField(
        _("minutes of running per week now"), null=True, blank=True
    )
    plan = models.JSONField(_("plan"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=limits.REASON)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phq9_total__isnull=True) | models.Q(phq9_total__lte=27),
                name="follow_up_phq9_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    work_status__in=[
                        "working",
                        "partly",
                        "sick_leave",
                        "track_1",
                        "track_2",
                        "self_employed",
                        "no_paid_work",
                        "retired",
                        "student",
                    ]
                ),
                name="follow_up_work_known",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    antidepressant__in=[
                        "never",
                        "started",
                        "continued",
                        "increased",
                        "reduced",
                        "switched",
                        "stopped",
                    ]
                ),
                name="follow_up_antidepressant_known",
            ),
            models.CheckConstraint(
                condition=models.Q(runs_per_week__isnull=True) | models.Q(runs_per_week__lte=14),
                name="follow_up_runs_range",
            ),
            models.CheckConstraint(
                condition=models.Q(minutes_per_week__isnull=True)
                | models.Q(minutes_per_week__lte=1200),
                name="follow_up_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up {self.referral_id} {self.date}"

    @property
    def plan_labels(self) -> list[str]:
        labels = dict(self.Plan.choices)
        return [labels[key] for key in self.plan if key in labels]
