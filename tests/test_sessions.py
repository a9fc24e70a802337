"""Sessions: a therapist logs a running session for one patient or for a group at once."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from referrals.models import Status
from therapy.exceptions import TherapyError
from therapy.forms import GroupSessionForm
from therapy.models import TherapySession
from therapy.selectors import referrals_in_therapy, session_summary
from therapy.services import session_log

from .factories import PatientFactory, ReferralFactory, TherapySessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the .po files translate them to."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Signed-in clients that chose English with the language switch."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


ATTENDED = TherapySession.Attendance.ATTENDED
NO_SHOW = TherapySession.Attendance.NO_SHOW
CANCELLED = TherapySession.Attendance.CANCELLED


def today():
    return timezone.localdate()


def data(**overrides) -> dict:
    values = {
        "date": today(),
        "mode": TherapySession.Mode.SUPERVISED,
        "minutes_running": 20,
        "minutes_walking": 10,
        "distance_km": Decimal("3.2"),
        "average_heart_rate": 138,
        "rpe": 13,
        "notes": "Goed doorgelopen.",
    }
    return values | overrides


def in_therapy(therapist, **kwargs):
    """Another patient of `therapist` in therapy, intake four weeks ago."""
    return ReferralFactory(
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=today() - timedelta(days=28),
        **kwargs,
    )


def form_post(**overrides) -> dict:
    values = {
        "date": today().isoformat(),
        "mode": "supervised",
        "attendance": "attended",
        "minutes_running": "25",
        "minutes_walking": "5",
        "distance_km": "4.1",
        "average_heart_rate": "142",
        "rpe": "14",
        "notes": "Tempo iets omhoog.",
    }
    return values | overrides


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The service -----------------------------------------------------------------------------


def test_one_patient_gets_one_row_without_a_group(referral_in_therapy, therapist):
    rows = session_log(referrals=[referral_in_therapy], by=therapist, data=data())

    assert len(rows) == 1
    row = TherapySession.objects.get()
    assert row.referral == referral_in_therapy
    assert row.group is None
    assert row.attendance == ATTENDED
    assert (row.minutes_running, row.distance_km, row.rpe) == (20, Decimal("3.2"), 13)
    assert row.recorded_by == therapist


def test_group_session_writes_one_row_per_patient_sharing_one_uuid(referral_in_therapy, therapist):
    others = [in_therapy(therapist), in_therapy(therapist)]

    rows = session_log(
        referrals=[referral_in_therapy, *others],
        by=therapist,
        data=data(),
        attendance={others[0].pk: NO_SHOW},
    )

    assert len(rows) == 3
    assert TherapySession.objects.count() == 3
    groups = set(TherapySession.objects.values_list("group", flat=True))
    assert len(groups) == 1 and None not in groups
    assert {r.referral_id for r in rows} == {referral_in_therapy.pk, *(o.pk for o in others)}
    no_show = TherapySession.objects.get(referral=others[0])
    assert no_show.attendance == NO_SHOW
    # Who did not come did not run.
    assert no_show.minutes_running is None and no_show.distance_km is None
    assert TherapySession.objects.get(referral=others[1]).attendance == ATTENDED


def test_two_group_sessions_get_different_uuids(referral_in_therapy, therapist):
    other = in_therapy(therapist)
    first = session_log(referrals=[referral_in_therapy, other], by=therapist, data=data())
    second = session_log(referrals=[referral_in_therapy, other], by=therapist, data=data())

    assert first[0].group != second[0].group


@pytest.mark.parametrize(
    "status", [Status.SENT, Status.ACCEPTED, Status.INTAKE_DONE, Status.COMPLETED, Status.STOPPED]
)
def test_session_refused_outside_therapy(status, therapist):
    referral = ReferralFactory(
        therapist=therapist.therapist, status=status, intake_date=today() - timedelta(days=3)
    )

    with pytest.raises(TherapyError, match="once therapy has started"):
        session_log(referrals=[referral], by=therapist, data=data())

    assert not TherapySession.objects.exists()


def test_session_refused_for_the_patient_of_another_therapist(referral_in_therapy, therapist_other):
    with pytest.raises(TherapyError, match="own running therapist"):
        session_log(referrals=[referral_in_therapy], by=therapist_other, data=data())

    assert not TherapySession.objects.exists()


def test_session_refused_for_a_gp(referral_in_therapy, gp):
    with pytest.raises(TherapyError):
        session_log(referrals=[referral_in_therapy], by=gp, data=data())


def test_session_refused_for_a_future_date(referral_in_therapy, therapist):
    with pytest.raises(TherapyError, match="future"):
        session_log(
            referrals=[referral_in_therapy],
            by=therapist,
            data=data(date=today() + timedelta(days=1)),
        )

    assert not TherapySession.objects.exists()


def test_session_refused_before_the_intake(referral_in_therapy, therapist):
    before = referral_in_therapy.intake_date - timedelta(days=1)

    with pytest.raises(TherapyError, match="before the intake"):
        session_log(referrals=[referral_in_therapy], by=therapist, data=data(date=before))

    assert not TherapySession.objects.exists()


def test_session_on_the_intake_date_is_fine(referral_in_therapy, therapist):
    day = referral_in_therapy.intake_date

    session_log(referrals=[referral_in_therapy], by=therapist, data=data(date=day))

    assert TherapySession.objects.get().date == day


def test_one_refused_patient_refuses_the_whole_group(referral_in_therapy, therapist):
    fine = in_therapy(therapist)
    not_started = ReferralFactory(therapist=therapist.therapist, status=Status.INTAKE_DONE)

    with pytest.raises(TherapyError):
        session_log(referrals=[referral_in_therapy, fine, not_started], by=therapist, data=data())

    assert not TherapySession.objects.exists()


def test_a_late_intake_of_one_patient_refuses_the_whole_group(referral_in_therapy, therapist):
    late = in_therapy(therapist)
    late.intake_date = today()
    late.save(update_fields=["intake_date"])

    with pytest.raises(TherapyError, match="before the intake"):
        session_log(
            referrals=[referral_in_therapy, late],
            by=therapist,
            data=data(date=today() - timedelta(days=1)),
        )

    assert not TherapySession.objects.exists()


def test_no_patients_is_refused(therapist):
    with pytest.raises(TherapyError):
        session_log(referrals=[], by=therapist, data=data())


def test_unknown_attendance_is_refused(referral_in_therapy, therapist):
    with pytest.raises(TherapyError):
        session_log(
            referrals=[referral_in_therapy],
            by=therapist,
            data=data(),
            attendance={referral_in_therapy.pk: "maybe"},
        )
    assert not TherapySession.objects.exists()


# --- Selectors -------------------------------------------------------------------------------


def test_session_summary_counts_attendance_and_totals_of_attended_sessions(referral_in_therapy):
    day = today()
    TherapySessionFactory(referral=referral_in_therapy, date=day - timedelta(days=9))
    TherapySessionFactory(
        referral=referral_in_therapy,
        date=day - timedelta(days=5),
        minutes_running=30,
        distance_km=Decimal("4.5"),
    )
    TherapySessionFactory(
        referral=referral_in_therapy,
        date=day - timedelta(days=2),
        attendance=NO_SHOW,
        minutes_running=None,
        distance_km=None,
    )
    TherapySessionFactory(
        referral=referral_in_therapy, date=day - timedelta(days=1), attendance=CANCELLED
    )
    TherapySessionFactory()  # someone else's

    summary = session_summary(referral_in_therapy)

    assert summary["attended"] == 2
    assert summary["no_show"] == 1
    assert summary["cancelled"] == 1
    assert summary["total"] == 4
    assert summary["minutes_running"] == 50
    assert summary["distance_km"] == Decimal("8.0")
    assert summary["last_date"] == day - timedelta(days=1)


def test_session_summary_of_a_referral_without_sessions(referral_in_therapy):
    summary = session_summary(referral_in_therapy)

    assert (summary["attended"], summary["no_show"], summary["cancelled"]) == (0, 0, 0)
    assert summary["minutes_running"] == 0
    assert summary["distance_km"] == 0
    assert summary["last_date"] is None


def test_session_summary_is_one_query(referral_in_therapy, django_assert_num_queries):
    TherapySessionFactory.create_batch(5, referral=referral_in_therapy)

    with django_assert_num_queries(1):
        session_summary(referral_in_therapy)


def test_referrals_in_therapy_lists_only_own_patients_in_therapy(
    referral_in_therapy, therapist, therapist_other
):
    in_therapy(therapist_other)
    ReferralFactory(therapist=therapist.therapist, status=Status.ACCEPTED)

    assert list(referrals_in_therapy(user=therapist)) == [referral_in_therapy]


# --- The running-log partial -----------------------------------------------------------------


def render_running_log(referral, user) -> tuple[str, int]:
    sessions = list(referral.sessions.all())
    summary = session_summary(referral)
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "therapy/_running_log.html",
            {
                "referral": referral,
                "sessions": sessions,
                "session_summary": summary,
                "user": user,
            },
        )
    return html, len(queries)


@pytest.mark.parametrize("count", [1, 25])
def test_running_log_renders_without_queries_for_any_number_of_sessions(
    count, referral_in_therapy, therapist
):
    TherapySessionFactory.create_batch(count, referral=referral_in_therapy, notes="Rondje park")

    html, queries = render_running_log(referral_in_therapy, therapist)

    assert queries == 0
    assert html.count("Rondje park") == count
    assert "table-responsive" in html


def test_the_referral_page_offers_the_therapist_to_log_a_session(
    referral_in_therapy, therapist, gp, client_for
):
    """At the top of the page, in the therapist's next step (not down in the running log)."""
    url = reverse("therapy:session_add", kwargs={"pk": referral_in_therapy.pk})
    page = reverse("referrals:detail", args=[referral_in_therapy.pk])

    html = client_for(therapist).get(page).content.decode()
    assert url in html.split('id="therapist-actions"')[1].split("</section>")[0]
    assert url not in render_running_log(referral_in_therapy, therapist)[0]
    assert url not in client_for(gp).get(page).content.decode()


