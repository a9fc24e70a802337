"""A demo referral with its history: statuses, dates and events as if they had happened."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from referrals import readiness
from referrals.models import (
    STATUS_TIMESTAMP,
    FitnessCheck,
    Referral,
    ReferralEvent,
    ReferralMedication,
    ReferralRecipient,
    Status,
)

from .data import NOTES, PATHS, STEP_DAYS


def at(days_ago: float, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=int(days_ago))
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def fitness_check(kind: str, day) -> dict:
    """The activity check (referrals.readiness) of one kind of demo patient: every answer "no"
    ("clear"), a well-controlled depression ("depression", cleared without a note), a
    well-controlled hypertension ("hypertension"), a hard stop cleared by a cardiologist
    ("evaluated"), or a reason to wait ("pregnant", "ill")."""
    answers = {q.key: False for q in (*readiness.GENERAL, *readiness.DELAY)}
    if kind == "clear":
        return {"answers": answers}
    for condition in readiness.FOLLOW_UPS:
        answers[condition.key] = False
    if kind == "depression":
        answers |= {"q4": True, "q5": True, "f6": True, "f6a": False, "f6b": False}
        return {"answers": answers, "notes": "Depressie, goed ingesteld op sertraline."}
    if kind == "hypertension":
        answers |= {"q1": True, "q5": True, "f4": True, "f4a": False, "f4b": False}
        return {"answers": answers, "notes": "Hypertensie, goed ingesteld (132/84)."}
    if kind == "evaluated":
        answers |= {"q2": True, "q1": True, "f3": True}
        answers |= {"f3a": False, "f3b": False, "f3c": False, "f3d": False}
        return {
            "answers": answers,
            "notes": "Drukkend gevoel op de borst bij traplopen; verwezen naar de cardioloog.",
            "evaluated_by": "Dr. M. Hoekstra, cardioloog (Diakonessenhuis)",
            "evaluated_on": day,
            "evaluation": FitnessCheck.Evaluation.CLEARED_WITH_LIMITS,
            "evaluation_limits": "Inspanningstest normaal; hartslag de eerste 4 weken onder 150.",
        }
    answers["pregnant" if kind == "pregnant" else "acute_illness"] = True
    notes = {"pregnant": "Zwanger, 10 weken.", "ill": "Griep met koorts sinds twee dagen."}
    return {"answers": {k: v for k, v in answers.items() if k[0] != "f"}, "notes": notes[kind]}


def demo_referral(
    patient, gp, therapist, status, days_ago, content, gp_for_check, fitness="clear"
) -> Referral | None:
    """The patient's demo referral with its history, or None when it was made before."""
    if patient.referrals.exists():
        return None
    now = timezone.now()
    content = dict(content)
    medication_rows = content.pop("medication_rows", [])
    created = min(at(days_ago + 1, 9), now)
    referral = Referral.objects.create(
        patient=patient,
        practice=patient.practice,
        gp=gp,
        therapist=therapist,
        consent_given=True,
        urgency="routine",
        measured_on=created.date() if content.get("systolic") else None,
        **content,
    )
    ReferralMedication.objects.bulk_create(
        ReferralMedication(referral=referral, name=name, dose=dose, since=since)
        for name, dose, since in medication_rows
    )
    events = [ReferralEvent(referral=referral, from_status="", to_status=Status.DRAFT, actor=gp)]
    times = {"created_at": created}
    current, moment = Status.DRAFT, at(days_ago, 11)
    for step in PATHS[status]:
        moment = min(moment + timedelta(days=STEP_DAYS[step]), now)
        actor = (
            gp if step in (Status.SENT, Status.CANCELLED, Status.FOLLOWED_UP) else therapist.user
        )
        events.append(
            ReferralEvent(
                referral=referral,
                from_status=current,
                to_status=step,
                actor=actor,
                note=NOTES.get(step, ""),
            )
        )
        times[STATUS_TIMESTAMP[step]] = moment
        if step == Status.SENT:
            times["opened_at"] = (
                min(moment + timedelta(hours=20), now) if status != Status.SENT else None
            )
        if step == Status.INTAKE_DONE:
            times["intake_date"] = timezone.localdate(moment)
        current = step
    reasons = {
        Status.DECLINED: "decline_reason",
        Status.CANCELLED: "cancel_reason",
        Status.NOT_CLEARED: "not_cleared_reason",
        Status.STOPPED: "stop_reason",
    }
    if status in reasons:
        times[reasons[status]] = NOTES[status]
    Referral.objects.filter(pk=referral.pk).update(status=status, updated_at=moment, **times)
    when = [
        created,
        *sorted(
            v
            for k, v in times.items()
            if k.endswith("at") and k not in ("created_at", "opened_at") and v
        ),
    ]
    # created_at is auto_now_add: bulk_create stamps the instances with now, so the history's
    # moments are written afterwards from their own list.
    ReferralEvent.objects.bulk_create(events)
    for event, moment in zip(events, when, strict=False):
        ReferralEvent.objects.filter(pk=event.pk).update(created_at=moment)
    if "sent_at" in times:
        # Whom it was sent to, and when: what lets the therapist see it (referrals.recipients).
        # Its letter is stored with the therapy's documents (demo.therapy).
        ReferralRecipient.objects.create(
            referral=referral, therapist=therapist, sent_at=times["sent_at"]
        )
    if status != Status.DRAFT or days_ago == 0:
        FitnessCheck.objects.create(
            referral=referral,
            version=readiness.VERSION,
            checked_by=gp_for_check,
            checked_at=created,
            **fitness_check(fitness, created.date()),
        )
    return referral
