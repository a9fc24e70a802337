"""The pages `make bench` measures cost a fixed, small number of queries, badge included.

Each page is counted with one and with twenty rows of what it lists, every row something due
(so the header badge and the due items have work to do). The ceilings are the budget of
bench/run.py (at most 15 per page, in production with two factors: add one query for the
verified device to the counts here).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import ReferralMedication, Status
from therapy.models import TherapyLetter

from .factories import (
    FitnessCheckFactory,
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralDocumentFactory,
    ReferralFactory,
    TherapyLetterFactory,
    TherapySessionFactory,
    follow_up_post,
)

pytestmark = pytest.mark.django_db

# 15 until this session's merges; the therapist's referral page then paid one more for the
# badge's new loose ends (the week-12 close reminder and the practice's open safety alerts each
# read once). Each is one query whatever the data, as the tests below check. The referral page
# then paid one more for the corrections' trail (patients.Correction: one query for the patient,
# intake, screening, sessions and questionnaires together).
BUDGET = 17
# The referral page reads the medication rows of the HASP letter (ReferralMedication) once,
# however many there are: one more than the lists.
REFERRAL_PAGE_BUDGET = BUDGET + 1
TWO_FACTOR_DEVICE = 1  # production loads the verified device from the session


def count(client, url: str) -> tuple[int, list[str]]:
    assert client.get(url).status_code == 200  # once-only work (read receipts) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    # The test's transaction adds savepoints around each write; production has none.
    sql = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    return len(sql), sql


def due_referrals(gp, therapist, n: int) -> list:
    """`n` referrals with something due for both the GP and the therapist, and the data a
    referral page shows (fitness check, questionnaires, a safety alert)."""
    today = timezone.localdate()
    now = timezone.now()
    made = []
    for i in range(n):
        if i % 2 == 0:  # in therapy, week 5 questionnaires and the reports missing
            referral = ReferralFactory(
                patient=PatientFactory(practice=gp.practice),
                gp=gp,
                therapist=therapist.therapist,
                status=Status.IN_THERAPY,
                sent_at=now - timedelta(days=60),
                intake_date=today - timedelta(days=45),
                intake_done_at=now - timedelta(days=45),
                therapy_started_at=now - timedelta(days=44),
            )
            QuestionnaireResponseFactory(referral=referral, week=0)
        else:  # therapy ended, the GP's follow-up due
            referral = ReferralFactory(
                patient=PatientFactory(practice=gp.practice),
                gp=gp,
                therapist=therapist.therapist,
                status=Status.COMPLETED,
                sent_at=now - timedelta(days=120),
                intake_date=today - timedelta(days=100),
                completed_at=now - timedelta(days=20),
                follow_up_due=today - timedelta(days=3),
            )
        FitnessCheckFactory(referral=referral)
        made.append(referral)
    return made


@pytest.mark.parametrize(
    ("persona", "name"), [("gp", "referrals:worklist"), ("therapist", "referrals:incoming")]
)
def test_home_queries_with_the_badge_do_not_grow_and_stay_within_budget(
    persona, name, gp, therapist, client_for, request
):
    client = client_for(request.getfixturevalue(persona))
    due_referrals(gp, therapist, 1)
    one, _sql = count(client, reverse(name))
    due_referrals(gp, therapist, 19)
    twenty, sql = count(client, reverse(name))
    assert twenty == one, "\n".join(sql)
    assert twenty + TWO_FACTOR_DEVICE <= BUDGET, "\n".join(sql)


def test_the_badge_and_the_home_share_one_computation(gp, therapist, client_for):
    due_referrals(gp, therapist, 2)
    _count, sql = count(client_for(gp), reverse("referrals:worklist"))
    follow_up_searches = [q for q in sql if '"follow_up_due" <=' in q]
    alert_searches = [q for q in sql if q.startswith('SELECT "outcomes_safetyalert"')]
    assert len(follow_up_searches) == 1, "\n".join(sql)
    assert len(alert_searches) == 1, "\n".join(sql)


@pytest.mark.parametrize("persona", ["gp", "therapist"])
def test_referral_page_queries_do_not_depend_on_its_data_and_stay_within_budget(
    persona, gp, therapist, client_for, request
):
    client = client_for(request.getfixturevalue(persona))
    in_therapy, _completed = due_referrals(gp, therapist, 2)
    one, _sql = count(client, reverse("referrals:detail", args=[in_therapy.pk]))
    for week in (5, 10):
        QuestionnaireResponseFactory(referral=in_therapy, week=week)
    # The letters back as text are read in the referral's own query (therapy.pages).
    for kind in (TherapyLetter.Kind.INTAKE, TherapyLetter.Kind.PROGRESS):
        TherapyLetterFactory(referral=in_therapy, kind=kind)
        ReferralDocumentFactory(referral=in_therapy, kind=kind)
    TherapySessionFactory(referral=in_therapy)
    for name in ("Sertraline", "Omeprazol", "Paracetamol"):
        ReferralMedication.objects.create(referral=in_therapy, name=name, dose="1 dd")
    due_referrals(gp, therapist, 18)
    again, sql = count(client, reverse("referrals:detail", args=[in_therapy.pk]))
    assert again == one, "\n".join(sql)
    assert again + TWO_FACTOR_DEVICE <= REFERRAL_PAGE_BUDGET, "\n".join(sql)


def test_follow_up_page_queries_do_not_depend_on_its_data_and_stay_within_budget(
    gp, therapist, client_for
):
    client = client_for(gp)
    _in_therapy, completed = due_referrals(gp, therapist, 2)
    url = reverse("referrals:follow_up", args=[completed.pk])
    one, _sql = count(client, url)
    for week in (0, 5, 10):
        for code in ("PHQ-9", "GAD-7"):
            QuestionnaireResponseFactory(referral=completed, week=week, instrument=code)
    due_referrals(gp, therapist, 18)
    again, sql = count(client, url)
    assert again == one, "\n".join(sql)
    assert again + TWO_FACTOR_DEVICE <= BUDGET, "\n".join(sql)


def test_referral_page_with_the_follow_up_and_its_scores_stays_within_budget(
    gp, therapist, client_for
):
    client = client_for(gp)
    _in_therapy, completed = due_referrals(gp, therapist, 2)
    held = client.post(reverse("referrals:follow_up", args=[completed.pk]), follow_up_post())
    assert held.status_code == 302
    url = reverse("referrals:detail", args=[completed.pk])
    one, _sql = count(client, url)
    for week in (0, 5, 10):
        QuestionnaireResponseFactory(referral=completed, week=week)
    due_referrals(gp, therapist, 18)
    again, sql = count(client, url)
    assert again == one, "\n".join(sql)
    assert again + TWO_FACTOR_DEVICE <= REFERRAL_PAGE_BUDGET, "\n".join(sql)
