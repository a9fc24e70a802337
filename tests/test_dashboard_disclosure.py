"""The differencing attack on the reports (docs/security.md, H3), tried generically.

A practice with a year of small, uneven numbers. The attacker downloads everything the reports
offer for every period a user can choose (the year, each quarter, each month): the page, the
outcome CSV and the per-GP monthly CSV. Each figure is matched with the referrals it counts,
worked out here from the database (not from dashboard/). Then, for every figure, every pair of
figures where one counts a part of the other, and every figure minus a set of shown figures that
count disjoint parts of it (a quarter minus its months, a year minus its quarters, the status
table against the outcome table's bases, the CSV's rows against the page), the difference must
not be a count of 1 to 4 patients, nor an average over fewer than 10.
"""

import csv
import io
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from dashboard.period import AMSTERDAM, year_tree
from dashboard.suppression import SMALL_AVERAGE, SMALL_CELL, SUPPRESSED
from outcomes import recovery
from outcomes.instruments import INSTRUMENTS
from referrals.icpc import Icpc
from referrals.models import FollowUp, Funding, Purpose, Referral, Status

from .factories import (
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2025
STATUSES = [Status.SENT, Status.ACCEPTED, Status.DECLINED, Status.IN_THERAPY, Status.COMPLETED]
STATUSES += [Status.STOPPED, Status.FOLLOWED_UP, Status.NOT_CLEARED]


def make_year(practice, seed: int) -> None:
    """About 90 referrals over the year, in uneven months, with every kind of outcome."""
    rng = random.Random(seed)
    gps = [UserFactory(role=User.Role.GP, practice=practice) for _ in range(3)]
    therapists = [TherapistFactory(verified=True) for _ in range(2)]
    for _ in range(rng.randint(70, 110)):
        month = rng.choice([1, 1, 2, 3, 3, 3, 4, 6, 7, 7, 9, 10, 11, 12])
        at = datetime(YEAR, month, rng.randint(1, 28), 12, tzinfo=AMSTERDAM)
        status = rng.choice(STATUSES)
        begun = status in (Status.IN_THERAPY, Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP)
        referral = ReferralFactory(
            gp=rng.choice(gps),
            patient=PatientFactory(practice=practice),
            therapist=rng.choice(therapists),
            status=status,
            sent_at=at,
            complaint=rng.choice(Icpc.values[:3]),
            purpose=rng.choice(Purpose.values),
            funding=rng.choice(Funding.values),
            accepted_at=at + timedelta(days=1) if status != Status.SENT else None,
            intake_date=(at + timedelta(days=rng.randint(3, 20))).date() if begun else None,
            therapy_started_at=at + timedelta(days=21) if begun else None,
            completed_at=at + timedelta(days=90) if status == Status.COMPLETED else None,
            stopped_at=at + timedelta(days=40) if status == Status.STOPPED else None,
        )
        if begun:
            for week in rng.choice([(0,), (0, 5), (0, 5, 10), (0, 10)]):
                for code in INSTRUMENTS:
                    QuestionnaireResponseFactory(
                        referral=referral,
                        instrument=code,
                        week=week,
                        answers=[],
                        total=rng.randint(4, 20),
                    )
        if status == Status.FOLLOWED_UP:
            FollowUp.objects.create(
                referral=referral,
                date=(at + timedelta(days=100)).date(),
                wellbeing=FollowUp.Wellbeing.BETTER,
                antidepressant=rng.choice(FollowUp.Antidepressant.values),
                work_status=FollowUp.Work.WORKING,
                runs_per_week=2,
                minutes_per_week=60,
                recorded_by=referral.gp,
            )


# --- What each figure counts, from the database -------------------------------------------------


def facts(practice) -> dict[int, dict]:
    """Per referral, everything a figure may count it by."""
    found = {}
    referrals = Referral.objects.filter(practice=practice, sent_at__isnull=False)
    for r in referrals.select_related("gp", "therapist__user").prefetch_related("questionnaires"):
        scores = {(q.instrument, q.week): q.total for q in r.questionnaires.all()}
        follow_up = FollowUp.objects.filter(referral=r).first()
        found[r.pk] = dict(
            month=timezone.localtime(r.sent_at, AMSTERDAM).date().replace(day=1),
            r=r,
            scores=scores,
            antidepressant=follow_up.antidepressant
            if follow_up and r.status == Status.FOLLOWED_UP
            else None,
        )
    return found


def outcome_figures(code_pairs) -> dict:
    """English label -> what it counts (a predicate on a fact)."""
    started = lambda f: f["r"].therapy_started_at is not None  # noqa: E731
    figures = {
        "Accepted by the therapist": lambda f: f["r"].accepted_at is not None,
        "Therapy started": started,
        "Therapy completed": lambda f: f["r"].completed_at is not None,
        "Therapy stopped early": lambda f: f["r"].stopped_at is not None,
        "Follow-up held by the GP": lambda f: f["r"].status == Status.FOLLOWED_UP,
    }
    for week in (0, 5, 10):
        figures[f"PHQ-9 and GAD-7 completed in week {week}"] = lambda f, w=week: (
            started(f) and all((code, w) in f["scores"] for code in INSTRUMENTS)
        )
    for code in INSTRUMENTS:
        threshold = INSTRUMENTS[code].reliable_change_threshold
        figures[f"{code} reliably improved"] = lambda f, c=code, t=threshold: (
            code_pairs(f, c) and (f["scores"][c, 10] <= f["scores"][c, 0] - t)
        )
    figures["Case at the start (PHQ-9 ≥ 10 or GAD-7 ≥ 8)"] = lambda f: (
        recovery_of(f)
        not in (
            None,
            recovery.NOT_CASE,
        )
    )
    figures["Recovered"] = lambda f: (
        recovery_of(f)
        in (
            recovery.RECOVERED,
            recovery.RELIABLY_RECOVERED,
        )
    )
    figures["Reliably recovered"] = lambda f: recovery_of(f) == recovery.RELIABLY_RECOVERED
    return figures


def recovery_of(f) -> str | None:
    """The NHS Talking Therapies outcome, computed here from the scores themselves."""
    if f["r"].therapy_started_at is None:
        return None
    summary = recovery.summarise(f["scores"], (0, 5, 10))
    return summary.outcome if summary else None


def bases(code_pairs) -> dict:
    """English base label -> what it counts; for the means, the patients averaged."""
    ended = (Status.COMPLETED, Status.STOPPED, Status.FOLLOWED_UP)
    found = {
        "referrals sent": lambda f: True,
        "therapies started": lambda f: f["r"].therapy_started_at is not None,
        "referrals with an intake": lambda f: f["r"].intake_date is not None,
        "therapies ended": lambda f: f["r"].status in ended,
        "follow-ups held": lambda f: f["antidepressant"] is not None,
    }
    for code in INSTRUMENTS:
        found[code] = lambda f, c=code: code_pairs(f, c)
    found["paired patients (week 0 and a later week)"] = lambda f: recovery_of(f) is not None
    found["cases at the start"] = lambda f: recovery_of(f) not in (None, recovery.NOT_CASE)
    return found


def has_pair(f, code) -> bool:
    return f["r"].therapy_started_at is not None and all(
        (code, week) in f["scores"] for week in (0, 10)
    )


# --- What the reports expose --------------------------------------------------------------------


def number(text: str) -> int | None:
    if text == SUPPRESSED:
        return None
    return int(text.split(" ")[0].replace(".", ""))


class Attacker:
    def __init__(self, facts: dict[int, dict]) -> None:
        self.facts = facts
        self.counts: dict[frozenset, tuple[int, str]] = {}  # population -> (shown, where)
        #: (statistic, population): a mean can be differenced with a mean of the same scores,
        #: not with a median of something else.
        self.averages: dict[tuple[str, frozenset], str] = {}
        self.kinds: dict[tuple, set[frozenset]] = defaultdict(set)

    def population(self, period, test) -> frozenset:
        return frozenset(
            pk
            for pk, f in self.facts.items()
            if period.first <= f["month"] <= period.last and test(f)
        )

    def count(self, kind: tuple, population: frozenset, shown: int | None, where: str) -> None:
        if shown is None:
            return
        assert shown == len(population), f"{where}: shows {shown}, counts {len(population)}"
        self.counts.setdefault(population, (shown, where))
        self.kinds[kind].add(population)

    def average(self, population: frozenset, shown: bool, where: str) -> None:
        if shown:
            statistic = where.split(",")[0]
            self.averages.setdefault((statistic, population), where)

    def read_page(self, period, report) -> None:
        self.count(("sent",), self.population(period, lambda f: True), report.total, "total")
        for month, n in report.months:
            pop = self.population(period, lambda f, m=month: f["month"] == m)
            self.count(("sent",), pop, n, f"month {month}")
        for split in report.splits:
            for label, n in split.rows:
                test = self.split_test(split.key, label)
                self.count(
                    ("split", split.key), self.population(period, test), n, f"{split.key} {label}"
                )
        figures, base_of = outcome_figures(has_pair), bases(has_pair)
        for row in report.outcomes:
            base_key = row.label.split(" ")[1] if row.label.startswith("Mean") else row.base_label
            if base_key.startswith("patients with week"):
                base_key = row.label.split(" ")[0]
            base = self.population(period, base_of[base_key])
            self.count(("base", base_key), base, number(row.base), f"base of {row.label}")
            if row.label in figures:
                pop = self.population(period, figures[row.label])
                self.count(("outcome", row.label), pop, number(row.value), row.label)
                if "improved" in row.label:
                    self.average(base, row.value != SUPPRESSED, row.label)
            else:
                self.average(base, row.value != SUPPRESSED, row.label)
        for label, value in report.antidepressant:
            with translation.override("en"):
                choice = {str(lbl): v for v, lbl in FollowUp.Antidepressant.choices}[label]
            pop = self.population(period, lambda f, c=choice: f["antidepressant"] == c)
            self.count(("antidepressant",), pop, number(value), f"antidepressant {label}")

    def split_test(self, key: str, label: str):
        with translation.override("en"):  # the labels the attacker reads are English
            return self._split_test(key, label)

    def _split_test(self, key: str, label: str):
        if key in ("gp", "therapist"):

            def person(f):
                who = f["r"].gp if key == "gp" else f["r"].therapist
                return (
                    who is not None
                    and (who.get_full_name() if key == "gp" else who.user.get_full_name()) == label
                )

            return person
        field = key
        choices = {
            # A complaint shows as its ICPC code and label, as the GP chose it.
            (f"{v} {lbl}" if key == "complaint" else str(lbl)): v
            for v, lbl in {
                "status": Status,
                "complaint": Icpc,
                "purpose": Purpose,
                "funding": Funding,
            }[key].choices
        }
        if label == "Not given":
            return lambda f: getattr(f["r"], field) not in choices.values()
        return lambda f: getattr(f["r"], field) == choices[label]

    def read_monthly_csv(self, period, rows) -> None:
        header = rows[0]
        for row in rows[1:]:
            record = dict(zip(header, row, strict=True))
            month = date(int(record["Year"]), int(record["Month"]), 1)

            def mine(f, m=month, g=record["GP"]):
                return f["month"] == m and f["r"].gp.get_full_name() == g

            self.count(
                ("csv total",), self.population(period, mine), number(record["Total"]), "csv total"
            )
            for status in Status:
                test = lambda f, s=status, t=mine: t(f) and f["r"].status == s  # noqa: E731
                with translation.override("en"):
                    column = str(status.label)
                where = f"csv {record['Year']}-{record['Month']} {record['GP']} {status}"
                self.count(
                    ("csv", status),
                    self.population(period, test),
                    number(record[column]),
                    where,
                )

    # --- The attack -----------------------------------------------------------------------------

    def small_differences(self) -> list[str]:
        found = []
        counts = sorted(self.counts.items(), key=lambda item: -len(item[0]))
        for population, (shown, where) in counts:
            if 0 < shown < SMALL_CELL:
                found.append(f"{where} shows {shown}")
        for a, (n_a, where_a) in counts:
            parts = [(b, n_b, w) for b, (n_b, w) in counts if b < a]
            for b, n_b, where_b in parts:
                if 0 < n_a - n_b < SMALL_CELL:
                    found.append(f"{where_a} ({n_a}) - {where_b} ({n_b})")
            # A figure minus shown figures that count disjoint parts of it: per kind of
            # figure (a quarter's months, a split's rows, the CSV's rows), and all together.
            families = [[b for b in populations if b < a] for populations in self.kinds.values()]
            families.append([b for b, _n, _w in parts])
            for family in families:
                taken: set = set()
                total = 0
                for b in sorted(family, key=len, reverse=True):
                    if not (b & taken):
                        taken |= b
                        total += len(b)
                if total and 0 < n_a - total < SMALL_CELL:
                    found.append(f"{where_a} ({n_a}) minus disjoint parts ({total})")
        for (statistic, a), where_a in self.averages.items():
            if len(a) < SMALL_AVERAGE:
                found.append(f"{where_a}: an average of {len(a)}")
            same = [b for (other, b) in self.averages if other == statistic and b < a]
            for b in same:
                if 0 < len(a) - len(b) < SMALL_AVERAGE:
                    found.append(f"{where_a}: {len(a)} - {len(b)} patients")
            # A mean minus the means of disjoint parts (a quarter minus its months).
            taken: set = set()
            for b in sorted(same, key=len, reverse=True):
                if not (b & taken):
                    taken |= b
            if taken and 0 < len(a) - len(taken) < SMALL_AVERAGE:
                found.append(f"{where_a}: {len(a)} minus disjoint parts {len(taken)}")
        return found


# Seed 2 once recovered 2 from a quarter's referrals sent minus its self-pay row minus one GP's
# October CSV row; seed 5 "accepted by the therapist" minus the therapies started and the
# declined and accepted status rows (in this data every declined referral counted as accepted
# first, so the rest was the 4 hidden "not cleared"); seed 10 one therapist's month minus one
# GP's, whose referrals had all gone to that therapist. None of these is a relation of the
# tables: the figures nest by chance, and dashboard.release checks who each figure counts.
@pytest.mark.parametrize("seed", range(1, 13))
def test_no_difference_of_shown_figures_reveals_a_small_number(seed, manager, client_for):
    make_year(manager.practice, seed)
    attacker = Attacker(facts(manager.practice))
    client = client_for(manager)
    client.cookies["django_language"] = "en"

    for period in year_tree(YEAR):
        params = period.params()
        page = client.get(reverse("dashboard:page"), params)
        assert page.context["form"].errors == {}
        attacker.read_page(period, page.context["report"])
        body = client.get(reverse("dashboard:monthly_csv"), params).content.decode("utf-8-sig")
        attacker.read_monthly_csv(period, list(csv.reader(io.StringIO(body), delimiter=";")))
        outcomes = client.get(reverse("dashboard:outcomes_csv"), params).content.decode("utf-8-sig")
        shown = {row[0]: row[1:3] for row in csv.reader(io.StringIO(outcomes), delimiter=";")}
        # The outcome CSV says what the page says, no more (a share as count and percentage).
        for row in page.context["report"].outcomes:
            count, percent = shown[row.label]
            assert (f"{count} ({percent}%)" if percent else count) == row.value

    # The attack had something to work with: many figures shown, some hidden.
    assert len(attacker.counts) > 30
    assert attacker.small_differences() == []


def test_the_page_explains_why_figures_are_hidden(manager, client_for):
    make_year(manager.practice, 4)
    client = client_for(manager)

    html = client.get(reverse("dashboard:page"), {"period": f"{YEAR}-03"}).content.decode()

    assert 'id="report-privacy"' in html
    assert 'id="report-hidden"' in html
    assert "een kwartaal of een heel jaar laat meer zien" in html


def test_figures_that_nest_by_chance_are_not_both_shown():
    """One GP's 6 referrals all went to the therapist with 10: no relation links the two
    figures, only who they count does (dashboard.suppression rule 5)."""
    from dashboard.suppression import Populations, protect

    values = {"gp": 6, "therapist": 10, "sent": 10}
    bits = {"gp": 0b111111, "therapist": 0b1111111111, "sent": 0b1111111111}
    family = {"gp": "gp", "therapist": "therapist", "sent": "sent"}

    without = protect(values, [])
    nested = protect(values, [], populations=Populations(bits=bits, family=family))

    assert without.hidden == set()
    assert "gp" in nested.hidden
    assert nested.shown("therapist") == 10


def test_the_cached_release_follows_a_changed_figure(manager):
    """The release is cached under its inputs: a changed referral gives a new outcome."""
    from django.core.cache import cache

    from dashboard.release import release_year
    from dashboard.scope import cell_scope

    make_year(manager.practice, 4)
    scope = cell_scope(manager)
    before = release_year(scope, YEAR, people=("gp", "therapist"), csv=[])
    referral = Referral.objects.filter(practice=manager.practice, status=Status.SENT).first()
    referral.status = Status.DECLINED
    referral.save()
    after = release_year(scope, YEAR, people=("gp", "therapist"), csv=[])

    period = year_tree(YEAR)[0]
    assert after.value(period, ("status", Status.SENT)) == (
        before.value(period, ("status", Status.SENT)) - 1
    )
    cache.clear()
    fresh = release_year(scope, YEAR, people=("gp", "therapist"), csv=[])
    assert after.protected.hidden == fresh.protected.hidden
