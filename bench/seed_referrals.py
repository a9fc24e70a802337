"""The national data set's referrals: each one's walk along the lifecycle and the rows around it.

`_referrals` generates the patients, referrals, questionnaires, therapy reports and follow-ups
in Python and streams them with COPY (bench/seed_tables.py's `Table`); `_derived` has PostgreSQL
generate the rows that follow from the referrals' own dates (fitness checks, sessions, events,
safety alerts) with INSERT ... SELECT. `lifecycle` walks one referral from its sending date.
bench/seed.py's `national` calls them once it has made the practices, GPs and therapists.
"""

import json
import random
from datetime import date, datetime, timedelta

from bench.seed_tables import Table, execute

DAYS_OF_HISTORY = 730
ANSWER_POOL = 512  # questionnaire answer lists drawn from a pool, not generated per row


def _step_days():
    from referrals.models import Status

    return {
        Status.ACCEPTED: (1, 4),
        Status.INTAKE_DONE: (5, 18),
        Status.IN_THERAPY: (1, 3),
        Status.COMPLETED: (70, 90),
        Status.STOPPED: (14, 50),
        Status.DECLINED: (1, 4),
        Status.CANCELLED: (1, 20),
        Status.NOT_CLEARED: (1, 2),
    }


def lifecycle(rng: random.Random, sent: datetime, now: datetime, local_date) -> dict:
    """One referral walked along the lifecycle from `sent` as far as its dates allow.

    Most work is done in time, as in a practice that uses the app: the follow-up is held within
    its two weeks (a few late), a declined referral goes to another therapist or is cancelled.
    """
    from referrals.models import Status
    from referrals.schedule import follow_up_due

    path = [
        Status.ACCEPTED,
        Status.INTAKE_DONE,
        Status.IN_THERAPY,
        Status.COMPLETED,
        Status.FOLLOWED_UP,
    ]
    fate = rng.random()
    if fate < 0.05:
        path = [Status.DECLINED, Status.CANCELLED]
    elif fate < 0.08:
        path = [Status.ACCEPTED, Status.CANCELLED]
    elif fate < 0.10:
        path = [Status.ACCEPTED, Status.INTAKE_DONE, Status.NOT_CLEARED]
    elif fate < 0.24:
        path = [*path[:3], Status.STOPPED, Status.FOLLOWED_UP]
    row = {"sent_at": sent, "status": Status.SENT, "created_at": sent - timedelta(hours=2)}
    moment = sent
    days = _STEP_DAYS
    for step in path:
        if step == Status.FOLLOWED_UP:
            late = rng.randint(0, 13) if rng.random() < 0.97 else rng.randint(15, 30)
            day = row["follow_up_due"] + timedelta(days=late)
            moment = datetime.combine(day, moment.timetz()).replace(hour=11)
        elif step == Status.CANCELLED and row["status"] == Status.DECLINED:
            moment = moment + timedelta(days=rng.randint(1, 5))
        else:
            low, high = days[step]
            moment = moment + timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))
        if moment > now:
            break
        row[_TIMESTAMP[step]] = moment
        row["status"] = step
        if step == Status.INTAKE_DONE:
            row["intake_date"] = local_date(moment)
        elif step in (Status.COMPLETED, Status.STOPPED):
            row["follow_up_due"] = follow_up_due(row["intake_date"])
    row["updated_at"] = min(moment, now)
    return row


_STEP_DAYS: dict = {}
_TIMESTAMP: dict = {}


def _answer_pool(rng: random.Random) -> dict[str, list[tuple[str, int, str]]]:
    from outcomes.instruments import INSTRUMENTS

    pool = {}
    for code, items in (("PHQ-9", 9), ("GAD-7", 7)):
        instrument = INSTRUMENTS[code]
        choices = []
        for _n in range(ANSWER_POOL):
            level = rng.random()
            answers = [min(3, int(rng.random() * 4 * level + rng.random())) for _i in range(items)]
            if code == "PHQ-9" and rng.random() < 0.9:
                answers[8] = 0  # item 9 (self-harm) above 0 in a few: the safety alerts
            total = sum(answers)
            choices.append((json.dumps(answers), total, instrument.band_for(total)[0]))
        pool[code] = choices
    return pool


