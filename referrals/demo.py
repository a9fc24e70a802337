"""Demo data for `manage.py seed_demo`: two practices, a user per role, patients at every stage.

Idempotent: users, practices and patients are keyed on email, AGB code and BSN; a patient's demo
referral is only made when the patient has none, so a second run changes nothing.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import GPProfile, Practice, User
from outcomes.instruments import INSTRUMENTS
from outcomes.models import QuestionnaireResponse, SafetyAlert
from patients.models import Patient
from patients.validators import bsn_is_valid
from therapists.models import Intake, NetworkMembership, Screening, Therapist, TherapySession

from . import report_cells
from .models import (
    STATUS_TIMESTAMP,
    FitnessCheck,
    FollowUp,
    Referral,
    ReferralDocument,
    ReferralEvent,
    Status,
    TherapyReport,
)
from .pdf import pdf_sha256, render_referral_letter
from .reports import render_therapy_report
from .schedule import follow_up_due, questionnaire_due

PASSWORD = "loopbaan-demo"

PRACTICES = [
    dict(
        agb_code="01012345",
        name="Huisartsenpraktijk De Linde",
        address="Lindenlaan 12",
        postcode="3521 AB",
        city="Utrecht",
        phone="030 123 45 67",
        email="praktijk@delinde.example.org",
    ),
    dict(
        agb_code="01054321",
        name="Gezondheidscentrum Het Anker",
        address="Havenstraat 3",
        postcode="3811 KA",
        city="Amersfoort",
        phone="033 765 43 21",
        email="info@hetanker.example.org",
    ),
]

USERS = [
    # email, first, last, role, practice index, GP (AGB, BIG)
    ("huisarts@example.org", "Anne", "de Vries", User.Role.GP, 0, ("01011111", "19012345601")),
    ("huisarts3@example.org", "Pieter", "Bakker", User.Role.GP, 0, ("01011112", "19012345602")),
    ("huisarts2@example.org", "Mohamed", "El Amrani", User.Role.GP, 1, ("01022222", "29012345601")),
    ("manager@example.org", "Ingrid", "Jansen", User.Role.PRACTICE_MANAGER, 0, None),
    ("therapeut@example.org", "Sanne", "Visser", User.Role.THERAPIST, None, None),
    ("therapeut2@example.org", "Joost", "van den Broek", User.Role.THERAPIST, None, None),
    ("therapeut3@example.org", "Lotte", "Mulder", User.Role.THERAPIST, None, None),
    ("admin@example.org", "Beheer", "Loopbaan", User.Role.ADMIN, None, None),
]

THERAPISTS = {
    "therapeut@example.org": dict(
        profession=Therapist.Profession.PHYSIOTHERAPIST,
        organisation="Fysio Utrecht Oost",
        certificate_number="RT-2019-0412",
        certificate_date=date(2019, 4, 12),
        address="Biltstraat 140",
        postcode="3572 BN",
        city="Utrecht",
        phone="030 234 56 78",
        verified=True,
    ),
    "therapeut2@example.org": dict(
        profession=Therapist.Profession.SPV,
        organisation="Praktijk In Beweging",
        certificate_number="RT-2021-1103",
        certificate_date=date(2021, 11, 3),
        address="Utrechtseweg 55",
        postcode="3811 NB",
        city="Amersfoort",
        phone="033 456 78 90",
        verified=True,
    ),
    "therapeut3@example.org": dict(
        profession=Therapist.Profession.PSYCHOLOGIST,
        organisation="Loopgroep Zeist",
        certificate_number="RT-2025-0007",
        certificate_date=date(2025, 6, 20),
        address="Slotlaan 9",
        postcode="3701 GA",
        city="Zeist",
        phone="030 345 67 89",
        verified=False,
    ),
}

# first name, tussenvoegsel, surname, sex, born, city
PATIENTS_1 = [
    ("Jan", "van der", "Berg", "male", date(1978, 3, 14)),
    ("Zoë", "de", "Jong", "female", date(1991, 7, 2)),
    ("Sjoerd", "", "Brouwer", "male", date(1985, 11, 23)),
    ("Anouk", "ter", "Horst", "female", date(1996, 1, 30)),
    ("Ömer", "", "Yılmaz", "male", date(1982, 5, 9)),
    ("Daan", "van", "Dijk", "male", date(1999, 9, 17)),
    ("Noor", "", "Bakker", "female", date(1988, 12, 5)),
    ("Eline", "", "Smit", "female", date(1974, 4, 21)),
    ("Bram", "de", "Wit", "male", date(1969, 8, 3)),
    ("Femke", "van 't", "Hof", "female", date(1993, 2, 11)),
    ("Ruud", "", "Meijer", "male", date(1963, 6, 28)),
    ("Lieke", "", "Dekker", "female", date(2001, 10, 14)),
    ("Thijs", "", "Vermeulen", "male", date(1987, 3, 6)),
    ("Iris", "van", "Leeuwen", "female", date(1980, 12, 19)),
    ("Maarten", "", "Koster", "male", date(1976, 7, 25)),
    ("Sophie", "", "Hendriks", "female", date(1994, 5, 1)),
    ("Chantal", "", "Kramer", "female", date(1983, 9, 8)),
    ("Joris", "de", "Groot", "male", date(1990, 11, 2)),
    ("Mirjam", "van", "Beek", "female", date(1971, 1, 16)),
    ("René", "", "Peeters", "male", date(1966, 4, 27)),
]
PATIENTS_2 = [
    ("Fatima", "", "El Idrissi", "female", date(1986, 6, 12)),
    ("Kees", "van den", "Heuvel", "male", date(1958, 2, 3)),
    ("Hanneke", "", "Schouten", "female", date(1992, 8, 30)),
]

STREETS = ["Oudegracht", "Amsterdamsestraatweg", "Twijnstraat", "Nobelstraat", "Kanaalweg"]

# The lifecycle path that leads to each demo status, and days between its steps.
PATHS = {
    Status.DRAFT: [],
    Status.SENT: [Status.SENT],
    Status.DECLINED: [Status.SENT, Status.DECLINED],
    Status.CANCELLED: [Status.SENT, Status.CANCELLED],
    Status.ACCEPTED: [Status.SENT, Status.ACCEPTED],
    Status.INTAKE_DONE: [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE],
    Status.NOT_CLEARED: [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE, Status.NOT_CLEARED],
    Status.IN_THERAPY: [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE, Status.IN_THERAPY],
    Status.COMPLETED: [
        Status.SENT,
        Status.ACCEPTED,
        Status.INTAKE_DONE,
        Status.IN_THERAPY,
        Status.COMPLETED,
    ],
    Status.STOPPED: [
        Status.SENT,
        Status.ACCEPTED,
        Status.INTAKE_DONE,
        Status.IN_THERAPY,
        Status.STOPPED,
    ],
    Status.FOLLOWED_UP: [
        Status.SENT,
        Status.ACCEPTED,
        Status.INTAKE_DONE,
        Status.IN_THERAPY,
        Status.COMPLETED,
        Status.FOLLOWED_UP,
    ],
}
STEP_DAYS = {
    Status.SENT: 0,
    Status.DECLINED: 2,
    Status.CANCELLED: 5,
    Status.ACCEPTED: 2,
    Status.INTAKE_DONE: 9,
    Status.NOT_CLEARED: 1,
    Status.IN_THERAPY: 1,
    Status.COMPLETED: 77,
    Status.STOPPED: 30,
    Status.FOLLOWED_UP: 14,
}
NOTES = {
    Status.DECLINED: "Mijn groep zit vol tot het voorjaar.",
    Status.CANCELLED: "Patiënt heeft toch gekozen voor begeleiding via de werkgever.",
    Status.NOT_CLEARED: "Rustbloeddruk 178/104; eerst cardiologische beoordeling.",
    Status.STOPPED: "Patiënt is na week 4 niet meer gekomen; verhuisd.",
}

# (patient index, final status, days ago sent or created, GP index within the practice, therapist)
REFERRALS_1 = [
    (0, Status.FOLLOWED_UP, 330, 0, 0),
    (1, Status.FOLLOWED_UP, 290, 1, 0),
    (2, Status.FOLLOWED_UP, 250, 0, 1),
    (3, Status.COMPLETED, 150, 0, 0),
    (4, Status.COMPLETED, 125, 1, 0),
    (5, Status.STOPPED, 140, 0, 1),
    (6, Status.IN_THERAPY, 70, 0, 0),
    (7, Status.IN_THERAPY, 40, 1, 0),
    (8, Status.IN_THERAPY, 20, 0, 1),
    (9, Status.INTAKE_DONE, 16, 0, 0),
    (10, Status.NOT_CLEARED, 60, 0, 0),
    (11, Status.ACCEPTED, 8, 1, 0),
    (12, Status.ACCEPTED, 5, 0, 1),
    (13, Status.SENT, 3, 0, 0),
    (14, Status.SENT, 1, 1, 0),
    (15, Status.DECLINED, 12, 0, 1),
    (16, Status.CANCELLED, 200, 0, 0),
    (17, Status.DRAFT, 0, 0, None),
    (18, Status.FOLLOWED_UP, 360, 1, 1),
    (19, Status.IN_THERAPY, 100, 0, 0),
]
REFERRALS_2 = [
    (0, Status.IN_THERAPY, 45, 0, 1),
    (1, Status.SENT, 2, 0, 1),
    (2, Status.DRAFT, 0, 0, None),
]

CONTENT = [
    dict(
        complaint="depressive",
        severity="moderate",
        purpose="treatment",
        funding="health_insurer",
        uses_antidepressant=True,
        medication="Sertraline 50 mg 1dd",
        history="Eerdere depressieve episode in 2019, behandeld met POH-GGZ.",
        question="Graag runningtherapie als aanvulling op de medicatie; doel is afbouw op termijn.",
    ),
    dict(
        complaint="burnout",
        severity="mild",
        purpose="reintegration",
        funding="uwv",
        uses_antidepressant=False,
        medication="Geen",
        history="Sinds vier maanden thuis met overspanning, begeleid door bedrijfsarts.",
        question="Kan runningtherapie helpen bij de re-integratie en het herstel van de energie?",
    ),
    dict(
        complaint="anxiety",
        severity="moderate",
        purpose="treatment",
        funding="physiotherapy",
        uses_antidepressant=False,
        medication="Oxazepam 10 mg zo nodig",
        history="Paniekklachten sinds een jaar; cognitieve gedragstherapie afgerond.",
        question="Graag begeleiding bij opbouw van conditie en omgaan met lichamelijke spanning.",
    ),
    dict(
        complaint="stress",
        severity="mild",
        purpose="prevention",
        funding="self_pay",
        uses_antidepressant=False,
        medication="Geen",
        history="Hoge werkdruk, slaapt slecht, geen eerdere psychische klachten.",
        question="Preventief: structuur en ontspanning door regelmatig hardlopen.",
    ),
]


def _test_bsns(count: int, start: int) -> list[str]:
    """Numbers from the 99999xxxx test range that pass the 11-check: obviously fake, still valid."""
    found, n = [], start
    while len(found) < count:
        candidate = f"{n:09d}"
        if bsn_is_valid(candidate):
            found.append(candidate)
        n += 1
    return found


def _user(email, first, last, role, practice) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults=dict(
            first_name=first,
            last_name=last,
            role=role,
            practice=practice,
            is_staff=role == User.Role.ADMIN,
            is_superuser=role == User.Role.ADMIN,
        ),
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def _patients(practice: Practice, rows, bsns: list[str]) -> list[Patient]:
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
            ),
        )
        patients.append(patient)
    return patients


def _at(days_ago: float, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=int(days_ago))
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _referral(patient, gp, therapist, status, days_ago, content, gp_for_check) -> Referral | None:
    """The patient's demo referral with its history, or None when it was made before."""
    if patient.referrals.exists():
        return None
    now = timezone.now()
    referral = Referral.objects.create(
        patient=patient,
        practice=patient.practice,
        gp=gp,
        therapist=therapist,
        consent_given=True,
        urgency="routine",
        **content,
    )
    created = min(_at(days_ago + 1, 9), now)
    events = [ReferralEvent(referral=referral, from_status="", to_status=Status.DRAFT, actor=gp)]
    times = {"created_at": created}
    current, moment = Status.DRAFT, _at(days_ago, 11)
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
            if k.endswith("_at") and k not in ("created_at", "opened_at") and v
        ),
    ]
    # created_at is auto_now_add: bulk_create stamps the instances with now, so the history's
    # moments are written afterwards from their own list.
    ReferralEvent.objects.bulk_create(events)
    for event, moment in zip(events, when, strict=False):
        ReferralEvent.objects.filter(pk=event.pk).update(created_at=moment)
    if status != Status.DRAFT or days_ago == 0:
        FitnessCheck.objects.create(
            referral=referral,
            heart_condition=False,
            chest_pain=False,
            dizziness=False,
            chronic_condition=status == Status.NOT_CLEARED,
            chronic_medication=False,
            bone_joint_problem=False,
            supervised_only=False,
            clearance_note="Hypertensie, goed ingesteld; mag onder begeleiding starten."
            if status == Status.NOT_CLEARED
            else "",
            checked_by=gp_for_check,
            checked_at=created,
        )
    return referral


