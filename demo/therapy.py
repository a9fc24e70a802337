"""What the therapist recorded for a demo referral: letters, intake, screening, sessions,
questionnaires, letters back."""

import uuid
from datetime import timedelta

from django.utils import timezone

from core.pdf import pdf_sha256
from notifications.models import Notification
from outcomes.instruments import INSTRUMENTS
from outcomes.models import FOLLOW_UP_WEEK, QuestionnaireResponse
from referrals.letters import render_referral_letter
from referrals.models import (
    FollowUp,
    Referral,
    ReferralDocument,
    Status,
)
from referrals.schedule import follow_up_due, questionnaire_due
from therapy.letters import render_therapy_letter
from therapy.models import Intake, SavedGroup, Screening, TherapyLetter, TherapySession
from therapy.selectors import referrals_in_therapy

from .alerts import demo_alert
from .data import (
    ALERTS,
    DETERIORATION_PATH,
    DETERIORATION_PATIENT_SURNAME,
    FOLLOW_UPS,
    LONG_THERAPY_SURNAME,
    OUTSIDE_WINDOW_DAY,
    OUTSIDE_WINDOW_REASON,
    SCORE_PATHS,
    STARTED_STATUSES,
    THERAPY_STATUSES,
)


def _answers(total: int, items: int, item9: int = 0) -> list[int]:
    """Spread a total over the items (each 0-3), deterministically; item 9 set apart."""
    spread = items - 1 if items == 9 else items  # PHQ-9's item 9 only ever gets `item9`
    answers = [0] * items
    for i in range(total - item9):
        answers[i % spread] += 1
    if items == 9:
        answers[8] = item9
    return answers


def _end_date(referral: Referral):
    end = referral.completed_at or referral.stopped_at or referral.not_cleared_at
    return timezone.localdate(end) if end else timezone.localdate()


def _document(referral, kind, pdf, by) -> ReferralDocument:
    return ReferralDocument.objects.create(
        referral=referral, kind=kind, content=pdf, sha256=pdf_sha256(pdf), created_by=by
    )


def week_5_entered(referral: Referral) -> bool:
    return QuestionnaireResponse.objects.filter(referral=referral, week=5).exists()