# --- The single-patient view -----------------------------------------------------------------


def add_url(referral) -> str:
    return reverse("therapy:session_add", kwargs={"pk": referral.pk})


def test_anonymous_is_sent_to_sign_in(client, referral_in_therapy):
    url = add_url(referral_in_therapy)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_gp_gets_403(referral_in_therapy, gp, client_for):
    assert client_for(gp).get(add_url(referral_in_therapy)).status_code == 403
    assert client_for(gp).post(add_url(referral_in_therapy), form_post()).status_code == 403
    assert not TherapySession.objects.exists()


def test_other_therapist_gets_404(referral_in_therapy, therapist_other, client_for):
    client = client_for(therapist_other)

    assert client.get(add_url(referral_in_therapy)).status_code == 404
    assert client.post(add_url(referral_in_therapy), form_post()).status_code == 404
    assert not TherapySession.objects.exists()


def test_therapist_opens_the_session_form(referral_in_therapy, therapist, client_for):
    response = client_for(therapist).get(add_url(referral_in_therapy))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{today().isoformat()}"' in html  # today by default
    assert 'inputmode="numeric"' in html and 'inputmode="decimal"' in html
    assert "<legend" in html


def test_form_of_a_referral_not_in_therapy_redirects_with_a_message(therapist, client_for):
    referral = ReferralFactory(therapist=therapist.therapist, status=Status.ACCEPTED)
    client = client_for(therapist)

    for response in (client.get(add_url(referral)), client.post(add_url(referral), form_post())):
        assert response.status_code == 302
        assert response.url == reverse("referrals:detail", kwargs={"pk": referral.pk})
        assert any("once therapy has started" in m for m in messages_of(response))
    assert not TherapySession.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rpe", "5", "Borg scale"),
        ("rpe", "21", "Borg scale"),
        ("minutes_running", "-1", "running minutes"),
        ("minutes_walking", "301", "walking minutes"),
        ("minutes_running", "abc", "running minutes"),
        ("average_heart_rate", "300", "heart rate"),
        ("average_heart_rate", "29", "heart rate"),
        ("distance_km", "100.5", "distance"),
        ("distance_km", "-0.1", "distance"),
    ],
)
def test_invalid_post_shows_the_field_error_and_saves_nothing(
    field, value, message, referral_in_therapy, therapist, client_for
):
    response = client_for(therapist).post(add_url(referral_in_therapy), form_post(**{field: value}))

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html  # crispy ties the message to the field
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', html)
    assert message in html
    assert 'id="error-summary"' in html
    assert not TherapySession.objects.exists()


