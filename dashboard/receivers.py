"""Keep the dashboard's counts in step with every change that the dashboard counts.

Any save or delete of a referral, a questionnaire, a follow-up or a send (ReferralRecipient:
whom a therapist's figures count) refreshes that referral's report fact and cells in the same
transaction (dashboard.counts.refresh). Connected in DashboardConfig.ready. Bulk changes that
bypass the ORM (QuerySet.update, COPY) must call `refresh` or `manage.py rebuild_counts`.
"""

from django.db.models.signals import post_delete, post_save

from outcomes.models import QuestionnaireResponse
from referrals.models import FollowUp, Referral, ReferralRecipient

from . import counts

# A referral saved with only these fields changed cannot change a report figure.
REPORTED_FIELDS = frozenset(counts.REFERRAL_FIELDS) | {"practice", "gp", "therapist"}


def referral_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not REPORTED_FIELDS & set(update_fields)):
        return
    counts.refresh([instance.pk])


def referral_deleted(sender, instance, **kwargs):
    counts.refresh([instance.pk])


def child_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        counts.refresh([instance.referral_id])


def child_deleted(sender, instance, **kwargs):
    counts.refresh([instance.referral_id])


def connect() -> None:
    post_save.connect(referral_saved, sender=Referral, dispatch_uid="counts_referral_saved")
    post_delete.connect(referral_deleted, sender=Referral, dispatch_uid="counts_referral_deleted")
    for model in (QuestionnaireResponse, FollowUp, ReferralRecipient):
        name = model._meta.model_name
        post_save.connect(child_saved, sender=model, dispatch_uid=f"counts_{name}_saved")
        post_delete.connect(child_deleted, sender=model, dispatch_uid=f"counts_{name}_deleted")