def demo_therapy(referral: Referral, n: int, documents: bool) -> None:
    """Fill in what the therapist recorded for a demo referral in therapy (or past it)."""
    referral.refresh_from_db()
    if referral.sent_at and documents:
        # As referrals.services.referral_send does: the row first, so the letter prints its
        # number; the SHA-256 of the bytes is kept beside them.
        letter = ReferralDocument.objects.create(
            referral=referral,
            kind=ReferralDocument.Kind.LETTER,
            content=b"",
            sha256="",
            created_by=referral.gp,
        )
        pdf = render_referral_letter(referral, by=referral.gp, document=letter)
        letter.content, letter.sha256 = pdf, pdf_sha256(pdf)
        letter.save(update_fields=["content", "sha256"])
        # The letter the therapist got with the send.
        referral.recipients.update(letter=letter)
    if referral.status not in THERAPY_STATUSES or not referral.intake_date:
        return
    therapist_user = referral.therapist.user
    intake_date = referral.intake_date
    Intake.objects.create(
        referral=referral,
        date=intake_date,
        recorded_by=therapist_user,
        goals="Weer energie krijgen en drie keer per week 30 minuten kunnen hardlopen.",
        running_experience="Vroeger af en toe gejogd, de laatste jaren niet meer.",
        motivation="Wil graag zonder (meer) medicatie verder; partner loopt ook.",
        current_activity="Fietst naar het werk (2x per week 20 minuten).",
        plan="In de groep op dinsdag en donderdag, zelf op zaterdag; opbouw van wandelen naar "
        "hardlopen volgens schema; vragenlijsten in week 0, 5 en 10.",
        # The dose of the 2024 guideline (therapy.dose); one patient gets a longer plan.
        plan_weeks=12 if n % 3 == 2 else 9,
        plan_supervised_per_week=2 if n % 3 == 2 else 1,
        plan_own_runs_per_week=1 if n % 3 == 2 else 2,
        plan_minutes=45,
        plan_borg_rpe=13,
    )
    if referral.status == Status.INTAKE_DONE:
        # After the intake, before the screening (found in a try-out: a screening was recorded
        # while the referral still waited for it).
        return
    not_cleared = referral.status == Status.NOT_CLEARED
    # One patient in therapy has a blood pressure the therapist confirmed: a flag for both.
    high = not not_cleared and n % 5 == 2
    systolic = 178 if not_cleared else 164 if high else 124 + n % 12
    diastolic = 104 if not_cleared else 94 if high else 78 + n % 6
    screened = referral.therapy_started_at or referral.not_cleared_at
    screening_date = timezone.localdate(screened) if screened else intake_date
    Screening.objects.create(
        referral=referral,
        date=screening_date,
        recorded_by=therapist_user,
        resting_heart_rate=88 if not_cleared else 64 + n % 10,
        systolic=systolic,
        diastolic=diastolic,
        values_confirmed=systolic >= 160 or diastolic >= 90,
        height_cm=165 + n % 25,
        weight_kg=62 + (n * 3) % 30,
        injuries="" if n % 3 else "Oude enkelblessure links, geen klachten meer.",
        outcome=Screening.Outcome.NOT_CLEARED
        if not_cleared
        else (Screening.Outcome.RESTRICTED if n % 4 == 1 else Screening.Outcome.CLEARED),
        restrictions="Rustig opbouwen; hartslag onder 150."
        if n % 4 == 1 and not not_cleared
        else "",
        notes=referral.not_cleared_reason if not_cleared else "",
    )
    if referral.status not in STARTED_STATUSES:
        return
    # Week 0 is the day the screening cleared the patient; the GP's follow-up is due three
    # months later, whatever the therapist does (later after a late close).
    start = screening_date
    closed = referral.completed_at or referral.stopped_at
    referral.therapy_start = start
    referral.follow_up_due = follow_up_due(
        start, closed_on=timezone.localdate(closed) if closed else None
    )
    # Set on the instance too: the letters back below are rendered from it, and a stale
    # instance made their week 0 the intake date (found by a GP: the letter's start a day
    # before the screening the referral page showed).
    Referral.objects.filter(pk=referral.pk).update(
        therapy_start=referral.therapy_start, follow_up_due=referral.follow_up_due
    )
    end = min(_end_date(referral), timezone.localdate() - timedelta(days=1))
    # Sessions on Tuesdays and Thursdays: patients of one therapist run together in a group.
    day, count, sessions = start + timedelta(days=1), 0, []
    while day <= end:
        if day.weekday() == 5 and n % 2 == 0:  # a run on their own on Saturday
            sessions.append(
                TherapySession(
                    referral=referral,
                    date=day,
                    mode="own",
                    attendance="attended",
                    duration_minutes=40,
                    minutes_running=min(10 + 2 * count, 30),
                    minutes_walking=10,
                    distance_km=round(min(2 + 0.2 * count, 6), 1),
                    recorded_by=therapist_user,
                )
            )
        if day.weekday() in (1, 3):
            attendance = (
                "no_show" if count % 7 == 6 else "cancelled" if count % 11 == 10 else "attended"
            )
            attended = attendance == "attended"
            sessions.append(
                TherapySession(
                    referral=referral,
                    date=day,
                    mode="supervised" if count % 5 else "own",
                    attendance=attendance,
                    duration_minutes=min(10 + 2 * count, 40) + max(20 - count, 5) + 5
                    if attended
                    else None,
                    minutes_running=min(10 + 2 * count, 40) if attended else None,
                    minutes_walking=max(20 - count, 5) if attended else None,
                    distance_km=round(min(2 + 0.25 * count, 8), 1) if attended else None,
                    average_heart_rate=138 + count % 9 if attended else None,
                    rpe=11 + count % 4 if attended else None,
                    group=uuid.uuid5(
                        uuid.NAMESPACE_URL, f"loopbaan-demo/{referral.therapist_id}/{day}"
                    ),
                    recorded_by=therapist_user,
                )
            )
            count += 1
        day += timedelta(days=1)
    TherapySession.objects.bulk_create(sessions)
    surname = referral.patient.surname
    path = (
        DETERIORATION_PATH
        if surname == DETERIORATION_PATIENT_SURNAME
        else SCORE_PATHS[n % len(SCORE_PATHS)]
    )
    for index, week in enumerate((0, 5, 10)):
        due = questionnaire_due(start, week)
        completed_on = due + timedelta(days=1)
        outside = surname == LONG_THERAPY_SURNAME and week == 10
        if outside:
            completed_on = start + timedelta(days=OUTSIDE_WINDOW_DAY)
        if completed_on > end or (referral.status == Status.STOPPED and week == 10):
            continue
        for code, totals in path.items():
            alerting = ALERTS.get(referral.patient.surname) if week == 5 else None
            item9 = alerting["answer"] if alerting and code == "PHQ-9" else 0
            answers = _answers(totals[index], len(INSTRUMENTS[code].items), item9)
            score = INSTRUMENTS[code].score(answers)
            response = QuestionnaireResponse.objects.create(
                referral=referral,
                instrument=code,
                instrument_version=INSTRUMENTS[code].version,
                week=week,
                answers=answers,
                # The functioning question (not scored): harder as the total is higher.
                difficulty=min(3, score.total // 6),
                total=score.total,
                band=score.band,
                completed_on=completed_on,
                outside_window=outside,
                outside_window_reason=OUTSIDE_WINDOW_REASON if outside else "",
                entered_by=therapist_user,
            )
            for code in score.alerts:
                demo_alert(referral, response, code, alerting)
    if surname == DETERIORATION_PATIENT_SURNAME and week_5_entered(referral):
        # The GP was e-mailed when the week-5 scores came in (the outbox row, sent).
        Notification.objects.create(
            referral=referral,
            kind=Notification.Kind.DETERIORATION,
            due_date=questionnaire_due(start, 5) + timedelta(days=1),
            recipient=referral.gp,
            attempts=1,
            sent_at=timezone.now(),
        )
    reports = [
        (TherapyLetter.Kind.INTAKE, start + timedelta(days=3)),
        (TherapyLetter.Kind.PROGRESS, questionnaire_due(start, 5) + timedelta(days=2)),
    ]
    for kind, when in reports:
        if when > timezone.localdate() or (
            referral.status == Status.IN_THERAPY
            and referral.patient.surname == "Peeters"
            and kind == TherapyLetter.Kind.PROGRESS
        ):
            continue
        _letter_back(
            referral,
            kind,
            therapist_user,
            documents,
            summary="Patiënt komt trouw, bouwt goed op en ervaart meer energie.",
        )
    if referral.status in (Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP):
        stopped = referral.status == Status.STOPPED
        _letter_back(
            referral,
            TherapyLetter.Kind.END,
            therapist_user,
            documents,
            summary="Na een aarzelende start is patiënt gestopt."
            if stopped
            else "Twaalf weken trouw gelopen; stemming duidelijk verbeterd.",
            fitness_progress="Van 2 x 1 minuut naar 30 minuten aaneengesloten hardlopen."
            if not stopped
            else "Opbouw tot 10 minuten hardlopen.",
            runs_independently=TherapyLetter.Independence.NO
            if stopped
            else TherapyLetter.Independence.YES,
            advice="Bespreek in de nacontrole of afbouw van de medicatie mogelijk is."
            if not stopped
            else "Bespreek andere vormen van begeleiding.",
        )
    if referral.status == Status.FOLLOWED_UP:
        _follow_up(referral)


def _follow_up(referral: Referral) -> None:
    """The GP's follow-up with its PHQ-9 and GAD-7 (demo.data.FOLLOW_UPS in turn: the demo's
    five follow-ups take one each)."""
    plan = dict(FOLLOW_UPS[FollowUp.objects.count() % len(FOLLOW_UPS)])
    scores = plan.pop("scores")
    day = timezone.localdate(referral.followed_up_at)
    follow_up = FollowUp.objects.create(
        referral=referral, date=day, phq9_total=scores["PHQ-9"], recorded_by=referral.gp, **plan
    )
    for code, total in scores.items():
        answers = _answers(total, len(INSTRUMENTS[code].items))
        score = INSTRUMENTS[code].score(answers)
        QuestionnaireResponse.objects.create(
            referral=referral,
            instrument=code,
            instrument_version=INSTRUMENTS[code].version,
            week=FOLLOW_UP_WEEK,
            answers=answers,
            difficulty=min(3, score.total // 6),
            total=score.total,
            band=score.band,
            completed_on=follow_up.date,
            entered_by=referral.gp,
        )


def _letter_back(referral, kind, by, documents: bool = True, **fields) -> None:
    report = TherapyLetter.objects.create(referral=referral, kind=kind, written_by=by, **fields)
    if documents:
        _document(referral, kind, render_therapy_letter(report), by)


def demo_saved_group(owner, name: str) -> None:
    """A saved group of the therapist's patients in therapy (therapy.groups), made once."""
    if SavedGroup.objects.filter(owner=owner).exists():
        return
    group = SavedGroup.objects.create(owner=owner, name=name)
    group.members.add(*referrals_in_therapy(user=owner))