def test_future_date_shows_an_error_and_saves_nothing(referral_in_therapy, therapist, client_for):
    tomorrow = (today() + timedelta(days=1)).isoformat()

    response = client_for(therapist).post(add_url(referral_in_therapy), form_post(date=tomorrow))

    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert not TherapySession.objects.exists()


def test_date_before_intake_shows_an_error_and_saves_nothing(
    referral_in_therapy, therapist, client_for
):
    before = (referral_in_therapy.intake_date - timedelta(days=1)).isoformat()

    response = client_for(therapist).post(add_url(referral_in_therapy), form_post(date=before))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not TherapySession.objects.exists()


def test_valid_post_saves_the_session_and_returns_to_the_referral(
    referral_in_therapy, therapist, client_for
):
    response = client_for(therapist).post(
        add_url(referral_in_therapy), form_post(mode="own", rpe="", average_heart_rate="")
    )

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", kwargs={"pk": referral_in_therapy.pk})
    assert messages_of(response)
    row = TherapySession.objects.get()
    assert row.referral == referral_in_therapy
    assert row.mode == "own"
    assert row.minutes_running == 25
    assert row.distance_km == Decimal("4.1")
    assert row.rpe is None and row.average_heart_rate is None
    assert row.group is None
    assert row.recorded_by == therapist


def test_no_show_is_saved_without_running_figures(referral_in_therapy, therapist, client_for):
    client_for(therapist).post(add_url(referral_in_therapy), form_post(attendance="no_show"))

    row = TherapySession.objects.get()
    assert row.attendance == NO_SHOW
    assert row.minutes_running is None


