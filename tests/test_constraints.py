"""The database itself refuses rows that break the model's rules, whatever code writes them."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from referrals.models import Referral, Status

from .factories import (
    NetworkMembershipFactory,
    PatientFactory,
    ReferralFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused():
    """Expect the database to refuse the write.

    The savepoint inside `pytest.raises` is rolled back, so the test's transaction stays usable
    (PostgreSQL aborts a transaction after an error otherwise).
    """
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def test_referral_status_outside_the_choices_is_refused():
    referral = ReferralFactory()
    with refused():
        Referral.objects.filter(pk=referral.pk).update(status="lost")


def test_user_role_outside_the_choices_is_refused():
    user = UserFactory(role=User.Role.THERAPIST)
    with refused():
        User.objects.filter(pk=user.pk).update(role="boss")


@pytest.mark.parametrize("role", [User.Role.GP, User.Role.PRACTICE_MANAGER])
def test_gp_or_manager_without_practice_is_refused(role):
    with refused():
        UserFactory(role=role, practice=None)


@pytest.mark.parametrize("role", [User.Role.THERAPIST, User.Role.ADMIN])
def test_therapist_or_admin_without_practice_is_allowed(role):
    assert UserFactory(role=role, practice=None).practice is None


def test_second_open_referral_for_the_same_patient_is_refused():
    first = ReferralFactory(status=Status.IN_THERAPY)
    with refused():
        ReferralFactory(patient=first.patient, gp=first.gp, status=Status.DRAFT)


@pytest.mark.parametrize("closed", [Status.CANCELLED, Status.FOLLOWED_UP, Status.NOT_CLEARED])
def test_new_referral_is_allowed_once_the_patients_earlier_referral_is_closed(closed):
    first = ReferralFactory(status=closed)
    second = ReferralFactory(patient=first.patient, gp=first.gp, status=Status.DRAFT)
    assert set(first.patient.referrals.all()) == {first, second}


def test_closed_referrals_of_one_patient_may_be_several():
    first = ReferralFactory(status=Status.CANCELLED)
    ReferralFactory(patient=first.patient, gp=first.gp, status=Status.FOLLOWED_UP)
    assert first.patient.referrals.count() == 2


def test_open_referral_cannot_be_reopened_next_to_another_open_one():
    first = ReferralFactory(status=Status.CANCELLED)
    ReferralFactory(patient=first.patient, gp=first.gp, status=Status.SENT)
    with refused():
        Referral.objects.filter(pk=first.pk).update(status=Status.DRAFT)


def test_same_bsn_twice_in_one_practice_is_refused():
    patient = PatientFactory()
    with refused():
        PatientFactory(practice=patient.practice, bsn=patient.bsn)


def test_same_bsn_in_another_practice_is_allowed():
    patient = PatientFactory()
    other = PatientFactory(bsn=patient.bsn)
    assert other.practice != patient.practice


@pytest.mark.parametrize("status", [s for s in Status if s not in (Status.DRAFT, Status.CANCELLED)])
def test_referral_past_draft_without_therapist_is_refused(status):
    with refused():
        ReferralFactory(status=status, therapist=None)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CANCELLED])
def test_draft_or_cancelled_referral_without_therapist_is_allowed(status):
    assert ReferralFactory(status=status, therapist=None).therapist is None


def test_verified_therapist_without_verifier_is_refused():
    with refused():
        TherapistFactory(is_verified=True, verified_by=None, verified_at=timezone.now())


def test_verified_therapist_without_verification_time_is_refused():
    with refused():
        TherapistFactory(is_verified=True, verified_by=UserFactory(admin=True), verified_at=None)


def test_patient_sex_outside_the_choices_is_refused():
    with refused():
        PatientFactory(sex="unknown")


def test_therapist_is_in_a_practices_network_only_once():
    membership = NetworkMembershipFactory()
    with refused():
        NetworkMembershipFactory(practice=membership.practice, therapist=membership.therapist)
