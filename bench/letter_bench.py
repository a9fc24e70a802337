"""How long one referral letter takes to render, against WeasyPrint's own floor.

    DJANGO_DEBUG=1 .venv/bin/python bench/letter_bench.py [--runs N]

The letter is built from unsaved model instances wired together in memory, so no database is
touched. The floor is WeasyPrint rendering a one-paragraph A4 page in the same process, timed
in turn with the letter; the letter passes while its median stays within 10x that floor.
"""

import argparse
import datetime
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()
# WeasyPrint logs each rendering step at INFO (some at import); only the table matters here.
logging.getLogger("weasyprint").setLevel(logging.WARNING)

from django.utils import timezone  # noqa: E402
from weasyprint import HTML  # noqa: E402

from accounts.models import GPProfile, Practice, User  # noqa: E402
from patients.models import Patient  # noqa: E402
from referrals.icpc import Icpc  # noqa: E402
from referrals.letters import render_referral_letter  # noqa: E402
from referrals.models import FitnessCheck, Referral  # noqa: E402
from therapists.models import Therapist  # noqa: E402

WARM_UPS = 3
BUDGET_RATIO = 10


def sample_referral() -> Referral:
    """A realistic referral, all in memory: related objects are cached on their descriptors."""
    practice = Practice(
        name="Huisartsenpraktijk De Singel",
        agb_code="99990001",
        address="Singel 1",
        postcode="1234 AB",
        city="Utrecht",
        phone="030-0000000",
    )
    gp = User(
        email="gp@example.org",
        first_name="Anna",
        last_name="de Vries",
        role="gp",
        practice=practice,
    )
    gp.gp_profile = GPProfile(agb_code="99990002", big_number="19999999901")
    therapist = Therapist(
        user=User(email="t@example.org", first_name="Tom", last_name="Loper", role="therapist"),
        profession=Therapist.Profession.PHYSIOTHERAPIST,
        organisation="Fysio Oost",
        certificate_number="RT-0001",
        certificate_date=datetime.date(2020, 1, 1),
        address="Laan 2",
        postcode="1234 CD",
        city="Utrecht",
        phone="030-1111111",
    )
    patient = Patient(
        practice=practice,
        bsn="111222333",
        initials="J.",
        first_name="Jan",
        tussenvoegsel="van der",
        surname="Berg",
        date_of_birth=datetime.date(1980, 5, 17),
        sex=Patient.Sex.MALE,
        address="Straat 3",
        postcode="1234 EF",
        city="Utrecht",
    )
    referral = Referral(
        patient=patient,
        practice=practice,
        gp=gp,
        therapist=therapist,
        consent_given=True,
        complaint=Icpc.P03,
        other_complaints=[Icpc.P06, Icpc.P01],
        complaint_notes="Somber sinds het voorjaar, slaapt slecht.",
        severity="moderate",
        uses_antidepressant=False,
        medication="Geen.",
        history="Burn-out in 2019, hersteld.\nGeen cardiale voorgeschiedenis.",
        question="Graag runningtherapie, individueel of in een groep.",
        purpose="treatment",
        funding="health_insurer",
    )
    referral.fitness_check = FitnessCheck(
        answers={
            **dict.fromkeys(("q1", "q2", "q3", "q4", "q5", "q7"), False),
            "q6": True,
            **{f"f{n}": False for n in range(2, 11)},
            **{"f1": True, "f1a": False, "f1b": False, "f1c": False},
            "pregnant": False,
            "acute_illness": False,
        },
        notes="Knie hersteld; opbouwen in tempo.",
        checked_by=gp,
        checked_at=timezone.now(),
    )
    return referral


def median_ms(renders: dict[str, Callable[[], bytes]], runs: int) -> dict[str, float]:
    """Median wall time per render, in ms. The renders take turns within each run, so a busy
    machine slows the letter and the floor alike and their ratio stays meaningful."""
    for _ in range(WARM_UPS):
        for render in renders.values():
            render()
    times: dict[str, list[float]] = {name: [] for name in renders}
    for _ in range(runs):
        for name, render in renders.items():
            start = time.perf_counter()
            render()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs after 3 warm-ups")
    args = parser.parse_args()

    referral = sample_referral()
    medians = median_ms(
        {
            "floor": lambda: HTML(string="<p>Een alinea tekst op een A4-pagina.</p>").write_pdf(),
            "letter": lambda: render_referral_letter(referral),
        },
        args.runs,
    )
    letter, floor = medians["letter"], medians["floor"]
    ratio = letter / floor
    passed = ratio <= BUDGET_RATIO

    print(f"runs: {args.runs} (after {WARM_UPS} warm-ups)")
    print(f"{'figure':<16} {'median ms':>10} {'floor ms':>10} {'ratio':>7} {'budget':>7}  result")
    print(
        f"{'referral letter':<16} {letter:>10.1f} {floor:>10.1f} {ratio:>7.1f} "
        f"{BUDGET_RATIO:>6}x  {'pass' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
