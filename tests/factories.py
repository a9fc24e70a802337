"""One factory per model, with identifiers that are valid in form but obviously fake.

BSNs come from the 99999xxxx test range and pass the 11-check; AGB codes and BIG numbers start
with 9s; email addresses live under example.org.
"""

import hashlib
from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from accounts.models import GPProfile, Practice, User
from patients.models import Patient
from patients.validators import bsn_is_valid
from referrals import readiness
from referrals.models import (
    FitnessCheck,
    Referral,
    ReferralDocument,
    ReferralEvent,
    ReferralRecipient,
    Status,
)
from therapists.models import NetworkMembership, Therapist

TEST_PASSWORD = "pw-test-1234"

# The demo data (demo/people.py) counts up from 999990000; counting down from the top keeps
# factory patients clear of it.
_BSN_RANGE = range(999_999_999, 999_990_000 - 1, -1)
TEST_BSNS: tuple[str, ...] = tuple(f"{n:09d}" for n in _BSN_RANGE if bsn_is_valid(f"{n:09d}"))


def fake_bsn(n: int) -> str:
    """The n-th valid BSN of the 99999xxxx test range (there are about 900)."""
    return TEST_BSNS[n % len(TEST_BSNS)]


class PracticeFactory(DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Testpraktijk {n}")
    agb_code = factory.Sequence(lambda n: f"9900{n:04d}")
    address = factory.Sequence(lambda n: f"Teststraat {n + 1}")
    postcode = "9999 ZZ"
    city = "Teststad"
    phone = "099 999 99 99"
    email = factory.Sequence(lambda n: f"praktijk{n}@example.org")


class UserFactory(DjangoModelFactory):
    """A user of any role; GPs and practice managers get a practice of their own by default.

    The password is hashed while the instance is built (`factory.django.Password`), so there is no
    post-generation hook and no second save.
    """

    class Meta:
        model = User

    class Params:
        admin = factory.Trait(role=User.Role.ADMIN, is_staff=True, is_superuser=True)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    role = User.Role.GP
    practice = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in (User.Role.GP, User.Role.PRACTICE_MANAGER)),
        yes_declaration=factory.SubFactory(PracticeFactory),
        no_declaration=None,
    )
    password = Password(TEST_PASSWORD)
    # Confirmed by their practice (accounts.services.practice_member_added); a test of the
    # four-eyes rule sets it to None.
    practice_confirmed_at = factory.LazyFunction(timezone.now)


class GPProfileFactory(DjangoModelFactory):
    class Meta:
        model = GPProfile

    user = factory.SubFactory(UserFactory, role=User.Role.GP)
    agb_code = factory.Sequence(lambda n: f"9910{n:04d}")
    big_number = factory.Sequence(lambda n: f"999{n:08d}")


class TherapistFactory(DjangoModelFactory):
    """An unverified register entry; `TherapistFactory(verified=True)` for one that was checked."""

    class Meta:
        model = Therapist

    class Params:
        verified = factory.Trait(
            is_verified=True,
            verified_by=factory.SubFactory(UserFactory, admin=True),
            verified_at=factory.LazyFunction(timezone.now),
        )

    user = factory.SubFactory(UserFactory, role=User.Role.THERAPIST)
    profession = Therapist.Profession.PHYSIOTHERAPIST
    organisation = factory.Sequence(lambda n: f"Testfysio {n}")
    certificate_number = factory.Sequence(lambda n: f"RT-TEST-{n:05d}")
    certificate_date = date(2020, 1, 1)
    address = factory.Sequence(lambda n: f"Looppad {n + 1}")
    postcode = "9999 ZZ"
    city = "Teststad"
    phone = "099 888 88 88"


class NetworkMembershipFactory(DjangoModelFactory):
    class Meta:
        model = NetworkMembership

    practice = factory.SubFactory(PracticeFactory)
    therapist = factory.SubFactory(TherapistFactory, verified=True)
    added_by = factory.SubFactory(
        UserFactory, role=User.Role.GP, practice=factory.SelfAttribute("..practice")
    )


