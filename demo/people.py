"""The demo's practices' people: users with the demo password, and patients with test BSNs."""

from django.utils import timezone

from accounts.models import Practice, User
from patients.models import Patient
from patients.validators import bsn_is_valid

from .data import INSURERS, PASSWORD, STREETS


def fake_bsns(count: int, start: int) -> list[str]:
    """Numbers from the 99999xxxx test range that pass the 11-check: obviously fake, still valid."""
    found, n = [], start
    while len(found) < count:
        candidate = f"{n:09d}"
        if bsn_is_valid(candidate):
            found.append(candidate)
        n += 1
    return found


def demo_user(email, first, last, role, practice, *, confirmed: bool = True) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults=dict(
            first_name=first,
            last_name=last,
            role=role,
            practice=practice,
            is_staff=role == User.Role.ADMIN,
            is_superuser=role == User.Role.ADMIN,
            practice_confirmed_at=timezone.now() if confirmed else None,
        ),
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def demo_patients(practice: Practice, rows, bsns: list[str]) -> list[Patient]:
    patients = []
    for i, (first, tussen, surname, sex, born) in enumerate(rows):
        patient, _created = Patient.objects.get_or_create(
            practice=practice,
            bsn=bsns[i],
            defaults=dict(
                initials=f"{first[0]}.",
                first_name=first,
                tussenvoegsel=tussen,
                surname=surname,
                date_of_birth=born,
                sex=sex,
                phone=f"06 {12345600 + i:08d}"[:11],
                email=f"patient{i + 1}.{practice.agb_code}@example.org",
                address=f"{STREETS[i % len(STREETS)]} {10 + i}",
                postcode=f"35{10 + i:02d} AB",
                city=practice.city,
                insurer_name=INSURERS[i % len(INSURERS)][0],
                insurer_uzovi=INSURERS[i % len(INSURERS)][1],
                policy_number=f"DEMO-{practice.agb_code[-4:]}-{i + 1:04d}",
            ),
        )
        patients.append(patient)
    return patients
