"""What the demo shows: practices, people, patients, the paths their referrals take and the
letters' texts."""

from datetime import date
from decimal import Decimal

from accounts.models import User
from referrals.models import (
    Status,
)
from therapists.models import Therapist

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
    # email, first, last, role, practice index, GP (AGB, BIG, direct phone)
    (
        "huisarts@example.org",
        "Anne",
        "de Vries",
        User.Role.GP,
        0,
        ("01011111", "19012345601", "030 123 45 70"),
    ),
    (
        "huisarts3@example.org",
        "Pieter",
        "Bakker",
        User.Role.GP,
        0,
        ("01011112", "19012345602", "030 123 45 71"),
    ),
    (
        "huisarts2@example.org",
        "Mohamed",
        "El Amrani",
        User.Role.GP,
        1,
        ("01022222", "29012345601", "033 765 43 30"),
    ),
    ("manager@example.org", "Ingrid", "Jansen", User.Role.PRACTICE_MANAGER, 0, None),
    ("therapeut@example.org", "Sanne", "Visser", User.Role.THERAPIST, None, None),
    ("therapeut2@example.org", "Joost", "van den Broek", User.Role.THERAPIST, None, None),
    ("therapeut3@example.org", "Lotte", "Mulder", User.Role.THERAPIST, None, None),
    ("admin@example.org", "Beheer", "Loopbaan", User.Role.ADMIN, None, None),
]

# A locum the administrator added to De Linde: she sees nothing of the practice until one of its
# GPs confirms her (accounts.services.practice_member_added), which the demo GPs can do.
WAITING_COLLEAGUE = (
    "waarnemer@example.org",
    "Femke",
    "Smit",
    User.Role.GP,
    0,
    ("01011113", "19012345603"),
)

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
        capacity=4,
        note_for_gps=(
            "Groepen op dinsdag- en donderdagavond in het Wilhelminapark, individueel op "
            "afspraak. Ervaring met burn-out en re-integratie via het UWV."
        ),
        verified=True,
    ),
    "therapeut2@example.org": dict(
        profession=Therapist.Profession.PSYCHOMOTOR_THERAPIST,
        organisation="Praktijk In Beweging",
        certificate_number="RT-2021-1103",
        certificate_date=date(2021, 11, 3),
        address="Utrechtseweg 55",
        postcode="3811 NB",
        city="Amersfoort",
        phone="033 456 78 90",
        # Full for now: the GP's choice shows him last, marked, without a "Choose" button.
        accepting_new_patients=False,
        note_for_gps="Mijn groepen zitten vol tot het voorjaar; bel gerust voor overleg.",
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
        capacity=6,
        note_for_gps="Kleine loopgroep in de bossen bij Zeist, ook voor beginners.",
        verified=False,
    ),
}

# therapeut@'s saved group for group sessions: her patients in therapy are its usual participants.
SAVED_GROUP_NAME = "Dinsdagavond Wilhelminapark"

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
    ("Ruud", "", "Verhoeven", "male", date(1969, 4, 18)),
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
    (7, Status.IN_THERAPY, 55, 1, 0),
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
    (19, Status.IN_THERAPY, 110, 0, 0),
]
#: (practice, patient index) -> the kind of activity check (demo.referrals.fitness_check); the
#: others are "clear", or "depression" when the referral's content names an antidepressant.
FITNESS = {(0, 8): "evaluated", (0, 10): "hypertension", (0, 17): "ill", (1, 2): "pregnant"}

REFERRALS_2 = [
    (0, Status.IN_THERAPY, 45, 0, 1),
    (1, Status.SENT, 2, 0, 1),
    (2, Status.DRAFT, 0, 0, None),
    (3, Status.FOLLOWED_UP, 300, 0, 1),
]

