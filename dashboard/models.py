"""The dashboard's counts: pre-aggregated cells per scope, month and figure, and the fact per
referral they were added up from (dashboard.counts keeps both in step).

The tables keep their names from before this app existed (referrals_reportfact,
referrals_reportcell): the models moved, the rows did not.
"""

from django.db import models


class CountFact(models.Model):
    """One sent referral as the dashboard counts it: derived, kept by dashboard.counts.

    It holds what the referral last added to CountCell, so a change can take exactly that back
    out. Plain ids, no foreign keys: it is rebuilt from the referrals at will (`rebuild_counts`)
    and must outlive its referral's deletion long enough to be subtracted.
    """

    referral_id = models.BigIntegerField(primary_key=True)
    practice_id = models.BigIntegerField()
    gp_id = models.BigIntegerField()
    therapist_id = models.BigIntegerField(null=True)
    month = models.DateField()
    status = models.CharField(max_length=20)
    complaint = models.CharField(max_length=20)
    purpose = models.CharField(max_length=20)
    funding = models.CharField(max_length=20)
    accepted = models.BooleanField()
    started = models.BooleanField()
    completed = models.BooleanField()
    stopped = models.BooleanField()
    intake_days = models.IntegerField(null=True)
    # Weeks with every questionnaire filled in, as a bit per QUESTIONNAIRE_WEEKS index.
    complete_weeks = models.PositiveSmallIntegerField(default=0)
    # {instrument code: [total in week 0, total in week 10]}, for instruments with both.
    scores = models.JSONField(default=dict)
    antidepressant = models.CharField(max_length=10, blank=True)
    # The NHS Talking Therapies outcome (outcomes.recovery) from week 0 to the last week with
    # both questionnaires: "" without such a pair, else not_case, not_recovered, recovered or
    # reliably_recovered.
    recovery = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        db_table = "referrals_reportfact"

    def __str__(self) -> str:
        return f"count fact #{self.referral_id}"


class CountCell(models.Model):
    """A pre-aggregated count for the dashboard: per scope, month of sending and figure.

    scope: "a" all practices (scope_id 0), "p" a practice, "g" a GP, "t" a therapist.
    dimension/value: what is counted, e.g. ("status", "in_therapy") or ("intake_days", "7");
    n is the number of referrals (for "score_change", the sum of the changes).
    """

    scope = models.CharField(max_length=1)
    scope_id = models.BigIntegerField()
    dimension = models.CharField(max_length=20)
    month = models.DateField()
    value = models.CharField(max_length=40)
    n = models.BigIntegerField()

    class Meta:
        db_table = "referrals_reportcell"
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "dimension", "month", "value"],
                name="report_cell_key",
            )
        ]

    def __str__(self) -> str:
        where = f"{self.scope}{self.scope_id} {self.month:%Y-%m}"
        return f"{where} {self.dimension}={self.value}: {self.n}"
