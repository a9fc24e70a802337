"""The referral state machine, over every (from, to) pair of statuses."""

import itertools

import pytest
from django.utils import timezone

from referrals.exceptions import InvalidTransition
from referrals.models import STATUS_TIMESTAMP, TRANSITIONS, Referral, ReferralEvent, Status
from referrals.services import referral_transition

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db

PAIRS = list(itertools.product(Status, Status))
ALLOWED = [(a, b) for a, b in PAIRS if b in TRANSITIONS[a]]
DISALLOWED = [(a, b) for a, b in PAIRS if b not in TRANSITIONS[a]]


def pair_id(pair) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def test_transition_table_covers_every_status_and_only_statuses():
    assert set(TRANSITIONS) == set(Status)
    assert set().union(*TRANSITIONS.values()) <= set(Status)
    assert set(STATUS_TIMESTAMP) == set(Status) - {Status.DRAFT}


def test_no_status_may_move_to_itself():
    assert all(status not in TRANSITIONS[status] for status in Status)


@pytest.mark.parametrize(("start", "to"), ALLOWED, ids=map(pair_id, ALLOWED))
def test_allowed_transition_sets_status_and_timestamp_and_writes_one_event(start, to):
    referral = ReferralFactory(status=start)
    actor = referral.gp
    before = timezone.now()

    moved = referral_transition(referral=referral, to=to, by=actor, note=f"naar {to}")

    referral.refresh_from_db()
    assert moved.status == referral.status == to
    stamp = getattr(referral, STATUS_TIMESTAMP[to])
    assert stamp is not None
    assert before <= stamp <= timezone.now()
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        start,
        to,
        actor,
        f"naar {to}",
    )


@pytest.mark.parametrize(("start", "to"), DISALLOWED, ids=map(pair_id, DISALLOWED))
def test_disallowed_transition_raises_and_changes_nothing(start, to):
    referral = ReferralFactory(status=start)
    row_before = Referral.objects.filter(pk=referral.pk).values().get()

    with pytest.raises(InvalidTransition):
        referral_transition(referral=referral, to=to, by=referral.gp, note="mag niet")

    assert Referral.objects.filter(pk=referral.pk).values().get() == row_before
    assert not ReferralEvent.objects.exists()


def test_transition_checks_the_stored_status_not_a_stale_instance():
    referral = ReferralFactory(status=Status.SENT)
    stale = Referral.objects.get(pk=referral.pk)
    referral_transition(referral=referral, to=Status.DECLINED, by=referral.therapist.user)

    # The stale copy still says "sent", from where "accepted" would be allowed.
    with pytest.raises(InvalidTransition):
        referral_transition(referral=stale, to=Status.ACCEPTED, by=referral.therapist.user)
    assert Referral.objects.get(pk=referral.pk).status == Status.DECLINED
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_extra_changes_are_saved_with_the_transition():
    referral = ReferralFactory(status=Status.SENT)
    referral_transition(
        referral=referral,
        to=Status.DECLINED,
        by=referral.therapist.user,
        note="Groep vol",
        decline_reason="Groep vol",
    )
    referral.refresh_from_db()
    assert referral.decline_reason == "Groep vol"