# What the GP wrote, following the NHG/LHV HASP letter (referrals.letters): the kern's
# probleemstelling and beleid tot nu toe, the risk rubric, and the dossiersamenvatting with
# medication rows (`medication_rows`: name, dose, since), allergies and measurements.
NO_RISK = dict(risk_suicidality=False, risk_psychosis=False, risk_bipolar=False)
CONTENT = [
    dict(
        complaint="P03",  # ICPC as the GP chose it (referrals.icpc)
        other_complaints=["P06"],
        severity="moderate",
        purpose="treatment",
        funding="health_insurer",
        uses_antidepressant=True,
        medication_rows=[("Sertraline", "50 mg 1 dd", "januari 2025")],
        history="Eerdere depressieve episode in 2019, behandeld met POH-GGZ.",
        question="Graag runningtherapie als aanvulling op de medicatie; doel is afbouw op termijn.",
        course="Sinds de herfst somber en moe, trekt zich terug; de laatste weken iets stabieler.",
        patient_request="Wil weer energie krijgen en verwacht dat vast bewegen structuur geeft.",
        poh_ggz="Zes gesprekken bij de POH-GGZ (activatie, dagstructuur), deels effect.",
        psychological_treatment="In 2019 kortdurend bij de POH-GGZ; geen psycholoog.",
        medication_tried="Citalopram 20 mg in 2019, gestopt om misselijkheid.",
        **NO_RISK,
        risk_notes="Doodsgedachten nagevraagd: passief, zonder plan; geen psychose in de anamnese.",
        other_episodes="K86 Hypertensie zonder orgaanbeschadiging (sinds 2021)",
        allergies="Penicilline: huiduitslag.",
        systolic=134,
        diastolic=86,
        height_cm=178,
        weight_kg=Decimal("84.5"),
        phq9_total=15,
    ),
    dict(
        complaint="P78",
        severity="mild",
        purpose="reintegration",
        funding="uwv",
        uses_antidepressant=False,
        medication_rows=[],
        history="Sinds vier maanden thuis met overspanning, begeleid door bedrijfsarts.",
        question="Kan runningtherapie helpen bij de re-integratie en het herstel van de energie?",
        course="Na een reorganisatie uitgevallen; slaapt beter, maar weinig belastbaar.",
        patient_request="Wil stap voor stap terug naar het werk en haar conditie opbouwen.",
        poh_ggz="Vier gesprekken bij de POH-GGZ over grenzen stellen.",
        psychological_treatment="Geen.",
        medication_tried="Geen.",
        **NO_RISK,
        allergies="Geen bekend.",
        systolic=118,
        diastolic=76,
        height_cm=168,
        weight_kg=Decimal("63.0"),
    ),
    dict(
        complaint="P01",
        other_complaints=["P03"],
        severity="moderate",
        purpose="treatment",
        funding="physiotherapy",
        uses_antidepressant=False,
        medication_rows=[("Oxazepam", "10 mg zo nodig", "maart 2025")],
        medication="Gebruikt oxazepam hooguit eens per week.",
        history="Paniekklachten sinds een jaar; cognitieve gedragstherapie afgerond.",
        question="Graag begeleiding bij opbouw van conditie en omgaan met lichamelijke spanning.",
        course="Paniekaanvallen sinds een jaar, na de CGT minder vaak; vermijdt nog inspanning.",
        patient_request="Wil leren dat een snelle hartslag bij inspanning geen gevaar is.",
        poh_ggz="Niet.",
        psychological_treatment="Cognitieve gedragstherapie bij de GZ-psycholoog, 10 sessies.",
        medication_tried="Geen antidepressiva.",
        risk_suicidality=False,
        risk_psychosis=False,
        risk_bipolar=True,
        risk_notes="Bipolaire stoornis bij moeder; zelf nooit een manische periode gehad.",
        other_episodes="R96 Astma",
        allergies="Contra-indicatie: geen NSAID's (astma).",
        systolic=122,
        diastolic=80,
        height_cm=185,
        weight_kg=Decimal("79.0"),
        phq9_total=9,
    ),
    dict(
        complaint="P01",
        other_complaints=["P06"],
        severity="mild",
        purpose="prevention",
        funding="self_pay",
        uses_antidepressant=False,
        medication_rows=[("Melatonine", "0,3 mg voor het slapen", "oktober 2025")],
        history="Hoge werkdruk, slaapt slecht, geen eerdere psychische klachten.",
        question="Preventief: structuur en ontspanning door regelmatig hardlopen.",
        course="Sinds de zomer gespannen door werkdruk; slaapt slecht in.",
        patient_request="Wil ontspannen door regelmatig te bewegen, liefst in een groep.",
        poh_ggz="Eén gesprek; slaaphygiëne besproken.",
        psychological_treatment="Geen.",
        medication_tried="Geen.",
        **NO_RISK,
        allergies="Geen bekend.",
        systolic=128,
        diastolic=82,
        height_cm=172,
        weight_kg=Decimal("70.5"),
    ),
]
#: The insurer on each demo patient (fictitious, like the BSNs: the UZOVI codes are not real).
INSURERS = [("Demo Zorgverzekeraar", "9901"), ("Voorbeeld Zorg", "9902")]


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
# The demo's safety alerts: these patients' week-5 PHQ-9 has item 9 above 0 (`answer`). Noor
# Bakker's is open and escalated (nobody acknowledged it within a working day: every GP of De
# Linde saw it again); Anouk ter Horst's was acknowledged by a colleague of the referring GP,
# with a note of what was done, which her letters back print.
ALERTS = {
    "Bakker": {"answer": 2, "escalated": True},
    "Horst": {
        "answer": 1,
        "acknowledged_by": "huisarts3@example.org",
        "note": "Patiënt gebeld, geen acuut gevaar; afspraak morgen op het spreekuur.",
    },
}
# A reliable deterioration at week 5 (PHQ-9 up 7, GAD-7 up 4): the GP is told. The first path
# above (15 -> 6 and 12 -> 5) is the textbook reliable recovery.
DETERIORATION_PATIENT_SURNAME = "Smit"
DETERIORATION_PATH = {"PHQ-9": (11, 18, 18), "GAD-7": (9, 13, 13)}
# Still in therapy past three months: the GP's follow-up is due while the therapy is open, and
# the week-10 questionnaires were filled in after their window, with the therapist's reason.
LONG_THERAPY_SURNAME = "Peeters"
OUTSIDE_WINDOW_DAY = 88
OUTSIDE_WINDOW_REASON = "Patiënt was drie weken op vakantie; lijsten ingevuld bij terugkomst."

