"""The demo's corrections (patients.corrections): made through the services, as a user would.

A session whose distance was saved as 24 km for the 2,4 the therapist typed (the slip of the
number field, issue 17), corrected with its reason; a session logged twice, withdrawn; a
patient's new phone number, corrected by a colleague GP; a GP's follow-up whose note said the
wrong number of runs, corrected by the GP. Made once: a second run finds them.
"""

from decimal import Decimal

from accounts.models import User
from patients.corrections import patient_correct
from patients.models import Correction, Patient
from referrals.follow_up_corrections import follow_up_correct
from referrals.models import FollowUp, Referral, Status
from therapy import corrections
from therapy.models import TherapySession


def demo_corrections(users: dict[str, User]) -> None:
    if Correction.objects.exists():
        return
    demo_follow_up_correction(users["huisarts@example.org"])
    therapist = users["therapeut@example.org"]
    referral = (
        Referral.objects.filter(
            therapist__user=therapist,
            status=Status.IN_THERAPY,
            practice=users["huisarts@example.org"].practice,
        )
        .filter(sessions__group=None, sessions__attendance="attended")
        .distinct()
        .order_by("pk")
        .first()
    )
    if referral is None:
        return
    rows = referral.sessions.filter(attendance="attended").order_by("date", "pk")
    slip = rows.filter(group=None).first()
    typed = slip.distance_km
    TherapySession.objects.filter(pk=slip.pk).update(distance_km=Decimal(typed) * 10)
    slip.refresh_from_db()
    data = {name: getattr(slip, name) for name in corrections.SESSION_FIELDS}
    data["distance_km"] = typed
    corrections.session_correct(
        referral=referral,
        session_id=slip.pk,
        data=data,
        reason=f"Komma weggevallen: {str(typed).replace('.', ',')} km werd 10 keer zo veel.",
        by=therapist,
    )
    twice = rows.exclude(pk=slip.pk).filter(group=None).last() or rows.exclude(pk=slip.pk).last()
    if twice is not None:
        corrections.session_withdraw(
            referral=referral,
            session_id=twice.pk,
            reason="Per ongeluk bij deze patiënt vastgelegd; zij was die dag er niet.",
            by=therapist,
        )
    patient = referral.patient
    corrected = Patient.objects.get(pk=patient.pk)
    corrected.phone = "06-48151623"
    patient_correct(
        patient=patient,
        corrected=corrected,
        reason="Nieuw mobiel nummer, door de patiënt aan de balie doorgegeven.",
        by=users["huisarts3@example.org"],
    )


def demo_follow_up_correction(gp: User) -> None:
    """The GP's latest follow-up: its note corrected with a reason (what the form checks, the
    runs and minutes a week, stays as recorded)."""
    recorded = FollowUp.objects.filter(recorded_by=gp).order_by("-recorded_at", "-pk").first()
    if recorded is None:
        return
    corrected = FollowUp.objects.get(pk=recorded.pk)
    corrected.notes = "Loopt zelfstandig verder met een buurvrouw; afspraak over drie maanden."
    follow_up_correct(
        referral=recorded.referral,
        corrected=corrected,
        reason="Notitie van een ander consult overgenomen; dit is wat de patiënt vertelde.",
        by=gp,
    )