class PatientFactory(DjangoModelFactory):
    class Meta:
        model = Patient

    practice = factory.SubFactory(PracticeFactory)
    bsn = factory.Sequence(fake_bsn)
    initials = "T."
    first_name = "Test"
    surname = factory.Sequence(lambda n: f"Patiënt {n}")
    date_of_birth = date(1980, 1, 1)
    sex = Patient.Sex.OTHER


class ReferralFactory(DjangoModelFactory):
    """A referral in any status, built directly (the lifecycle services are not involved).

    The therapist is chosen and verified; a referral that left draft has `sent_at` set and, as if
    it had been sent to its therapist then, a ReferralRecipient row (what lets the therapist see
    it); `recipient=False` leaves the row out. A ReferralDocumentFactory letter made afterwards
    becomes the letter of that send.
    """

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    practice = factory.SelfAttribute("patient.practice")
    gp = factory.SubFactory(
        UserFactory, role=User.Role.GP, practice=factory.SelfAttribute("..practice")
    )
    therapist = factory.SubFactory(TherapistFactory, verified=True)
    status = Status.DRAFT
    consent_given = True
    complaint = "P03"
    severity = "mild"
    purpose = "treatment"
    funding = "self_pay"
    question = "Testverwijzing."
    # The risk rubric answered (no, no, no): sending needs an answer to each (referrals.risk).
    risk_suicidality = False
    risk_psychosis = False
    risk_bipolar = False
    sent_at = factory.Maybe(
        factory.LazyAttribute(lambda o: o.status != Status.DRAFT),
        yes_declaration=factory.LazyFunction(timezone.now),
        no_declaration=None,
    )

    @factory.post_generation
    def recipient(obj, create, extracted, **kwargs):
        if create and extracted is not False and obj.sent_at and obj.therapist_id:
            ReferralRecipient.objects.create(
                referral=obj, therapist=obj.therapist, sent_at=obj.sent_at
            )


def referral_of(gp: User, therapist: User, **fields) -> Referral:
    """A referral of a new patient of `gp`'s practice, by `gp` to `therapist`."""
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice), gp=gp, therapist=therapist.therapist, **fields
    )


class ReferralEventFactory(DjangoModelFactory):
    class Meta:
        model = ReferralEvent

    referral = factory.SubFactory(ReferralFactory)
    from_status = ""
    to_status = Status.DRAFT
    actor = factory.SelfAttribute("referral.gp")


class FitnessCheckFactory(DjangoModelFactory):
    """A screen with every answer "no"."""

    class Meta:
        model = FitnessCheck

    referral = factory.SubFactory(ReferralFactory)
    answers = factory.LazyFunction(
        lambda: {q.key: False for q in (*readiness.GENERAL, *readiness.DELAY)}
    )
    checked_by = factory.SelfAttribute("referral.gp")
    checked_at = factory.LazyFunction(timezone.now)


class ReferralDocumentFactory(DjangoModelFactory):
    """A stored PDF; a referral letter becomes the letter of the referral's latest send that has
    none yet (the letter as sent)."""

    class Meta:
        model = ReferralDocument
        skip_postgeneration_save = True

    referral = factory.SubFactory(ReferralFactory)
    kind = ReferralDocument.Kind.LETTER
    content = b"%PDF-1.4 test document"
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    created_by = factory.SelfAttribute("referral.gp")

    @factory.post_generation
    def as_sent(obj, create, extracted, **kwargs):
        if create and obj.kind == ReferralDocument.Kind.LETTER:
            send = obj.referral.recipients.filter(letter=None).order_by("-sent_at", "-pk").first()
            if send is not None:
                send.letter = obj
                send.save(update_fields=["letter"])


# --- Mood questionnaires and safety alerts (outcomes) ----------------------------------------

from outcomes.models import QuestionnaireResponse, SafetyAlert  # noqa: E402


class QuestionnaireResponseFactory(DjangoModelFactory):
    """A PHQ-9 at week 0 with every answer 1 (total 9, mild); pass `answers` for another score.

    Built directly, without the service: total and band are whatever you pass.
    """

    class Meta:
        model = QuestionnaireResponse

    referral = factory.SubFactory(ReferralFactory, status=Status.IN_THERAPY)
    instrument = "PHQ-9"
    week = 0
    answers = factory.LazyFunction(lambda: [1] * 9)
    total = factory.LazyAttribute(lambda o: sum(o.answers))
    band = "mild"
    completed_on = factory.LazyFunction(timezone.localdate)
    entered_by = factory.SelfAttribute("referral.therapist.user")


