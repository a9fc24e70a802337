"""Corrections with a trail: the old values kept, a reason required, only the author, only while
the referral is open; totals and letters follow; an addendum when a letter already told the GP."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from notifications.models import Notification
from patients.corrections import CorrectionError, patient_correct
from patients.models import Correction, Patient
from referrals.models import ReferralDocument, Status
from therapy import corrections
from therapy.letters import attendance_context
from therapy.models import TherapyLetter, TherapySession
from therapy.selectors import session_summary
from therapy.services import letter_send

from .factories import (
    IntakeFactory,
    ScreeningFactory,
    TherapySessionFactory,
    in_therapy_since,
)


@pytest.fixture
def running(gp, therapist):
    referral = in_therapy_since(gp, therapist, 30)
    IntakeFactory(referral=referral, date=referral.intake_date)
    ScreeningFactory(referral=referral)
    return referral


@pytest.fixture
def session(running):
    return TherapySessionFactory(referral=running, distance_km=Decimal("24.0"))


def correct_distance(session, by, km="2.4", reason="Komma vergeten"):
    data = {name: getattr(session, name) for name in corrections.SESSION_FIELDS}
    data["distance_km"] = Decimal(km)
    return corrections.session_correct(
        referral=session.referral, session_id=session.pk, data=data, reason=reason, by=by
    )


# --- The trail ---------------------------------------------------------------------------------


def test_session_correction_keeps_old_and_new_value_who_when_and_why(session, therapist):
    correction = correct_distance(session, therapist)
    session.refresh_from_db()
    assert session.distance_km == Decimal("2.4")
    assert correction.changes == [{"field": "distance_km", "old": "24", "new": "2.4"}]
    assert correction.by == therapist
    assert correction.reason == "Komma vergeten"
    assert correction.at is not None
    assert correction.patient == session.referral.patient
    assert correction.target == session


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_without_a_reason_is_refused_and_nothing_changes(session, therapist, reason):
    with pytest.raises(CorrectionError):
        correct_distance(session, therapist, reason=reason)
    session.refresh_from_db()
    assert session.distance_km == Decimal("24.0")
    assert not Correction.objects.exists()


def test_a_correction_that_changes_nothing_is_refused(session, therapist):
    with pytest.raises(CorrectionError):
        correct_distance(session, therapist, km="24")
    assert not Correction.objects.exists()


@pytest.mark.parametrize("status", [Status.FOLLOWED_UP, Status.CANCELLED, Status.NOT_CLEARED])
def test_a_closed_referral_refuses_corrections(session, therapist, status):
    type(session.referral).objects.filter(pk=session.referral_id).update(status=status)
    session.referral.refresh_from_db()
    with pytest.raises(CorrectionError, match="afgesloten"):
        correct_distance(session, therapist)
    session.refresh_from_db()
    assert session.distance_km == Decimal("24.0")
    assert not Correction.objects.exists()


def test_a_completed_therapy_can_still_be_corrected_until_the_follow_up(session, therapist):
    type(session.referral).objects.filter(pk=session.referral_id).update(status=Status.COMPLETED)
    session.referral.refresh_from_db()
    correct_distance(session, therapist)
    assert Correction.objects.count() == 1


def test_only_the_therapist_who_recorded_it_corrects_it(session, therapist_other):
    with pytest.raises(CorrectionError, match="vastgelegd"):
        correct_distance(session, therapist_other)
    assert not Correction.objects.exists()


def test_totals_and_the_letters_follow_the_corrected_distance(session, therapist):
    assert session_summary(session.referral)["distance_km"] == Decimal("24.0")
    correct_distance(session, therapist)
    assert session_summary(session.referral)["distance_km"] == Decimal("2.4")
    assert attendance_context(session.referral)["distance_km"] == "2,4"


def test_a_no_show_correction_empties_the_exercise_values(session, therapist):
    data = {name: getattr(session, name) for name in corrections.SESSION_FIELDS}
    data["attendance"] = TherapySession.Attendance.NO_SHOW
    corrections.session_correct(
        referral=session.referral,
        session_id=session.pk,
        data=data,
        reason="Niet gekomen",
        by=therapist,
    )
    session.refresh_from_db()
    assert session.distance_km is None and session.minutes_running is None
    assert session_summary(session.referral)["attended"] == 0


def test_a_withdrawn_session_is_kept_but_no_longer_counted(session, therapist):
    correction = corrections.session_withdraw(
        referral=session.referral, session_id=session.pk, reason="Verkeerde patiënt", by=therapist
    )
    assert correction.action == Correction.Action.WITHDRAWN
    session.refresh_from_db()
    assert session.withdrawn_at is not None
    assert TherapySession.objects.filter(pk=session.pk).exists()
    assert session_summary(session.referral)["attended"] == 0
    assert attendance_context(session.referral)["attended"] == 0
    with pytest.raises(CorrectionError, match="ingetrokken"):
        correct_distance(session, therapist)


def test_withdrawing_needs_a_reason(session, therapist):
    with pytest.raises(CorrectionError):
        corrections.session_withdraw(
            referral=session.referral, session_id=session.pk, reason="", by=therapist
        )
    session.refresh_from_db()
    assert session.withdrawn_at is None


def test_a_group_session_correction_touches_each_attendees_record(gp, therapist):
    first = in_therapy_since(gp, therapist, 30)
    second = in_therapy_since(gp, therapist, 30)
    third = in_therapy_since(gp, therapist, 30)
    group = "6f1c2d3e-0000-4000-8000-000000000001"
    rows = [
        TherapySessionFactory(referral=r, group=group, distance_km=Decimal("24.0"))
        for r in (first, second)
    ]
    absent = TherapySessionFactory(
        referral=third,
        group=group,
        attendance=TherapySession.Attendance.NO_SHOW,
        distance_km=None,
        minutes_running=None,
        minutes_walking=None,
    )
    data = {name: getattr(rows[0], name) for name in corrections.GROUP_FIELDS}
    data["distance_km"] = Decimal("2.4")
    found = corrections.group_session_correct(
        session=rows[0], data=data, reason="Komma vergeten", by=therapist
    )
    assert len(found) == 2  # the no-show's row has nothing that changes
    for row in rows:
        row.refresh_from_db()
        assert row.distance_km == Decimal("2.4")
        assert Correction.objects.filter(object_id=row.pk, patient=row.referral.patient).exists()
    absent.refresh_from_db()
    assert absent.distance_km is None


def test_a_group_correction_is_all_or_nothing(gp, therapist):
    first = in_therapy_since(gp, therapist, 30)
    second = in_therapy_since(gp, therapist, 30)
    group = "6f1c2d3e-0000-4000-8000-000000000002"
    rows = [
        TherapySessionFactory(referral=r, group=group, distance_km=Decimal("24.0"))
        for r in (first, second)
    ]
    type(second).objects.filter(pk=second.pk).update(status=Status.CANCELLED)
    data = {name: getattr(rows[0], name) for name in corrections.GROUP_FIELDS}
    data["distance_km"] = Decimal("2.4")
    with pytest.raises(CorrectionError):
        corrections.group_session_correct(
            session=rows[0], data=data, reason="Komma vergeten", by=therapist
        )
    rows[0].refresh_from_db()
    assert rows[0].distance_km == Decimal("24.0")
    assert not Correction.objects.exists()


def test_intake_and_screening_corrections_keep_their_old_values(running, therapist):
    corrections.intake_correct(
        referral=running, data={"goals": "Vijf kilometer lopen."}, reason="Typfout", by=therapist
    )
    corrections.screening_correct(
        referral=running,
        data={"weight_kg": Decimal("47.0")},
        reason="Cijfers omgedraaid",
        by=therapist,
    )
    running.intake.refresh_from_db()
    running.screening.refresh_from_db()
    assert running.intake.goals == "Vijf kilometer lopen."
    assert running.screening.weight_kg == Decimal("47.0")
    assert [c.changes[0]["old"] for c in Correction.objects.order_by("pk")] == [
        "Drie keer per week dertig minuten hardlopen.",
        "74",
    ]


def test_a_screening_correction_cannot_clear_a_grade_3_blood_pressure(running, therapist):
    with pytest.raises(CorrectionError):
        corrections.screening_correct(
            referral=running, data={"systolic": 190, "diastolic": 115}, reason="x", by=therapist
        )
    assert not Correction.objects.exists()


# --- The patient's details: any GP of the practice ------------------------------------------


def test_any_gp_of_the_practice_corrects_the_patients_phone(running, practice):
    from .factories import UserFactory

    colleague = UserFactory(role="gp", practice=practice)
    patient = running.patient
    corrected = Patient.objects.get(pk=patient.pk)
    corrected.phone = "06-12345678"
    old = patient.phone
    correction = patient_correct(
        patient=patient, corrected=corrected, reason="Nieuw nummer", by=colleague
    )
    patient.refresh_from_db()
    assert patient.phone == "06-12345678"
    assert correction.changes == [{"field": "phone", "old": old, "new": "06-12345678"}]


def test_a_gp_of_another_practice_or_a_therapist_cannot(running, gp_other_practice, therapist):
    patient = running.patient
    corrected = Patient.objects.get(pk=patient.pk)
    corrected.phone = "06-12345678"
    for user in (gp_other_practice, therapist):
        with pytest.raises(CorrectionError):
            patient_correct(patient=patient, corrected=corrected, reason="x", by=user)
    patient.refresh_from_db()
    assert patient.phone != "06-12345678"


# --- The addendum -------------------------------------------------------------------------------


def send(referral, kind, therapist):
    return letter_send(
        referral=referral, letter=TherapyLetter(kind=kind, summary="Gaat goed."), by=therapist
    )


def test_correcting_a_session_a_sent_letter_told_makes_an_addendum(session, therapist):
    send(session.referral, TherapyLetter.Kind.PROGRESS, therapist)
    original = ReferralDocument.objects.get(kind=TherapyLetter.Kind.PROGRESS)
    before = bytes(original.content), original.sha256
    correct_distance(session, therapist)
    addendum = ReferralDocument.objects.get(kind=ReferralDocument.Kind.ADDENDUM)
    assert addendum.addendum_to == original
    assert addendum.content.startswith(b"%PDF")
    original.refresh_from_db()
    assert (bytes(original.content), original.sha256) == before  # the letter stays as sent
    note = Notification.objects.get(kind=Notification.Kind.ADDENDUM_READY)
    assert note.recipient == session.referral.gp
    assert note.key == f"addendum-{addendum.pk}"


def test_no_addendum_when_no_letter_has_told_the_gp(session, therapist):
    correct_distance(session, therapist)
    assert not ReferralDocument.objects.filter(kind=ReferralDocument.Kind.ADDENDUM).exists()
    assert not Notification.objects.filter(kind=Notification.Kind.ADDENDUM_READY).exists()


def test_a_session_logged_after_the_letter_is_not_in_it(running, therapist):
    send(running, TherapyLetter.Kind.INTAKE, therapist)
    later = TherapySessionFactory(referral=running, distance_km=Decimal("24.0"))
    correct_distance(later, therapist)
    assert not ReferralDocument.objects.filter(kind=ReferralDocument.Kind.ADDENDUM).exists()


def test_the_addendum_email_says_no_medical_detail(session, therapist):
    from notifications.delivery import HEADLINES

    send(session.referral, TherapyLetter.Kind.PROGRESS, therapist)
    correct_distance(session, therapist)
    headline = str(HEADLINES[Notification.Kind.ADDENDUM_READY])
    assert "km" not in headline and "2.4" not in headline and "2,4" not in headline


# --- The pages ----------------------------------------------------------------------------------


def test_the_correction_page_is_prefilled_and_a_missing_reason_is_shown_beside_it(
    session, therapist, client_for
):
    client = client_for(therapist)
    url = reverse("therapy:session_correct", args=[session.referral_id, session.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="24,0"' in page.text or 'value="24.0"' in page.text
    data = {
        "date": session.date.isoformat(),
        "mode": session.mode,
        "attendance": session.attendance,
        "minutes_running": 20,
        "minutes_walking": 10,
        "distance_km": "2,4",
        "average_heart_rate": 140,
        "rpe": 13,
        "reason": "",
    }
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "Geef de reden" in answer.text or "Give the reason" in answer.text
    session.refresh_from_db()
    assert session.distance_km == Decimal("24.0")
    answer = client.post(url, data | {"reason": "Komma vergeten"})
    assert answer.status_code == 302
    session.refresh_from_db()
    assert session.distance_km == Decimal("2.4")


def test_the_referral_page_shows_the_correction_on_the_timeline(session, therapist, client_for):
    correct_distance(session, therapist)
    page = client_for(session.referral.gp).get(
        reverse("referrals:detail", args=[session.referral_id])
    )
    assert "gecorrigeerd" in page.text
    assert "Komma vergeten" in page.text
    assert "24,0 → 2,4" in page.text


def test_another_therapist_gets_404_and_a_gp_403(session, therapist_other, gp, client_for):
    url = reverse("therapy:session_correct", args=[session.referral_id, session.pk])
    assert client_for(therapist_other).get(url).status_code == 404
    assert client_for(gp).get(url).status_code == 403


def test_a_closed_referral_sends_the_author_back_with_a_message(session, therapist, client_for):
    type(session.referral).objects.filter(pk=session.referral_id).update(status=Status.FOLLOWED_UP)
    url = reverse("therapy:session_correct", args=[session.referral_id, session.pk])
    answer = client_for(therapist).get(url)
    assert answer.status_code == 302


def test_another_practice_gp_gets_404_on_the_patient_correction(
    running, gp_other_practice, client_for
):
    url = reverse("patients:correct", args=[running.patient_id])
    assert client_for(gp_other_practice).get(url).status_code == 404


# --- A questionnaire: the score follows, and the dashboard's counts with it --------------------


def test_a_questionnaire_correction_rescores_and_the_counts_follow(running, therapist):
    from dashboard.counts import CHANGE_TO_WEEK
    from dashboard.models import CountFact

    from .factories import QuestionnaireResponseFactory

    start = running.week_zero
    response = QuestionnaireResponseFactory(referral=running, completed_on=start)
    QuestionnaireResponseFactory(referral=running, week=CHANGE_TO_WEEK, answers=[0] * 9)
    assert CountFact.objects.get(referral_id=running.pk).scores["PHQ-9"] == [9, 0]
    correction = corrections.questionnaire_correct(
        referral=running,
        response_id=response.pk,
        answers=[3, 3, 3, 1, 1, 1, 1, 1, 0],
        completed_on=start,
        difficulty=None,
        outside_window=False,
        outside_window_reason="",
        reason="Antwoorden van item 1-3 verkeerd overgenomen",
        by=therapist,
    )
    response.refresh_from_db()
    assert response.total == 14 and response.band == "moderate"
    fields = {c["field"]: (c["old"], c["new"]) for c in correction.changes}
    assert fields["total"] == (9, 14)
    assert fields["answers"][0] == [1] * 9
    # The dashboard's fact follows on the response's post_save (dashboard.receivers).
    assert CountFact.objects.get(referral_id=running.pk).scores["PHQ-9"] == [14, 0]


def test_a_questionnaire_correction_that_now_asks_for_an_alert_raises_one(running, therapist):
    from outcomes.models import SafetyAlert
    from outcomes.services import questionnaire_record

    response = questionnaire_record(
        referral=running,
        instrument_code="PHQ-9",
        week=0,
        answers=[1] * 9,
        completed_on=running.week_zero,
        by=therapist,
    )
    corrections.questionnaire_correct(
        referral=running,
        response_id=response.pk,
        answers=[1] * 8 + [2],
        completed_on=running.week_zero,
        difficulty=None,
        outside_window=False,
        outside_window_reason="",
        reason="Item 9 over het hoofd gezien",
        by=therapist,
    )
    assert SafetyAlert.objects.filter(response=response).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.SAFETY_ALERT).exists()


def test_the_questionnaire_correction_page_is_prefilled_and_rescores(
    running, therapist, client_for
):
    from .factories import QuestionnaireResponseFactory

    response = QuestionnaireResponseFactory(referral=running, completed_on=running.week_zero)
    client = client_for(therapist)
    url = reverse("therapy:questionnaire_correct", args=[running.pk, response.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.count('value="1" id="id_item_') >= 1 and "checked" in page.text
    data = {f"item_{i + 1}": "1" for i in range(9)} | {"item_1": "3"}
    data |= {"completed_on": running.week_zero.isoformat(), "reason": "Item 1 verkeerd"}
    assert client.post(url, data).status_code == 302
    response.refresh_from_db()
    assert response.total == 11
    assert client_for(therapist).get(url).status_code == 200


def test_the_group_correction_page_changes_every_attendee_and_logs_each(gp, therapist, client_for):
    from accounts.models import AccessLog

    group = "6f1c2d3e-0000-4000-8000-000000000003"
    rows = [
        TherapySessionFactory(
            referral=in_therapy_since(gp, therapist, 30), group=group, distance_km=Decimal("24.0")
        )
        for _ in range(3)
    ]
    url = reverse("therapy:group_session_correct", args=[rows[0].referral_id, rows[0].pk])
    data = {
        "date": rows[0].date.isoformat(),
        "mode": rows[0].mode,
        "minutes_running": 20,
        "minutes_walking": 10,
        "distance_km": "2,4",
        "reason": "Komma vergeten",
    }
    assert client_for(therapist).post(url, data).status_code == 302
    for row in rows:
        row.refresh_from_db()
        assert row.distance_km == Decimal("2.4")
    logged = AccessLog.objects.filter(part="session", action=AccessLog.Action.CHANGE)
    assert set(logged.values_list("patient_id", flat=True)) == {
        row.referral.patient_id for row in rows
    }


def test_a_corrected_score_that_is_now_a_reliable_deterioration_tells_the_gp(running, therapist):
    from .factories import QuestionnaireResponseFactory

    QuestionnaireResponseFactory(referral=running, week=0, answers=[1] * 9)
    week5 = QuestionnaireResponseFactory(
        referral=running, week=5, answers=[1] * 9, completed_on=running.week_zero + timedelta(29)
    )
    assert not Notification.objects.filter(kind=Notification.Kind.DETERIORATION).exists()
    corrections.questionnaire_correct(
        referral=running,
        response_id=week5.pk,
        answers=[2] * 8 + [0],
        completed_on=week5.completed_on,
        difficulty=None,
        outside_window=False,
        outside_window_reason="",
        reason="Verkeerde kolom overgenomen",
        by=therapist,
    )
    note = Notification.objects.get(kind=Notification.Kind.DETERIORATION)
    assert note.recipient == running.gp


def test_a_group_correction_opened_from_a_no_shows_page_keeps_the_attendees_values(
    gp, therapist, client_for
):
    """Found by a try-out: opened from the row of a patient who did not come, the form was
    empty, and saving it with only a reason blanked every attendee's minutes and distance."""
    came = [in_therapy_since(gp, therapist, 30) for _ in range(2)]
    absent_referral = in_therapy_since(gp, therapist, 30)
    group = "6f1c2d3e-0000-4000-8000-000000000009"
    rows = [
        TherapySessionFactory(referral=r, group=group, distance_km=Decimal("24.0")) for r in came
    ]
    absent = TherapySessionFactory(
        referral=absent_referral,
        group=group,
        attendance=TherapySession.Attendance.NO_SHOW,
        distance_km=None,
        minutes_running=None,
        minutes_walking=None,
    )
    client = client_for(therapist)
    url = reverse("therapy:group_session_correct", args=[absent_referral.pk, absent.pk])
    page = client.get(url)
    assert 'value="24,0"' in page.text  # the group's shared values, not the no-show's blanks
    form = page.context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
        if name != "reason"
    }
    data |= {"distance_km": "2,4", "reason": "Komma vergeten"}
    assert client.post(url, data).status_code == 302
    for row in rows:
        before = (row.minutes_running, row.minutes_walking)
        row.refresh_from_db()
        assert row.distance_km == Decimal("2.4")
        assert (row.minutes_running, row.minutes_walking) == before
