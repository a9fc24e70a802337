"""Who a referral was sent to, and what each therapist it was sent to may see of it.

A referral is sent to one therapist at a time; after a decline the GP may choose another and
send again. Every send writes a ReferralRecipient row (referrals.services.referral_send), and
what a therapist sees follows from those rows alone, never from `Referral.therapist` (the
GP's current choice, which may name a therapist the referral was never sent to) or from
`Referral.sent_at` (the last send, whoever it went to). For a therapist and a referral:

- Sent to them now: they are the latest recipient and the referral is with a therapist
  (WITH_THERAPIST: sent, accepted, intake done, in therapy, completed, stopped). They see it,
  act on it, and their first look is the GP's read receipt.
- Treated by them: they are the latest recipient and the intake was held (or the therapy
  started). After the referral is closed (not cleared, followed up, cancelled) they keep read
  access to their own treatment record (WGBO): the "past clients" list. Read only.
- Anything else, nothing: a therapist who declined (a later recipient, or the referral back
  with the GP or cancelled) sees no more than the confirmation they got when declining; one it
  was sent to who never treated it loses it when it is cancelled; one only chosen, never sent
  to, never had it.

Only the latest recipient can have treated a referral: a treated referral is never sent again.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from accounts.models import User

from .models import Referral, ReferralRecipient, Status

#: Where the referral is with the therapist it was last sent to: before it they had not got it
#: (draft) or gave it back (declined); after it the referral is closed.
WITH_THERAPIST = (
    Status.SENT,
    Status.ACCEPTED,
    Status.INTAKE_DONE,
    Status.IN_THERAPY,
    Status.COMPLETED,
    Status.STOPPED,
)
#: The therapist held the intake (or the therapy started): their own treatment record.
TREATED = Q(intake_done_at__isnull=False) | Q(therapy_started_at__isnull=False)


def latest_sends() -> QuerySet[ReferralRecipient]:
    """Each referral's latest send: the rows with no later row for the same referral."""
    later = ReferralRecipient.objects.filter(referral=OuterRef("referral_id")).filter(
        Q(sent_at__gt=OuterRef("sent_at")) | Q(sent_at=OuterRef("sent_at"), pk__gt=OuterRef("pk"))
    )
    return ReferralRecipient.objects.filter(~Exists(later))


def latest_recipient() -> Subquery:
    """An annotation on Referral: the therapist (id) of its latest send, or None."""
    return Subquery(
        ReferralRecipient.objects.filter(referral=OuterRef("pk"))
        .order_by("-sent_at", "-pk")
        .values("therapist_id")[:1]
    )


def last_sent_to(user: User) -> Q:
    """A condition on Referral: its latest send went to `user` (a therapist's user), whatever
    happened since (the dashboard counts these as "referrals sent to you")."""
    return Q(pk__in=latest_sends().filter(therapist__user=user).values("referral_id"))


def readable_by_any(therapist_ids: QuerySet | list[int]) -> Q:
    """A condition on Referral: what any of these therapists (Therapist ids) may read, by the
    same rule as `readable_by` (a therapist organisation's FHIR client, fhirapi.scope)."""
    sent = latest_sends().filter(therapist_id__in=therapist_ids).values("referral_id")
    return Q(pk__in=sent) & (Q(status__in=WITH_THERAPIST) | TREATED)


def sent_now_to(user: User) -> Q:
    """A condition on Referral: sent to `user` now, theirs to act on."""
    return last_sent_to(user) & Q(status__in=WITH_THERAPIST)


def readable_by(user: User) -> Q:
    """A condition on Referral: what therapist `user` may read (sent to them now, or treated
    by them)."""
    return last_sent_to(user) & (Q(status__in=WITH_THERAPIST) | TREATED)


def is_sent_now_to(referral: Referral, user: User) -> bool:
    """One query: is `referral` sent to `user` now (theirs to act on)?"""
    return Referral.objects.filter(sent_now_to(user), pk=referral.pk).exists()
