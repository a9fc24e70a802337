"""Keep the reports' pre-aggregated cells in step with every change that the reports count.

Any save or delete of a referral, a questionnaire or a follow-up refreshes that referral's
report fact and cells in the same transaction (referrals.report_cells.refresh). Bulk changes
that bypass the ORM (QuerySet.update, COPY) must call `refresh` or `manage.py rebuild_reports`.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from outcomes.models import QuestionnaireResponse

from . import report_cells
from .models import FollowUp, Referral

# A referral saved with only these fields changed cannot change a report figure.
REPORTED_FIELDS = frozenset(report_cells.REFERRAL_FIELDS) | {"practice", "gp", "therapist"}


@receiver(post_save, sender=Referral, dispatch_uid="report_cells_referral_saved")
def referral_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not REPORTED_FIELDS & set(update_fields)):
        return
    report_cells.refresh([instance.pk])


@receiver(post_delete, sender=Referral, dispatch_uid="report_cells_referral_deleted")
def referral_deleted(sender, instance, **kwargs):
    report_cells.refresh([instance.pk])


@receiver(post_save, sender=QuestionnaireResponse, dispatch_uid="report_cells_answers_saved")
@receiver(post_save, sender=FollowUp, dispatch_uid="report_cells_follow_up_saved")
def child_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        report_cells.refresh([instance.referral_id])


@receiver(post_delete, sender=QuestionnaireResponse, dispatch_uid="report_cells_answers_deleted")
@receiver(post_delete, sender=FollowUp, dispatch_uid="report_cells_follow_up_deleted")
def child_deleted(sender, instance, **kwargs):
    report_cells.refresh([instance.referral_id])