class SafetyAlertFactory(DjangoModelFactory):
    class Meta:
        model = SafetyAlert

    response = factory.SubFactory(
        QuestionnaireResponseFactory, answers=[0, 0, 0, 0, 0, 0, 0, 0, 1], band="minimal"
    )
    referral = factory.SelfAttribute("response.referral")
    code = "phq9_item9"


# --- Running sessions (therapists) -------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from therapy.models import TherapySession  # noqa: E402


class TherapySessionFactory(DjangoModelFactory):
    """An attended, supervised session of a referral in therapy, logged by its therapist."""

    class Meta:
        model = TherapySession

    referral = factory.SubFactory(ReferralFactory, status=Status.IN_THERAPY)
    date = factory.LazyFunction(timezone.localdate)
    mode = TherapySession.Mode.SUPERVISED
    attendance = TherapySession.Attendance.ATTENDED
    minutes_running = 20
    minutes_walking = 10
    distance_km = Decimal("3.5")
    average_heart_rate = 140
    rpe = 13
    recorded_by = factory.SelfAttribute("referral.therapist.user")


# --- The therapist's records: intake, screening, reports (therapists, referrals) ---------------

from therapy.models import (  # noqa: E402
    Intake,
    Screening,
    TherapyLetter,  # noqa: E402
)


class IntakeFactory(DjangoModelFactory):
    """The intake of a referral, dated on the referral's `intake_date` (today when it has none)."""

    class Meta:
        model = Intake

    referral = factory.SubFactory(
        ReferralFactory,
        status=Status.INTAKE_DONE,
        intake_date=factory.LazyFunction(timezone.localdate),
    )
    date = factory.LazyAttribute(lambda o: o.referral.intake_date or timezone.localdate())
    goals = "Drie keer per week dertig minuten hardlopen."
    plan = "Twee keer per week in de groep."
    # The guideline's dose (therapy.dose).
    plan_weeks = 9
    plan_supervised_per_week = 1
    plan_own_runs_per_week = 2
    plan_minutes = 45
    plan_borg_rpe = 13
    recorded_by = factory.SelfAttribute("referral.therapist.user")


class ScreeningFactory(DjangoModelFactory):
    """A cleared sports-medical screening with unremarkable values."""

    class Meta:
        model = Screening

    referral = factory.SubFactory(ReferralFactory, status=Status.IN_THERAPY)
    # The start of therapy when there is one, else the intake date, else today.
    date = factory.LazyAttribute(lambda o: o.referral.week_zero or timezone.localdate())
    resting_heart_rate = 64
    systolic = 125
    diastolic = 80
    height_cm = 178
    weight_kg = Decimal("74.0")
    outcome = Screening.Outcome.CLEARED
    recorded_by = factory.SelfAttribute("referral.therapist.user")


class TherapyLetterFactory(DjangoModelFactory):
    """A report after intake, without its PDF (add a ReferralDocumentFactory for that)."""

    class Meta:
        model = TherapyLetter

    referral = factory.SubFactory(ReferralFactory, status=Status.IN_THERAPY)
    kind = TherapyLetter.Kind.INTAKE
    summary = "Goed gestart."
    written_by = factory.SelfAttribute("referral.therapist.user")


# --- The outbox -----------------------------------------------------------------------------

from notifications.models import Notification  # noqa: E402


def unsent_email(gp: User, therapist: User) -> Notification:
    """An e-mail to `therapist` about a new referral from `gp`'s patient, not sent yet."""
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.SENT,
        sent_at=timezone.now(),
    )
    return Notification.objects.create(
        referral=referral,
        kind=Notification.Kind.NEW_REFERRAL,
        due_date=timezone.localdate(),
        recipient=therapist,
    )