#: The GP's follow-ups of the demo (the followed-up referrals take them in turn): how the
#: patient is, the PHQ-9 and GAD-7 totals at the follow-up (scored like the therapy's), the
#: antidepressant, work in sick-leave terms (with the bedrijfsarts for employees), running now
#: and the plan. Between them every answer of wellbeing and plan, and the kinds of work a GP
#: meets most.
FOLLOW_UPS = [
    dict(
        wellbeing="better",
        scores={"PHQ-9": 4, "GAD-7": 3},
        antidepressant="reduced",
        work_status="partly",
        occupational_physician=True,
        runs_per_week=3,
        minutes_per_week=105,
        plan=["closed", "keep_running", "medication"],
        notes="Loopt drie keer per week met de groep; werkt 24 uur. Afbouw sertraline besproken.",
    ),
    dict(
        wellbeing="same",
        scores={"PHQ-9": 11, "GAD-7": 9},
        antidepressant="started",
        work_status="track_1",
        occupational_physician=True,
        runs_per_week=1,
        minutes_per_week=30,
        plan=["poh_ggz", "medication", "keep_running"],
        notes="Stemming wisselend; sertraline gestart. Vervolg bij de POH-GGZ.",
    ),
    dict(
        wellbeing="worse",
        scores={"PHQ-9": 17, "GAD-7": 14},
        antidepressant="never",
        work_status="sick_leave",
        occupational_physician=False,
        runs_per_week=0,
        minutes_per_week=0,
        plan=["basic_ggz", "psychological"],
        notes="Niet meer gaan lopen na het einde van de therapie. Verwezen naar de basis-GGZ.",
    ),
    dict(
        wellbeing="better",
        scores={"PHQ-9": 5, "GAD-7": 4},
        antidepressant="continued",
        work_status="retired",
        occupational_physician=None,
        runs_per_week=2,
        minutes_per_week=70,
        plan=["closed", "keep_running"],
        notes="Loopt twee keer per week met een buurvrouw.",
    ),
    dict(
        wellbeing="better",
        scores={"PHQ-9": 6, "GAD-7": 5},
        antidepressant="stopped",
        work_status="self_employed",
        occupational_physician=None,
        runs_per_week=4,
        minutes_per_week=160,
        plan=["closed", "keep_running"],
        notes="Zelf gestopt met de medicatie, zonder terugval.",
    ),
]