@transaction.atomic
def seed_demo(*, documents: bool = True) -> dict[str, int]:
    """`documents=False` skips rendering the PDFs (tests that don't read them run faster)."""
    practices = [
        Practice.objects.get_or_create(agb_code=p["agb_code"], defaults=p)[0] for p in PRACTICES
    ]
    users = {}
    for email, first, last, role, practice_index, gp_codes in USERS:
        practice = practices[practice_index] if practice_index is not None else None
        users[email] = _user(email, first, last, role, practice)
        if gp_codes:
            GPProfile.objects.get_or_create(
                user=users[email], defaults={"agb_code": gp_codes[0], "big_number": gp_codes[1]}
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
                verified_at=_at(400) if verified else None,
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

    bsns = _test_bsns(len(PATIENTS_1) + len(PATIENTS_2), start=999_990_000)
    for practice, rows, plan, gps, bsn_slice in (
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
    ):
        patients = _patients(practice, rows, bsn_slice)
        for n, (index, status, days_ago, gp_index, therapist_index) in enumerate(plan):
            therapist = therapists[therapist_index] if therapist_index is not None else None
            gp = gps[gp_index]
            referral = _referral(
                patients[index], gp, therapist, status, days_ago, CONTENT[n % len(CONTENT)], gp
            )
            if referral is not None:
                _therapy(referral, n, documents)
                # The demo sets statuses and dates with QuerySet.update(), which sends no
                # signals: bring the referral's report figures up to date.
                report_cells.refresh([referral.pk])
    return {
        "practices": Practice.objects.count(),
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "referrals": Referral.objects.count(),
    }


# --- The therapy: letters, intake, screening, sessions, questionnaires, reports -----------------

THERAPY_STATUSES = (
    Status.INTAKE_DONE,
    Status.NOT_CLEARED,
    Status.IN_THERAPY,
    Status.COMPLETED,
    Status.STOPPED,
    Status.FOLLOWED_UP,
)
STARTED_STATUSES = (Status.IN_THERAPY, Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP)
# PHQ-9 and GAD-7 totals at weeks 0, 5, 10: most patients improve, one barely.
SCORE_PATHS = [
    {"PHQ-9": (15, 9, 6), "GAD-7": (12, 8, 5)},
    {"PHQ-9": (12, 10, 9), "GAD-7": (9, 8, 8)},
    {"PHQ-9": (18, 11, 7), "GAD-7": (14, 9, 6)},
]
# The demo's safety alert: this patient's week-5 PHQ-9 has item 9 above 0.
ALERT_PATIENT_SURNAME = "Bakker"


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


def _document(referral, kind, pdf, by) -> None:
    ReferralDocument.objects.create(
        referral=referral, kind=kind, content=pdf, sha256=pdf_sha256(pdf), created_by=by
    )


def _therapy(referral: Referral, n: int, documents: bool) -> None:
    """Fill in what the therapist recorded for a demo referral in therapy (or past it)."""
    referral.refresh_from_db()
    if referral.sent_at and documents:
        _document(
            referral, ReferralDocument.Kind.LETTER, render_referral_letter(referral), referral.gp
        )
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
        plan="Twee keer per week in de groep op dinsdag en donderdag, opbouw van wandelen naar "
        "hardlopen volgens schema; vragenlijsten in week 0, 5 en 10.",
    )
    not_cleared = referral.status == Status.NOT_CLEARED
    Screening.objects.create(
        referral=referral,
        recorded_by=therapist_user,
        resting_heart_rate=88 if not_cleared else 64 + n % 10,
        systolic=178 if not_cleared else 124 + n % 12,
        diastolic=104 if not_cleared else 78 + n % 6,
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
    end = min(_end_date(referral), timezone.localdate() - timedelta(days=1))
    # Sessions on Tuesdays and Thursdays: patients of one therapist run together in a group.
    day, count, sessions = intake_date + timedelta(days=1), 0, []
    while day <= end:
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
                    minutes_running=min(10 + 2 * count, 40) if attended else None,
                    minutes_walking=max(20 - count, 5) if attended else None,
                    distance_km=round(2 + 0.25 * count, 1) if attended else None,
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
    path = SCORE_PATHS[n % len(SCORE_PATHS)]
    for index, week in enumerate((0, 5, 10)):
        due = questionnaire_due(intake_date, week)
        if due > end or (referral.status == Status.STOPPED and week == 10):
            continue
        for code, totals in path.items():
            item9 = (
                1
                if (
                    code == "PHQ-9"
                    and week == 5
                    and referral.patient.surname == ALERT_PATIENT_SURNAME
                )
                else 0
            )
            answers = _answers(totals[index], len(INSTRUMENTS[code].items), item9)
            score = INSTRUMENTS[code].score(answers)
            response = QuestionnaireResponse.objects.create(
                referral=referral,
                instrument=code,
                week=week,
                answers=answers,
                total=score.total,
                band=score.band,
                completed_on=due + timedelta(days=1),
                entered_by=therapist_user,
            )
            for alert in score.alerts:
                SafetyAlert.objects.create(
                    referral=referral, response=response, code=alert, gp_notified_at=timezone.now()
                )
    reports = [
        (TherapyReport.Kind.INTAKE, intake_date + timedelta(days=3)),
        (TherapyReport.Kind.PROGRESS, questionnaire_due(intake_date, 5) + timedelta(days=2)),
    ]
    for kind, when in reports:
        if when > timezone.localdate() or (
            referral.status == Status.IN_THERAPY
            and referral.patient.surname == "Peeters"
            and kind == TherapyReport.Kind.PROGRESS
        ):
            continue
        _report(
            referral,
            kind,
            therapist_user,
            documents,
            summary="Patiënt komt trouw, bouwt goed op en ervaart meer energie.",
        )
    if referral.status in (Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP):
        stopped = referral.status == Status.STOPPED
        _report(
            referral,
            TherapyReport.Kind.END,
            therapist_user,
            documents,
            summary="Na een aarzelende start is patiënt gestopt."
            if stopped
            else "Twaalf weken trouw gelopen; stemming duidelijk verbeterd.",
            fitness_progress="Van 2 x 1 minuut naar 30 minuten aaneengesloten hardlopen."
            if not stopped
            else "Opbouw tot 10 minuten hardlopen.",
            runs_independently=TherapyReport.Independence.NO
            if stopped
            else TherapyReport.Independence.YES,
            advice="Bespreek in de nacontrole of afbouw van de medicatie mogelijk is."
            if not stopped
            else "Bespreek andere vormen van begeleiding.",
        )
        Referral.objects.filter(pk=referral.pk).update(follow_up_due=follow_up_due(intake_date))
    if referral.status == Status.FOLLOWED_UP:
        FollowUp.objects.create(
            referral=referral,
            date=timezone.localdate(referral.followed_up_at),
            wellbeing=FollowUp.Wellbeing.BETTER if n % 3 else FollowUp.Wellbeing.SAME,
            phq9_total=5 + n % 4,
            antidepressant=(
                FollowUp.Antidepressant.REDUCED,
                FollowUp.Antidepressant.NEVER,
                FollowUp.Antidepressant.STOPPED,
            )[n % 3],
            work_status=(FollowUp.Work.WORKING, FollowUp.Work.REINTEGRATING)[n % 2],
            still_running=(FollowUp.Running.YES, FollowUp.Running.SOMETIMES)[n % 2],
            notes="Loopt nog twee keer per week met de groep van de vereniging.",
            recorded_by=referral.gp,
        )


def _report(referral, kind, by, documents: bool = True, **fields) -> None:
    report = TherapyReport.objects.create(referral=referral, kind=kind, written_by=by, **fields)
    if documents:
        _document(referral, kind, render_therapy_report(report), by)
