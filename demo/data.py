"""What the demo shows: practices, people, patients, the paths their referrals take and the
letters' texts."""

from datetime import date

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
]

CONTENT = [
    dict(
        complaint="P03",  # ICPC as the GP chose it (referrals.icpc)
        other_complaints=["P06"],
        severity="moderate",
        purpose="treatment",
        funding="health_insurer",
        uses_antidepressant=True,
        medication="Sertraline 50 mg 1dd",
        history="Eerdere depressieve episode in 2019, behandeld met POH-GGZ.",
        question="Graag runningtherapie als aanvulling op de medicatie; doel is afbouw op termijn.",
    ),
    dict(
        complaint="P78",
        severity="mild",
        purpose="reintegration",
        funding="uwv",
        uses_antidepressant=False,
        medication="Geen",
        history="Sinds vier maanden thuis met overspanning, begeleid door bedrijfsarts.",
        question="Kan runningtherapie helpen bij de re-integratie en het herstel van de energie?",
    ),
    dict(
        complaint="P01",
        other_complaints=["P03"],
        severity="moderate",
        purpose="treatment",
        funding="physiotherapy",
        uses_antidepressant=False,
        medication="Oxazepam 10 mg zo nodig",
        history="Paniekklachten sinds een jaar; cognitieve gedragstherapie afgerond.",
        question="Graag begeleiding bij opbouw van conditie en omgaan met lichamelijke spanning.",
    ),
    dict(
        complaint="P01",
        other_complaints=["P06"],
        severity="mild",
        purpose="prevention",
        funding="self_pay",
        uses_antidepressant=False,
        medication="Geen",
        history="Hoge werkdruk, slaapt slecht, geen eerdere psychische klachten.",
        question="Preventief: structuur en ontspanning door regelmatig hardlopen.",
    ),
]


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