# --- The group view --------------------------------------------------------------------------

GROUP_URL = "/therapists/sessions/group/"


def group_post(referrals, attendance=None, **overrides) -> dict:
    values = {
        "date": today().isoformat(),
        "mode": "supervised",
        "minutes_running": "24",
        "minutes_walking": "12",
        "distance_km": "3.8",
        "notes": "Groep dinsdag",
    }
    attendance = attendance or {}
    for referral in referrals:
        values[f"patient_{referral.pk}"] = attendance.get(referral.pk, "")
    return values | overrides


def test_urls_are_where_the_brief_puts_them():
    assert reverse("therapy:session_group") == GROUP_URL
    assert (
        reverse("therapy:session_add", kwargs={"pk": 7}) == "/therapists/referrals/7/sessions/new/"
    )


def test_anonymous_is_sent_to_sign_in_from_the_group_page(client):
    response = client.get(GROUP_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_gp_gets_403_on_the_group_page(gp, client_for):
    assert client_for(gp).get(GROUP_URL).status_code == 403


def test_group_page_lists_own_patients_in_therapy_by_formal_name(
    referral_in_therapy, therapist, therapist_other, client_for
):
    other = in_therapy(therapist_other, patient=PatientFactory(surname="Anderenaam"))
    waiting = ReferralFactory(
        therapist=therapist.therapist,
        status=Status.ACCEPTED,
        patient=PatientFactory(surname="Wachtlijst"),
    )

    response = client_for(therapist).get(GROUP_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert referral_in_therapy.patient.formal_name in html
    assert f'name="patient_{referral_in_therapy.pk}"' in html
    assert "Anderenaam" not in html and f"patient_{other.pk}" not in html
    assert "Wachtlijst" not in html and f"patient_{waiting.pk}" not in html


def test_group_post_with_two_patients_creates_two_rows_with_one_group(
    referral_in_therapy, therapist, client_for
):
    second = in_therapy(therapist)
    absent = in_therapy(therapist)
    attendance = {referral_in_therapy.pk: "attended", second.pk: "cancelled"}

    response = client_for(therapist).post(
        GROUP_URL,
        group_post([referral_in_therapy, second, absent], attendance),
    )

    assert response.status_code == 302
    assert response.url == reverse("referrals:incoming")
    rows = TherapySession.objects.order_by("referral_id")
    assert [r.referral_id for r in rows] == sorted([referral_in_therapy.pk, second.pk])
    assert len({r.group for r in rows}) == 1 and rows[0].group is not None
    assert TherapySession.objects.get(referral=referral_in_therapy).minutes_running == 24
    assert TherapySession.objects.get(referral=second).attendance == CANCELLED
    assert not TherapySession.objects.filter(referral=absent).exists()
    assert "Group session saved for 2 patients" in messages_of(response)[0]


def test_group_post_without_patients_shows_an_error(referral_in_therapy, therapist, client_for):
    response = client_for(therapist).post(GROUP_URL, group_post([referral_in_therapy]))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not TherapySession.objects.exists()


def test_group_post_with_invalid_minutes_saves_nothing(referral_in_therapy, therapist, client_for):
    post = group_post(
        [referral_in_therapy], {referral_in_therapy.pk: "attended"}, minutes_running="-5"
    )

    response = client_for(therapist).post(GROUP_URL, post)

    assert response.status_code == 200
    assert "minutes_running" in response.context["form"].errors
    assert not TherapySession.objects.exists()


def test_group_post_cannot_smuggle_in_another_therapists_patient(
    referral_in_therapy, therapist, therapist_other, client_for
):
    foreign = in_therapy(therapist_other)
    post = group_post([referral_in_therapy, foreign], {foreign.pk: "attended"})

    response = client_for(therapist).post(GROUP_URL, post)

    # The foreign field is not part of the form: only "choose at least one patient" remains.
    assert response.status_code == 200
    assert not TherapySession.objects.exists()


def test_group_form_only_offers_the_given_referrals(referral_in_therapy, therapist):
    form = GroupSessionForm(referrals=[referral_in_therapy])

    assert [name for name in form.fields if name.startswith("patient_")] == [
        f"patient_{referral_in_therapy.pk}"
    ]


def test_group_page_query_count_does_not_grow_with_the_caseload(
    referral_in_therapy, therapist, client_for
):
    client = client_for(therapist)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(GROUP_URL)
        assert response.status_code == 200
        return len(queries)

    with_one = count()
    for _i in range(19):
        in_therapy(therapist)
    with_twenty = count()

    # The session, the user, the referrals with their patients, the header's due badge:
    # nothing per patient.
    assert with_twenty == with_one
