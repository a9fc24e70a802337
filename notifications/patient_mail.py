"""The patient's own e-mails: their personal link (patientlinks), through the outbox like all
mail. Each row goes to the patient's address (`address`), on the therapist's name
(`recipient`), keyed by the link: "plink-<id>" for the link, "plink-<id>-reminder" for the one
reminder 3 days later, both dated the link's day, so however often the sweep runs each e-mail
is one row. The token is minted when the e-mail is sent (patientlinks.services
link_token_renew): the outbox never holds it. The e-mail names no condition and no score.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from outcomes.models import QuestionnaireResponse
from patientlinks.exceptions import LinkError
from patientlinks.models import PatientLink
from patientlinks.services import OPEN_STATUSES, link_issue, link_state
from referrals.models import Referral
from referrals.schedule import QUESTIONNAIRE_WEEKS, questionnaire_due

from . import outbox
from .models import Notification

Kind = Notification.Kind
REMIND_AFTER = timedelta(days=3)
#: A week's questionnaires are e-mailed when they fall due and for as long as a link would
#: still be of use in their window (a week).
MAIL_WITHIN = timedelta(days=7)


def link_mail(*, link: PatientLink, **kwargs) -> None:
    """The receiver of patientlinks.signals.link_mail_requested (the therapist's "e-mail it")."""
    kind = (
        Kind.PATIENT_RUNNING_LOG
        if link.purpose == PatientLink.Purpose.RUNNING_LOG
        else Kind.PATIENT_QUESTIONNAIRE
    )
    _mail(link, kind, key=f"plink-{link.pk}")


def _mail(link: PatientLink, kind: str, *, key: str) -> None:
    referral = link.referral
    outbox.notify(
        referral=referral,
        kind=kind,
        recipient=referral.therapist.user,
        key=key,
        due_date=timezone.localdate(link.created_at),
        address=referral.patient.email,
    )
    if link.mailed_at is None:
        PatientLink.objects.filter(pk=link.pk).update(mailed_at=timezone.now())


def patient_links_sweep(*, today: date) -> None:
    """The daily sweep's part: a link for each week whose questionnaires fell due in the last
    week and are missing (to patients who consented and have an address), and one reminder for
    each e-mailed questionnaire link still open after 3 days."""
    referrals = (
        Referral.objects.filter(
            status__in=OPEN_STATUSES, self_report_consent=True, therapist__isnull=False
        )
        .exclude(patient__email="")
        .select_related("patient", "therapist__user")
    )
    referrals = referrals.filter(intake_date__lte=today)
    # The weeks already entered or already linked, for all of them in two queries (not two
    # per referral: the sweep runs over the whole country).
    done: dict[int, set[int]] = defaultdict(set)
    for model in (QuestionnaireResponse, PatientLink):
        pairs = model.objects.filter(referral__in=referrals.values("pk")).values_list(
            "referral_id", "week"
        )
        for referral_id, week in pairs:
            done[referral_id].add(week)
    for referral in referrals:
        start = referral.week_zero
        for week in QUESTIONNAIRE_WEEKS:
            due = questionnaire_due(start, week)
            if week in done[referral.pk] or not today - MAIL_WITHIN < due <= today:
                continue
            if week and referral.therapy_start is None:
                continue  # weeks 5 and 10 count from the start of running
            try:
                with transaction.atomic():
                    link, _token = link_issue(
                        referral=referral,
                        purpose=PatientLink.Purpose.QUESTIONNAIRE,
                        week=week,
                        by=None,
                    )
                    _mail(link, Kind.PATIENT_QUESTIONNAIRE, key=f"plink-{link.pk}")
            except LinkError:
                continue
    open_links = PatientLink.objects.filter(
        purpose=PatientLink.Purpose.QUESTIONNAIRE,
        mailed_at__isnull=False,
        used_at=None,
        revoked_at=None,
        locked_at=None,
        expires_at__gt=timezone.now(),
        created_at__lte=timezone.now() - REMIND_AFTER,
    ).select_related("referral__patient", "referral__therapist__user")
    for link in open_links:
        if link_state(link) == "ok" and link.referral.patient.email:
            with transaction.atomic():
                _mail(link, Kind.PATIENT_REMINDER, key=f"plink-{link.pk}-reminder")
