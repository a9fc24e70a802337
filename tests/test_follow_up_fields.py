"""What the GP's follow-up records: how the patient is, a full PHQ-9 and GAD-7 (item 9 raising a
safety alert as anywhere else), antidepressant use, work in Dutch sick-leave terms, running per
week now and the plan; refused input beside its field, nothing half-saved; the old follow-ups
still readable and their work answers migrated."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.models import Notification
from outcomes.alerts import alerts_open_for_gp
from outcomes.exceptions import QuestionnaireError
from outcomes.models import FOLLOW_UP_WEEK, QuestionnaireResponse, SafetyAlert
from outcomes.services import follow_up_questionnaires_record
from referrals.forms import FollowUpForm
from referrals.models import FollowUp, Referral, ReferralEvent, Status

from .factories import (
    GPProfileFactory,
    QuestionnaireResponseFactory,
    follow_up_post,
    in_therapy_since,
)
from .test_follow_up import ended_referral

pytestmark = pytest.mark.django_db


def nl(message: str) -> str:
    with translation.override("nl"):
        return gettext(message)


def url(referral: Referral) -> str:
    return reverse("referrals:follow_up", args=[referral.pk])


@pytest.fixture
def ended(gp, therapist) -> Referral:
    return ended_referral(gp, therapist)


def nothing_written(referral: Referral) -> dict:
    referral.refresh_from_db()
    return {
        "status": referral.status,
        "follow_ups": FollowUp.objects.filter(referral=referral).count(),
        "events": ReferralEvent.objects.filter(referral=referral).count(),
        "questionnaires": QuestionnaireResponse.objects.filter(referral=referral).count(),
        "alerts": SafetyAlert.objects.filter(referral=referral).count(),
        "emails": Notification.objects.filter(referral=referral).count(),
    }


def form_for(referral: Referral, **overrides) -> FollowUpForm:
    data = follow_up_post(**overrides)
    return FollowUpForm({k: v for k, v in data.items() if "-" not in k}, referral=referral)


# --- Stored and scored ------------------------------------------------------------------------


def test_the_follow_up_stores_every_field_and_a_scored_phq9_and_gad7(gp, ended, client_for):
    data = follow_up_post(
        wellbeing="same",
        antidepressant="reduced",
        work_status="track_2",
        occupational_physician="True",
        runs_per_week="3",
        minutes_per_week="105",
        plan=["medication", "poh_ggz", "keep_running"],
    )
    response = client_for(gp).post(url(ended), data)

    assert response.status_code == 302
    follow_up = FollowUp.objects.get(referral=ended)
    assert (follow_up.wellbeing, follow_up.antidepressant, follow_up.work_status) == (
        "same",
        "reduced",
        "track_2",
    )
    assert follow_up.occupational_physician is True
    assert (follow_up.runs_per_week, follow_up.minutes_per_week) == (3, 105)
    # In the order of the choices, whatever the order posted.
    assert follow_up.plan == ["poh_ggz", "medication", "keep_running"]
    scored = {r.instrument: r for r in QuestionnaireResponse.objects.filter(week=FOLLOW_UP_WEEK)}
    assert scored["PHQ-9"].answers == [1, 1, 1, 1, 0, 1, 1, 0, 0]
    assert (scored["PHQ-9"].total, scored["PHQ-9"].band, scored["PHQ-9"].difficulty) == (
        6,
        "mild",
        1,
    )
    assert (scored["GAD-7"].total, scored["GAD-7"].band, scored["GAD-7"].difficulty) == (
        4,
        "minimal",
        0,
    )
    assert {r.entered_by for r in scored.values()} == {gp}
    assert {r.completed_on for r in scored.values()} == {follow_up.date}
    assert follow_up.phq9_total == 6
    assert not SafetyAlert.objects.filter(referral=ended).exists()


def test_item_9_at_the_follow_up_raises_an_alert_that_reaches_the_practice(
    gp, ended, client_for, practice
):
    colleague = GPProfileFactory(user__practice=practice).user
    response = client_for(gp).post(url(ended), follow_up_post(phq9=(1, 1, 1, 1, 0, 1, 1, 0, 2)))

    assert response.status_code == 302
    alert = SafetyAlert.objects.get(referral=ended)
    assert alert.response.week == FOLLOW_UP_WEEK and alert.code == "phq9_item9"
    # Every GP of the practice sees it; the referring GP and the practice's address get the
    # e-mail (the copy to the address is on the referring GP's name).
    assert [a.pk for a in alerts_open_for_gp(colleague)] == [alert.pk]
    emails = Notification.objects.filter(referral=ended, kind=Notification.Kind.SAFETY_ALERT)
    assert {(e.recipient_id, e.address) for e in emails} == {
        (gp.pk, ""),
        (gp.pk, practice.email),
    }
    with translation.override("nl"):
        assert alert.response.occasion == "bij de nacontrole door de huisarts"
    page = client_for(colleague).get(reverse("referrals:detail", args=[ended.pk]))
    assert "bij de nacontrole door de huisarts" in page.content.decode()


def test_the_antidepressant_is_filled_in_from_the_referral(gp, therapist):
    using = ended_referral(gp, therapist)
    Referral.objects.filter(pk=using.pk).update(uses_antidepressant=True)
    using.refresh_from_db()
    assert FollowUpForm(referral=using).fields["antidepressant"].initial == "continued"
    using.uses_antidepressant = False
    assert FollowUpForm(referral=using).fields["antidepressant"].initial == "never"
    with translation.override("nl"):
        labels = {str(label) for _v, label in FollowUp.Antidepressant.choices}
    assert labels == {
        "Niet gebruikt",
        "Gestart",
        "Ongewijzigd",
        "Dosis verhoogd",
        "Dosis verlaagd",
        "Ander middel (gewisseld)",
        "Gestopt",
    }


@pytest.mark.parametrize("work", FollowUp.Work.values)
def test_every_work_answer_is_accepted(work, ended):
    physician = "True" if work in FollowUp.EMPLOYED else ""
    form = form_for(ended, work_status=work, occupational_physician=physician)
    assert form.is_valid(), form.errors


def test_an_employee_is_asked_about_the_occupational_physician(ended):
    form = form_for(ended, work_status="sick_leave", occupational_physician="")
    assert not form.is_valid()
    assert form.errors == {
        "occupational_physician": [nl("Say whether an occupational physician is involved.")]
    }


def test_no_occupational_physician_is_stored_for_someone_without_an_employer(ended):
    form = form_for(ended, work_status="retired", occupational_physician="True")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["occupational_physician"] is None


# --- Refused beside the field, nothing half-saved --------------------------------------------


@pytest.mark.parametrize(
    ("runs", "minutes", "field", "message"),
    [
        ("15", "300", "runs_per_week", "Between 0 and 14 runs a week (at most twice a day)."),
        ("2", "1300", "minutes_per_week", "Between 0 and 1200 minutes a week (20 hours)."),
        ("0", "30", "minutes_per_week", "No runs a week, so no minutes either: enter 0."),
        ("3", "20", "minutes_per_week", "3 runs a week take at least 30 minutes together."),
        (
            "2",
            "400",
            "minutes_per_week",
            "2 runs a week of at most 180 minutes each: at most 360.",
        ),
    ],
)
def test_impossible_running_numbers_are_refused_beside_the_field(
    runs, minutes, field, message, gp, ended, client_for
):
    before = nothing_written(ended)
    response = client_for(gp).post(
        url(ended), follow_up_post(runs_per_week=runs, minutes_per_week=minutes)
    )

    assert response.status_code == 200
    with translation.override("nl"):
        expected = {
            "Between 0 and 14 runs a week (at most twice a day).": gettext(
                "Between 0 and %(max)d runs a week (at most twice a day)."
            )
            % {"max": 14},
            "Between 0 and 1200 minutes a week (20 hours).": gettext(
                "Between 0 and %(max)d minutes a week (20 hours)."
            )
            % {"max": 1200},
            "No runs a week, so no minutes either: enter 0.": gettext(
                "No runs a week, so no minutes either: enter 0."
            ),
            "3 runs a week take at least 30 minutes together.": gettext(
                "%(runs)d runs a week take at least %(min)d minutes together."
            )
            % {"runs": 3, "min": 30},
            "2 runs a week of at most 180 minutes each: at most 360.": gettext(
                "%(runs)d runs a week of at most %(max)d minutes each: at most %(total)d."
            )
            % {"runs": 2, "max": 180, "total": 360},
        }[message]
    assert response.context["form"].errors == {field: [expected]}
    html = response.content.decode()
    tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
    assert "is-invalid" in tag
    assert html.index(f'name="{field}"') < html.index(f'id="error_1_id_{field}"')
    assert nothing_written(ended) == before


def test_a_missing_questionnaire_answer_is_refused_beside_its_item(gp, ended, client_for):
    before = nothing_written(ended)
    data = follow_up_post(phq9=(1, 1, 1, 1, 0, 1, 1, 0, 3))
    del data["phq9-item_4"]
    del data["gad7-difficulty"]

    response = client_for(gp).post(url(ended), data)

    assert response.status_code == 200
    forms = {f.instrument.code: f for f in response.context["questionnaire_forms"]}
    assert forms["PHQ-9"].errors == {"item_4": [nl("Answer this question.")]}
    assert forms["GAD-7"].errors == {"difficulty": [nl("Answer this question.")]}
    html = response.content.decode()
    item = html[html.index('id="id_phq9-item_4"') :]
    assert nl("Answer this question.") in item[: item.index("</fieldset>")]
    # Item 9 was answered 3, but nothing was stored: no follow-up, no alert, no e-mail.
    assert nothing_written(ended) == before


def test_a_plan_is_chosen_and_a_closed_episode_is_not_referred_on(ended):
    assert form_for(ended, plan=[]).errors == {
        "plan": [nl("Choose at least one step of the plan.")]
    }
    assert form_for(ended, plan=["closed", "basic_ggz"]).errors == {
        "plan": [nl("An episode that is closed is not referred on: choose one or the other.")]
    }
    assert form_for(ended, plan=["closed", "keep_running"]).is_valid()


def test_a_questionnaire_that_refuses_undoes_the_whole_follow_up(gp, ended, client_for):
    # A GAD-7 of the follow-up already there (say a second tab saved it): the PHQ-9, with its
    # item-9 alert, and the follow-up itself must go with it.
    QuestionnaireResponseFactory(
        referral=ended, instrument="GAD-7", week=FOLLOW_UP_WEEK, answers=[0] * 7, entered_by=gp
    )
    before = nothing_written(ended)

    response = client_for(gp).post(
        url(ended), follow_up_post(phq9=(1, 1, 1, 1, 0, 1, 1, 0, 1)), follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        nl("This questionnaire has already been entered at the follow-up.")
    ]
    assert nothing_written(ended) == before


def test_only_a_gp_of_the_practice_records_the_follow_up_questionnaires(
    gp, gp_other_practice, therapist, ended
):
    follow_up = FollowUp(referral=ended, date=timezone.localdate())
    for outsider in (gp_other_practice, therapist):
        with pytest.raises(QuestionnaireError):
            follow_up_questionnaires_record(
                follow_up=follow_up, answers={"PHQ-9": ([0] * 9, 0)}, by=outsider
            )
    assert not QuestionnaireResponse.objects.filter(referral=ended).exists()


def test_the_therapist_cannot_enter_a_follow_up_questionnaire(therapist, gp, client_for):
    referral = in_therapy_since(gp, therapist, 30)
    page = reverse("outcomes:enter", args=[referral.pk, "PHQ-9", FOLLOW_UP_WEEK])
    assert client_for(therapist).get(page).status_code == 404


# --- Shown, old and new -----------------------------------------------------------------------


def test_the_referral_page_shows_the_follow_up_scores_and_answers(gp, ended, client_for):
    client = client_for(gp)
    QuestionnaireResponseFactory(referral=ended, week=0, answers=[2] * 9, band="moderately_severe")
    client.post(url(ended), follow_up_post(work_status="no_paid_work", occupational_physician=""))

    html = client.get(reverse("referrals:detail", args=[ended.pk])).content.decode()
    section = html[html.index(nl("Follow-up by the GP")) :]
    assert 'PHQ-9</dt><dd class="col-sm-8">6 ' in section
    assert 'GAD-7</dt><dd class="col-sm-8">4 ' in section
    with translation.override("nl"):
        assert str(FollowUp.Work.NO_PAID_WORK.label) in section
        assert str(FollowUp.Plan.KEEP_RUNNING.label) in section
        # 18 -> 6 on the PHQ-9 is a reliable improvement since week 0.
        assert gettext("improved") in section


def test_an_old_follow_up_with_only_a_phq9_total_stays_readable(gp, therapist, client_for):
    referral = ended_referral(gp, therapist, status=Status.FOLLOWED_UP)
    FollowUp.objects.create(
        referral=referral,
        date=timezone.localdate(),
        wellbeing="better",
        phq9_total=7,
        antidepressant="continued",
        work_status="partly",
        still_running="sometimes",
        recorded_by=gp,
    )
    Referral.objects.filter(pk=referral.pk).update(followed_up_at=timezone.now())

    html = client_for(gp).get(reverse("referrals:detail", args=[referral.pk])).content.decode()

    section = html[html.index(nl("Follow-up by the GP")) :]
    assert nl("PHQ-9 total") in section and ">7</dd>" in section
    with translation.override("nl"):
        assert str(FollowUp.Running.SOMETIMES.label) in section
        assert str(FollowUp.Work.PARTLY.label) in section


# --- The data migration ------------------------------------------------------------------------

BEFORE = [("referrals", "0015_medication_to_rows")]
AFTER = [("referrals", "0016_follow_up_full")]


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_moves_the_old_work_answers(gp, therapist):
    old = ["working", "partly", "sick_leave", "reintegrating"]
    rows = []
    for word in old:
        referral = ended_referral(gp, therapist, status=Status.FOLLOWED_UP)
        rows.append(
            FollowUp.objects.create(
                referral=referral,
                date=timezone.localdate(),
                wellbeing="better",
                antidepressant="never",
                work_status="working",
                still_running="yes",
                recorded_by=gp,
            ).pk
        )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for pk, word in zip(rows, old, strict=True):
                cursor.execute(
                    "UPDATE referrals_followup SET work_status = %s WHERE id = %s", [word, pk]
                )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        with connection.cursor() as cursor:
            moved = []
            for pk in rows:  # one by one: the same SQL on PostgreSQL and SQLite
                cursor.execute("SELECT work_status FROM referrals_followup WHERE id = %s", [pk])
                moved.append(cursor.fetchone()[0])
        assert moved == ["working", "partly", "sick_leave", "track_1"]
    finally:
        call_command("migrate", verbosity=0)
