"""The dashboard's counts (dashboard.counts): every change keeps them equal to a
rebuild from scratch, the dashboard read from them equals counting the referrals directly, and
they are scoped like the referrals."""

import random
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import User
from dashboard import cells as dashboard_cells
from dashboard import counts
from dashboard.cells import cell_totals, people_counts
from dashboard.models import CountCell, CountFact
from dashboard.period import AMSTERDAM, Period, referrals_sent_in
from dashboard.scope import cell_scope, referrals_for_dashboard
from outcomes.instruments import IMPROVED, INSTRUMENTS, reliable_change
from patients.privacy import patient_erase
from referrals.icpc import Icpc
from referrals.models import FollowUp, Funding, Purpose, Referral, Status

from .factories import (
    PatientFactory,
    PracticeFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Three years up to this month: a range only internal reads use (users choose a month, quarter
# or year).
_THIS_MONTH = timezone.localdate(timezone=AMSTERDAM).replace(day=1)
EVERYTHING = Period(first=_THIS_MONTH.replace(year=_THIS_MONTH.year - 3), last=_THIS_MONTH)


def cells() -> dict:
    return {
        (cell.scope, cell.scope_id, cell.dimension, cell.month, cell.value): cell.n
        for cell in CountCell.objects.exclude(n=0)
    }


def facts() -> dict:
    return {
        fact.referral_id: {f.attname: getattr(fact, f.attname) for f in CountFact._meta.fields}
        for fact in CountFact.objects.all()
    }


def assert_equal_to_a_rebuild() -> None:
    before_cells, before_facts = cells(), facts()
    counts.rebuild()
    assert facts() == before_facts
    assert cells() == before_cells


def follow_up(referral: Referral, answer: str) -> FollowUp:
    return FollowUp.objects.create(
        referral=referral,
        date=timezone.localdate(),
        wellbeing=FollowUp.Wellbeing.BETTER,
        antidepressant=answer,
        work_status=FollowUp.Work.WORKING,
        runs_per_week=2,
        minutes_per_week=60,
        recorded_by=referral.gp,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cells_after_random_changes_equal_a_rebuild(seed):
    """Random saves, partial saves, questionnaires, follow-ups, reassignments and deletions:
    the cells kept by the signals equal the cells rebuilt from the referrals."""
    rng = random.Random(seed)
    practices = [PracticeFactory() for _ in range(2)]
    gps = [UserFactory(role=User.Role.GP, practice=p) for p in practices for _ in range(2)]
    therapists = [TherapistFactory(verified=True) for _ in range(3)]
    referrals = []
    for _ in range(12):
        gp = rng.choice(gps)
        sent = timezone.now() - timedelta(days=rng.randint(0, 500), hours=rng.randint(0, 23))
        referrals.append(
            ReferralFactory(
                patient=PatientFactory(practice=gp.practice),
                gp=gp,
                therapist=rng.choice(therapists),
                status=rng.choice([Status.SENT, Status.ACCEPTED, Status.IN_THERAPY]),
                sent_at=sent,
                complaint=rng.choice(Icpc.values),
                purpose=rng.choice(Purpose.values),
                funding=rng.choice(Funding.values),
            )
        )
    for _step in range(60):
        referral = rng.choice(referrals)
        if not Referral.objects.filter(pk=referral.pk).exists():
            continue
        referral.refresh_from_db()
        action = rng.randrange(8)
        if action == 0:
            referral.status = rng.choice(Status.values)
            referral.save(update_fields=["status"])
        elif action == 1:
            referral.accepted_at = referral.sent_at + timedelta(days=1)
            referral.intake_date = timezone.localdate(referral.sent_at) + timedelta(
                days=rng.randint(0, 40)
            )
            referral.therapy_started_at = referral.sent_at + timedelta(days=2)
            referral.save()
        elif action == 2:
            code, week = rng.choice(list(INSTRUMENTS)), rng.choice([0, 5, 10])
            if not referral.questionnaires.filter(instrument=code, week=week).exists():
                items = INSTRUMENTS[code].items
                QuestionnaireResponseFactory(
                    referral=referral,
                    instrument=code,
                    week=week,
                    answers=[rng.randint(0, 3) for _ in range(len(items))],
                )
        elif action == 3 and referral.questionnaires.exists():
            rng.choice(list(referral.questionnaires.all())).delete()
        elif action == 4:
            referral.status = Status.FOLLOWED_UP
            referral.save()
            if not FollowUp.objects.filter(referral=referral).exists():
                follow_up(referral, rng.choice(FollowUp.Antidepressant.values))
        elif action == 5:
            FollowUp.objects.filter(referral=referral).delete()
        elif action == 6:
            referral.therapist = rng.choice(therapists)
            referral.sent_at = timezone.now() - timedelta(days=rng.randint(0, 500))
            referral.save()
        else:
            referral.delete()
    assert CountCell.objects.exists()
    assert_equal_to_a_rebuild()


def test_a_draft_counts_nowhere_until_it_is_sent():
    referral = ReferralFactory(status=Status.DRAFT)
    assert not CountCell.objects.exists()
    referral.status, referral.sent_at = Status.SENT, timezone.now()
    referral.save()
    assert CountFact.objects.filter(referral_id=referral.pk).exists()
    practice_sent = CountCell.objects.get(
        scope=counts.PRACTICE, scope_id=referral.practice_id, dimension="sent"
    )
    assert practice_sent.n == 1


def test_erasing_a_patient_takes_their_referrals_out_of_the_reports(admin):
    with time_machine.travel(timezone.now() - timedelta(days=21 * 365)):
        referral = ReferralFactory(status=Status.FOLLOWED_UP)
        QuestionnaireResponseFactory(referral=referral)
        follow_up(referral, FollowUp.Antidepressant.STOPPED)
    assert CountCell.objects.exclude(n=0).exists()

    patient_erase(patient=referral.patient, by=admin)

    assert not CountCell.objects.exclude(n=0).exists()
    assert not CountFact.objects.exists()


def test_a_save_that_changes_no_reported_field_writes_nothing(gp):
    referral = ReferralFactory(gp=gp, patient=PatientFactory(practice=gp.practice), status="sent")
    referral.medication = "sertraline"
    with CaptureQueriesContext(connection) as saved:
        referral.save(update_fields=["medication"])
    assert len(saved) == 1
    with CaptureQueriesContext(connection) as saved:
        referral.save()
    # The update, three to compute the fact and one to read the old one; nothing to write.
    assert len(saved) == 5


@pytest.mark.parametrize("code", list(INSTRUMENTS))
def test_reliable_improvement_in_the_cells_is_the_rule_of_reliable_change(code):
    instrument = INSTRUMENTS[code]
    for before in range(instrument.max_total + 1):
        for after in range(instrument.max_total + 1):
            fact = CountFact(
                status=Status.IN_THERAPY,
                complaint="",
                purpose="",
                funding="",
                gp_id=1,
                scores={code: [before, after]},
            )
            found = {(d, v) for d, v, _n in counts.figures(fact)}
            improved = ("score_improved", code) in found
            assert improved == (reliable_change(code, before, after) == IMPROVED)


# --- The dashboard read from the cells equals counting the referrals ----------------------------


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--no-documents", stdout=StringIO())


PERSONAS = [
    "manager@example.org",
    "huisarts@example.org",
    "huisarts2@example.org",
    "therapeut@example.org",
    "admin@example.org",
]


@pytest.mark.parametrize("email", PERSONAS)
def test_dashboard_totals_equal_counting_the_referrals(demo, email):
    user = User.objects.get(email=email)
    referrals = referrals_sent_in(referrals_for_dashboard(user), EVERYTHING).select_related(
        "follow_up"
    )
    found = cell_totals(cell_scope(user), EVERYTHING)

    assert referrals.exists()
    assert found.totals["sent"] == referrals.count()
    for status in Status:
        assert found.totals.get(f"c_status_{status}", 0) == referrals.filter(status=status).count()
    started = referrals.filter(therapy_started_at__isnull=False)
    assert found.totals.get("started", 0) == started.count()
    intakes = sum(found.days_to_intake.values())
    assert intakes == referrals.filter(intake_date__isnull=False).count()
    for month, n in found.months.items():
        assert n == sum(
            1
            for r in referrals
            if timezone.localtime(r.sent_at, AMSTERDAM).date().replace(day=1) == month
        )
    for code, change in found.questionnaires.changes.items():
        pairs = [
            (
                r.questionnaires.filter(instrument=code, week=0).first(),
                r.questionnaires.filter(instrument=code, week=10).first(),
            )
            for r in started
        ]
        pairs = [(a.total, b.total) for a, b in pairs if a and b]
        assert change.n == len(pairs)
        assert change.total_change == sum(b - a for a, b in pairs)


def test_the_admin_can_narrow_the_cells_to_one_practice(demo):
    admin = User.objects.get(email="admin@example.org")
    manager = User.objects.get(email="manager@example.org")
    assert cell_scope(admin, practice=manager.practice) == cell_scope(manager)
    assert cell_scope(admin) == (counts.ALL, 0)


def test_a_therapist_without_a_register_entry_sees_nothing():
    user = UserFactory(role=User.Role.THERAPIST, practice=None)
    assert cell_scope(user) is None
    assert cell_totals(None, EVERYTHING).totals.get("sent", 0) == 0


def test_long_people_lists_show_the_busiest_and_one_row_for_the_rest(monkeypatch, manager):
    monkeypatch.setattr(dashboard_cells, "MAX_LIST_ROWS", 2)
    gps = [UserFactory(role=User.Role.GP, practice=manager.practice) for _ in range(4)]
    for gp, n in zip(gps, (5, 1, 3, 2), strict=True):
        for _ in range(n):
            ReferralFactory(gp=gp, patient=PatientFactory(practice=gp.practice), status="sent")

    with translation.override("en"):
        people = people_counts(cell_scope(manager), EVERYTHING)

    assert [count for _name, count in people.gps] == [5, 3, 3]
    assert people.gps[0][0] == gps[0].get_full_name()
    assert people.gps[-1][0] == "2 others"


def test_rebuild_counts_command_says_what_it_wrote(demo):
    out = StringIO()
    call_command("rebuild_counts", stdout=out)
    sent = Referral.objects.filter(sent_at__isnull=False).count()
    assert out.getvalue().startswith(f"{sent} referrals counted, ")


def test_a_fact_has_the_fields_of_a_stored_fact_in_their_order():
    """The rebuild writes facts with COPY in this order."""
    assert counts.Fact._fields == tuple(counts.FACT_COLUMNS)


def test_every_dimension_a_fact_adds_is_a_figure_or_a_person(demo):
    """The dashboard reads the figures by name: a new dimension must be listed to be read."""
    from dashboard.counts import FIGURES, PEOPLE

    found = set(CountCell.objects.values_list("dimension", flat=True).distinct())
    assert found <= set(FIGURES) | set(PEOPLE)
    assert found >= {"sent", "status", "intake_days", "score_change", "antidepressant"}