def draft_ready_to_send(gp: User, therapist: User) -> Referral:
    """A draft of `gp`'s patient to `therapist`, complete and with the fitness check: sendable."""
    referral = ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.DRAFT,
        complaint="P03",
        severity="mild",
        question="Kan hardlopen helpen?",
        purpose="treatment",
        funding="health_insurer",
        uses_antidepressant=False,
        consent_given=True,
    )
    FitnessCheckFactory(referral=referral, checked_by=gp)
    return referral


def enrolment_path(user: User, *, token: str = "", hours: float = 24) -> str:
    """An enrolment link for `user` as the e-mail would carry it (valid `hours` from now)."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import EnrolmentLink
    from accounts.services import token_hash

    token = token or f"test-enrolment-{user.pk}-{EnrolmentLink.objects.count()}"
    EnrolmentLink.objects.create(
        user=user,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    return reverse("accounts:enrol", kwargs={"token": token})


def passkey_of(user: User, *, name: str = "Laptop") -> int:
    """The pk of a passkey row of `user` (made once), for the pages that take one. It cannot sign
    in and does not count as a second factor (unconfirmed, and no real public key:
    tests/passkey_authenticator.py makes real ones), so the user's other pages stay as they are."""
    import os

    from django_otp_webauthn.models import WebAuthnCredential

    passkey = WebAuthnCredential.objects.filter(user=user).first()
    if passkey is None:
        passkey = WebAuthnCredential(
            user=user,
            name=name,
            confirmed=False,
            credential_id=os.urandom(32),
            public_key=b"-",
            aaguid="0" * 36,
        )
        passkey.save()
    return passkey.pk


def in_therapy_since(gp: User, therapist: User, days: int, **fields) -> Referral:
    """A referral of `gp` with `therapist`, in therapy since `days` ago (the screening cleared
    then: week 0), the intake two days before, the GP's follow-up due three months after."""
    from datetime import timedelta

    from referrals.schedule import follow_up_due

    start = timezone.localdate() - timedelta(days=days)
    now = timezone.now()
    fields.setdefault("sent_at", now - timedelta(days=days + 10))
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=start - timedelta(days=2),
        therapy_start=start,
        therapy_started_at=now - timedelta(days=days),
        accepted_at=now - timedelta(days=days + 8),
        follow_up_due=follow_up_due(start),
        **fields,
    )


def follow_up_post(phq9=(1, 1, 1, 1, 0, 1, 1, 0, 0), gad7=(1, 1, 0, 1, 0, 1, 0), **overrides):
    """What the GP's follow-up form posts when filled in: every field, the PHQ-9 and GAD-7 items
    (phq9-item_1 ...) and their functioning question. PHQ-9 total 6, GAD-7 total 4."""
    data = {
        "date": timezone.localdate().isoformat(),
        "wellbeing": "better",
        "antidepressant": "never",
        "work_status": "working",
        "occupational_physician": "False",
        "runs_per_week": "2",
        "minutes_per_week": "60",
        "plan": ["keep_running"],
        "notes": "Loopt twee keer per week.",
        "phq9-difficulty": "1",
        "gad7-difficulty": "0",
    }
    data |= {f"phq9-item_{i + 1}": str(v) for i, v in enumerate(phq9)}
    data |= {f"gad7-item_{i + 1}": str(v) for i, v in enumerate(gad7)}
    return {**data, **overrides}


from therapy.models import SavedGroup  # noqa: E402


class SavedGroupFactory(DjangoModelFactory):
    """A therapist's saved group; `members=[referral, ...]` sets its usual participants."""

    class Meta:
        model = SavedGroup
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory, role=User.Role.THERAPIST)
    name = factory.Sequence(lambda n: f"Testgroep {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


# --- The running log (therapy.running_log) ------------------------------------------------------

from therapy.models import RunLogEntry  # noqa: E402


class RunLogEntryFactory(DjangoModelFactory):
    """A run the patient entered through their link, today."""

    class Meta:
        model = RunLogEntry

    referral = factory.SubFactory(ReferralFactory, status=Status.IN_THERAPY)
    date = factory.LazyFunction(timezone.localdate)
    minutes_running = 20
    minutes_walking = 10
    borg = 13
    entered_by_patient = True
    entered_by = None
