"""Demo data for `manage.py seed_demo`: two practices, a user per role, patients at every stage.

Idempotent: users, practices and patients are keyed on email, AGB code and BSN; a patient's demo
referral is only made when the patient has none, so a second run changes nothing.
"""

from django.db import transaction

from accounts.models import GPProfile, Practice, User
from dashboard import counts
from patients.models import Patient
from referrals.models import (
    Referral,
)
from therapists.models import NetworkMembership, Therapist

from .corrections import demo_corrections
from .data import (
    CONTENT,
    FITNESS,
    PATIENTS_1,
    PATIENTS_2,
    PRACTICES,
    REFERRALS_1,
    REFERRALS_2,
    SAVED_GROUP_NAME,
    THERAPISTS,
    USERS,
    WAITING_COLLEAGUE,
)
from .fhir import demo_fhir_client
from .people import demo_patients, demo_user, fake_bsns
from .referrals import at, demo_referral
from .therapy import demo_saved_group, demo_therapy


@transaction.atomic
def seed_demo(*, documents: bool = True, new_fhir_secret: bool = False) -> dict:
    """`documents=False` skips rendering the PDFs (tests that don't read them run faster).
    The counts, and under "fhir_client" the demo FHIR client's id and its secret (None when
    the client was there already and no new secret was asked for)."""
    practices = [
        Practice.objects.get_or_create(agb_code=p["agb_code"], defaults=p)[0] for p in PRACTICES
    ]
    users = {}
    for email, first, last, role, practice_index, gp_codes in USERS:
        practice = practices[practice_index] if practice_index is not None else None
        users[email] = demo_user(email, first, last, role, practice)
        if gp_codes:
            GPProfile.objects.get_or_create(
                user=users[email],
                defaults={
                    "agb_code": gp_codes[0],
                    "big_number": gp_codes[1],
                    "direct_phone": gp_codes[2],
                },
            )
    email, first, last, role, practice_index, gp_codes = WAITING_COLLEAGUE
    waiting = demo_user(email, first, last, role, practices[practice_index], confirmed=False)
    GPProfile.objects.get_or_create(
        user=waiting, defaults={"agb_code": gp_codes[0], "big_number": gp_codes[1]}
    )
    admin = users["admin@example.org"]
    therapists = []
    for email, data in THERAPISTS.items():
        data = dict(data)
        verified = data.pop("verified")
        therapist, _created = Therapist.objects.get_or_create(
            user=users[email],
            defaults=dict(
                data,
                is_verified=verified,
                verified_by=admin if verified else None,
                verified_at=at(400) if verified else None,
            ),
        )
        therapists.append(therapist)
    NetworkMembership.objects.get_or_create(
        practice=practices[0],
        therapist=therapists[0],
        defaults={"added_by": users["huisarts@example.org"]},
    )
    NetworkMembership.objects.get_or_create(
        practice=practices[1],
        therapist=therapists[1],
        defaults={"added_by": users["huisarts2@example.org"]},
    )

    bsns = fake_bsns(len(PATIENTS_1) + len(PATIENTS_2), start=999_990_000)
    for practice_no, (practice, rows, plan, gps, bsn_slice) in enumerate(
        (
            (
                practices[0],
                PATIENTS_1,
                REFERRALS_1,
                [users["huisarts@example.org"], users["huisarts3@example.org"]],
                bsns[: len(PATIENTS_1)],
            ),
            (
                practices[1],
                PATIENTS_2,
                REFERRALS_2,
                [users["huisarts2@example.org"]],
                bsns[len(PATIENTS_1) :],
            ),
        )
    ):
        patients = demo_patients(practice, rows, bsn_slice)
        for n, (index, status, days_ago, gp_index, therapist_index) in enumerate(plan):
            therapist = therapists[therapist_index] if therapist_index is not None else None
            gp = gps[gp_index]
            content = CONTENT[n % len(CONTENT)]
            fitness = FITNESS.get(
                (practice_no, index), "depression" if content["uses_antidepressant"] else "clear"
            )
            referral = demo_referral(
                patients[index], gp, therapist, status, days_ago, content, gp, fitness
            )
            if referral is not None:
                demo_therapy(referral, n, documents)
                # The demo sets statuses and dates with QuerySet.update(), which sends no
                # signals: bring the referral's report figures up to date.
                counts.refresh([referral.pk])
    demo_corrections(users)
    demo_saved_group(users["therapeut@example.org"], SAVED_GROUP_NAME)
    fhir_client = demo_fhir_client(practices[0], new_secret=new_fhir_secret)
    return {
        "fhir_client": fhir_client,
        "practices": Practice.objects.count(),
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "referrals": Referral.objects.count(),
    }