def _referrals(plan, rng, now, today, local_date, gps_of, networks, therapist_user, say) -> dict:
    from outcomes.models import QuestionnaireResponse
    from patients.models import Patient
    from referrals.icpc import Icpc
    from referrals.models import FollowUp, Funding, Purpose, Referral, Status
    from therapy.models import TherapyLetter

    patients = Table(Patient, now)
    referrals = Table(Referral, now)
    questionnaires = Table(QuestionnaireResponse, now)
    reports = Table(TherapyLetter, now)
    follow_ups = Table(FollowUp, now)
    complaints, purposes = list(Icpc.values), list(Purpose.values)
    fundings, answers = list(Funding.values), list(FollowUp.Antidepressant.values)
    surnames = ["Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "Bos"]
    pool = _answer_pool(rng)
    history = timedelta(days=DAYS_OF_HISTORY).total_seconds()
    total = plan.referrals + plan.small
    chunk = 20_000
    q_id = r_id = f_id = 0
    open_statuses = 0

    for first in range(1, total + 1, chunk):
        for pk in range(first, min(first + chunk, total + 1)):
            small = pk > plan.referrals
            practice = plan.practices + 1 if small else (pk - 1) % plan.practices + 1
            patients.add(
                id=pk,
                practice_id=practice,
                bsn=f"{pk:09d}",
                initials="B.",
                first_name="Bench",
                surname=f"{surnames[pk % len(surnames)]} {pk}",
                date_of_birth=date(1950 + pk % 50, 1 + pk % 12, 1 + pk % 28),
                sex="other",
            )
            gps = gps_of[practice]
            gp = gps[int(rng.random() * len(gps))]
            network = networks[practice]
            therapist = network[int(rng.random() * len(network))]
            if small:  # in therapy for three weeks, questionnaires and first report entered
                sent = now - timedelta(days=35)
                row = {
                    "status": Status.IN_THERAPY,
                    "created_at": sent - timedelta(hours=2),
                    "sent_at": sent,
                    "accepted_at": sent + timedelta(days=2),
                    "intake_done_at": sent + timedelta(days=12),
                    "therapy_started_at": sent + timedelta(days=13),
                    "intake_date": local_date(sent + timedelta(days=12)),
                    "updated_at": now,
                }
            elif rng.random() < 0.01:  # a draft of the last weeks, therapist perhaps chosen
                created = now - timedelta(seconds=rng.random() * 21 * 86400)
                row = {"status": Status.DRAFT, "created_at": created, "updated_at": created}
                if rng.random() < 0.5:
                    therapist = None
            else:
                sent = now - timedelta(seconds=rng.random() * history)
                row = lifecycle(rng, sent, now, local_date)
            referrals.add(
                id=pk,
                patient_id=pk,
                practice_id=practice,
                gp_id=gp,
                therapist_id=therapist,
                consent_given=True,
                complaint=complaints[pk % len(complaints)],
                purpose=purposes[pk % len(purposes)],
                funding=fundings[pk % len(fundings)],
                severity="mild",
                uses_antidepressant=False,
                question="Graag runningtherapie.",
                **row,
            )
            status = row["status"]
            open_statuses += status not in (Status.FOLLOWED_UP, Status.CANCELLED, "not_cleared")
            intake = row.get("intake_date")
            if not row.get("therapy_started_at") or intake is None:
                continue
            entered_by = therapist_user[therapist]
            end_at = row.get("completed_at") or row.get("stopped_at")
            end = local_date(end_at) if end_at else today
            closed = end_at is not None
            # Questionnaires at weeks 0, 5 and 10, mostly entered on the day they fall due.
            for week in (0, 5, 10):
                due = intake + timedelta(weeks=week)
                if due > end or (rng.random() < 0.04 and not small):
                    continue
                on = min(due + timedelta(days=int(rng.random() * 3)), today)
                for code in ("PHQ-9", "GAD-7"):
                    text, score, band = pool[code][int(rng.random() * ANSWER_POOL)]
                    q_id += 1
                    questionnaires.add(
                        id=q_id,
                        referral_id=pk,
                        instrument=code,
                        week=week,
                        answers=text,
                        total=score,
                        band=band,
                        completed_on=on,
                        entered_by_id=entered_by,
                        created_at=datetime.combine(on, now.timetz()),
                    )
            # The therapist's reports: after intake, after week 5, at the end.
            for kind, after in ((TherapyLetter.Kind.INTAKE, 3), (TherapyLetter.Kind.PROGRESS, 39)):
                day = intake + timedelta(days=after + int(rng.random() * 4))
                if day > end or (rng.random() < 0.03 and not closed):
                    continue
                r_id += 1
                reports.add(
                    id=r_id,
                    referral_id=pk,
                    kind=kind,
                    summary="Benchrapport.",
                    written_by_id=entered_by,
                    sent_at=datetime.combine(day, now.timetz()),
                )
            if closed:
                r_id += 1
                reports.add(
                    id=r_id,
                    referral_id=pk,
                    kind=TherapyLetter.Kind.END,
                    summary="Eindrapport.",
                    runs_independently="yes",
                    written_by_id=entered_by,
                    sent_at=end_at + timedelta(days=1),
                )
            if row.get("followed_up_at"):
                f_id += 1
                follow_ups.add(
                    id=f_id,
                    referral_id=pk,
                    date=local_date(row["followed_up_at"]),
                    wellbeing="better",
                    phq9_total=int(rng.random() * 15),
                    antidepressant=answers[pk % len(answers)],
                    work_status="working",
                    occupational_physician=False,
                    runs_per_week=2,
                    minutes_per_week=60,
                    plan=["keep_running"],
                    recorded_by_id=gp,
                    recorded_at=row["followed_up_at"],
                )
        for table in (patients, referrals, questionnaires, reports, follow_ups):
            table.flush()
        if (first - 1) % 200_000 == 0 and first > 1:
            say(f"{first - 1:,} referrals")
    say(f"{total:,} referrals ({open_statuses:,} open), {q_id:,} questionnaires, {r_id:,} reports")
    return {
        "referrals": total,
        "open referrals": open_statuses,
        "questionnaires": q_id,
        "therapy reports": r_id,
        "follow-ups": f_id,
    }


def _derived(now: datetime, say) -> dict:
    """Rows that follow from the referrals' own dates, generated by PostgreSQL itself."""
    counts = {}
    counts["fitness checks"] = execute(
        # The activity check (referrals.readiness): every seventh patient a well-controlled
        # depression (q4, q5 and follow-up 6 yes, its sub-questions no), cleared without a note.
        "INSERT INTO referrals_fitnesscheck (referral_id, version, answers, notes,"
        " clearance_note, evaluated_by, evaluation, evaluation_limits, checked_by_id, checked_at)"
        " SELECT id, 'parq-plus-2023', jsonb_build_object('q1', false, 'q2', false,"
        " 'q3', false, 'q4', id % 7 = 0, 'q5', id % 7 = 0, 'q6', false, 'q7', false,"
        " 'f6', CASE WHEN id % 7 = 0 THEN true END, 'f6a', CASE WHEN id % 7 = 0 THEN false END,"
        " 'f6b', CASE WHEN id % 7 = 0 THEN false END, 'pregnant', false, 'acute_illness', false),"
        " '', '', '', '', '', gp_id,"
        " coalesce(sent_at, created_at) - interval '1 hour' FROM referrals_referral"
    )
    # Weekly sessions from the start of therapy to its end (or today), a few missed.
    counts["sessions"] = execute(
        "INSERT INTO therapists_therapysession (referral_id, date, mode, attendance,"
        " minutes_running, minutes_walking, distance_km, average_heart_rate, rpe, notes,"
        ' "group", recorded_by_id, recorded_at, values_confirmed)'
        " SELECT r.id, d::date, 'supervised',"
        " CASE WHEN (r.id + n) %% 9 = 0 THEN 'no_show' ELSE 'attended' END,"
        " 10 + n * 2, 20, 2.5 + n * 0.3, 130 + n, 13, '', NULL, t.user_id, d + interval '2 hours',"
        " false"
        " FROM referrals_referral r JOIN therapists_therapist t ON t.id = r.therapist_id"
        " CROSS JOIN LATERAL generate_series(r.therapy_started_at,"
        "   least(coalesce(r.completed_at, r.stopped_at, %s), %s), interval '7 days')"
        "   WITH ORDINALITY AS s(d, n)"
        " WHERE r.therapy_started_at IS NOT NULL",
        [now, now],
    )
    say(f"{counts['fitness checks']:,} fitness checks, {counts['sessions']:,} sessions")
    steps = [
        ("", "draft", "r.gp_id", "r.created_at"),
        ("draft", "sent", "r.gp_id", "r.sent_at"),
        ("sent", "declined", "t.user_id", "r.declined_at"),
        ("sent", "accepted", "t.user_id", "r.accepted_at"),
        ("accepted", "intake_done", "t.user_id", "r.intake_done_at"),
        ("intake_done", "not_cleared", "t.user_id", "r.not_cleared_at"),
        ("intake_done", "in_therapy", "t.user_id", "r.therapy_started_at"),
        ("in_therapy", "completed", "t.user_id", "r.completed_at"),
        ("in_therapy", "stopped", "t.user_id", "r.stopped_at"),
        ("completed", "followed_up", "r.gp_id", "r.followed_up_at"),
        ("accepted", "cancelled", "r.gp_id", "r.cancelled_at"),
    ]
    values = ", ".join(f"('{a}', '{b}', {actor}, {at})" for a, b, actor, at in steps)
    # The values are the constants above.
    sql = (
        "INSERT INTO referrals_referralevent (referral_id, from_status, to_status, actor_id, note,"  # noqa: S608
        " created_at)"
        " SELECT r.id, e.f, e.t, e.actor, '', e.at FROM referrals_referral r"
        " LEFT JOIN therapists_therapist t ON t.id = r.therapist_id"
        f" CROSS JOIN LATERAL (VALUES {values}) AS e(f, t, actor, at) WHERE e.at IS NOT NULL"
    )
    counts["events"] = execute(sql)
    # Whom each was sent to (referrals.recipients): the bench sends each referral once, to its
    # therapist, with no stored letter.
    counts["recipients"] = execute(
        "INSERT INTO referrals_referralrecipient (referral_id, therapist_id, sent_at, letter_id)"
        " SELECT id, therapist_id, sent_at, NULL FROM referrals_referral"
        " WHERE sent_at IS NOT NULL AND therapist_id IS NOT NULL"
    )
    # PHQ-9 item 9 above 0 raises a safety alert; all but the last week's are acknowledged.
    counts["safety alerts"] = execute(
        "INSERT INTO outcomes_safetyalert (referral_id, response_id, code, raised_at,"
        " acknowledged_by_id, acknowledged_at, acknowledgement_note)"
        " SELECT q.referral_id, q.id, 'phq9_item9', q.created_at,"
        " CASE WHEN q.created_at < %s THEN r.gp_id END,"
        " CASE WHEN q.created_at < %s THEN q.created_at + interval '1 day' END,"
        " CASE WHEN q.created_at < %s THEN 'Patient gebeld.' ELSE '' END"
        " FROM outcomes_questionnaireresponse q JOIN referrals_referral r ON r.id = q.referral_id"
        " WHERE q.instrument = 'PHQ-9' AND (q.answers ->> 8)::int > 0",
        [now - timedelta(days=7)] * 3,
    )
    say(
        f"{counts['events']:,} events, {counts['recipients']:,} recipients,"
        f" {counts['safety alerts']:,} safety alerts"
    )
    return counts
