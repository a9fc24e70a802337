"""Property-based tests: every form of the app, posted generated input through its real view.

For every example the answer is never a 500, and the database either holds everything the form
saves or nothing changed at all: the row counts of every table are compared before and after
(sessions, the access log and django-axes' records aside: they change on any request). Each
example runs inside a savepoint that is rolled back, so the referral is in the right status for
the next one.

The input starts from a valid submission and breaks some of its fields with garbage: NUL bytes,
very long strings, unicode, HTML, huge numbers, impossible dates, lists, missing fields. That
way both sides (saved, refused) are exercised hard, and a refusal right next to a save is where
half-saved rows hide.

PDF rendering is stubbed in the 200-example runs (the PDFs are built from stored rows, not from
the request); test_pdfs_render_whatever_the_text renders real PDFs from generated text.
"""

import contextlib
import operator
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, assume, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from notifications import summary
from patients.models import Patient
from referrals import readiness
from referrals.icpc import Icpc
from referrals.models import (
    FitnessCheck,
    FollowUp,
    Funding,
    Purpose,
    Referral,
    Severity,
    Status,
    Urgency,
)
from therapy.models import Screening, TherapyLetter, TherapySession

from .factories import (
    TEST_PASSWORD,
    FitnessCheckFactory,
    IntakeFactory,
    PatientFactory,
    ReferralFactory,
    TherapistFactory,
    enrolment_path,
    fake_bsn,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 200
fuzz = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the tree
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- Input ----------------------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "' OR '1'='1' --",
        "{{ request }}{% debug %}",
        "%s%n%x",
        "../../../../etc/passwd",
        "\u202eevil\u202c",
        "\ufeff\u200b\u2028",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷽",
        "💩" * 40,
        "\r\n\r\n\t",
        "-1",
        "0",
        "1e309",
        "NaN",
        "-Infinity",
        "9" * 40,
        "١٢٣",
        "2024-02-30",
        "0000-00-00",
        "9999-12-31",
        "31-12-99999",
        "True",
        "on",
    ]
)
LONG = st.builds(
    operator.mul,
    st.sampled_from(["a", "é", "💩", "<b>", "\x00", " ", "9"]),
    st.integers(201, 6_000),
)
GARBAGE = st.one_of(
    NASTY,
    st.text(max_size=60),
    LONG,
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
    st.dates(min_value=date(1, 1, 1)).map(str),
    st.lists(st.text(max_size=8), min_size=2, max_size=3),
)
MISSING = object()

PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"))


def text(min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(PRINTABLE, min_size=min_size, max_size=max_size)


def choice(choices) -> st.SearchStrategy[str]:
    return st.sampled_from([str(value) for value, _label in choices if value != ""])


def days(start: date, end: date) -> st.SearchStrategy[str]:
    return st.dates(min_value=start, max_value=end).map(date.isoformat)


YES_NO = st.sampled_from(["True", "False"])


def mostly(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Half the draws from `valid`, half garbage."""
    return st.booleans().flatmap(lambda garbage: GARBAGE if garbage else valid)


@st.composite
def form_data(draw, valid: dict[str, st.SearchStrategy]) -> dict:
    """A valid submission with some fields broken, left out, or an unknown field added."""
    values = {name: draw(strategy) for name, strategy in valid.items()}
    how_many = draw(st.sampled_from([0, 0, 1, 1, 2, 3, len(valid)]))
    broken = draw(st.lists(st.sampled_from(sorted(valid)), max_size=how_many, unique=True))
    for name in broken:
        broken = draw(st.one_of(st.just(MISSING), GARBAGE))
        if broken is MISSING:
            del values[name]
        else:
            values[name] = broken
    if draw(st.integers(0, 9)) == 0:
        values[draw(st.sampled_from(["id", "pk", "status", "practice", "gp", "x\x00"]))] = draw(
            GARBAGE
        )
    return values


# --- The database, before and after ---------------------------------------------------------

VOLATILE_APPS = {"axes", "sessions"}
VOLATILE_TABLES = {"accounts_accesslog"}
# Kept by signals from the rows above (dashboard.counts): a save changes them as it must,
# so they are left out of the expected saves; a refused request must not touch them either.
DERIVED = {"dashboard.CountFact", "dashboard.CountCell"}


def _counted_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in VOLATILE_APPS
        and model._meta.db_table not in VOLATILE_TABLES
    ]


def table_counts() -> dict[str, int]:
    """The row count of every table the app owns, in one query."""
    models = _counted_models()
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: count for m, count in zip(models, row, strict=True)}


def changes(before: dict[str, int], *, derived: bool = False) -> dict[str, int]:
    """What changed since `before`; the derived report tables only when asked for."""
    after = table_counts()
    return {
        label: after[label] - n
        for label, n in before.items()
        if after[label] != n and (derived or label not in DERIVED)
    }


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One example: whatever the request wrote is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def post(client: Client, url: str, data: dict, saves: dict[str, int], *, method="post"):
    """Submit `data`; a redirect must have saved exactly `saves`, anything else nothing.

    Returns the response and the changed counts (without the derived report tables), inside
    the caller's savepoint.
    """
    before = table_counts()
    response = getattr(client, method)(url, data)
    changed = changes(before, derived=True)
    with contextlib.suppress(InvalidArgument):  # outside @given there is nothing to record
        event(f"{response.status_code} {'saved' if changed else 'nothing saved'}")
    assert response.status_code < 500
    saved = {label: n for label, n in changed.items() if label not in DERIVED}
    if response.status_code == 302 and changed:
        assert saved == saves, f"half-saved: {changed}, expected {saves} or nothing"
    else:
        assert changed == {}, f"refused ({response.status_code}) but changed {changed}"
    return response, saved


@pytest.fixture(autouse=True)
def _lighter_pages(monkeypatch):
    """What every page adds but no form touches: the header's due badge and the QR code.

    They cost more than the form itself; tests/test_reminders.py and test_security.py cover them.
    """
    monkeypatch.setattr(
        "notifications.summary.due_summary_for", lambda user: summary.DueSummary([], [])
    )
    monkeypatch.setattr("accounts.two_factor._qr_svg", lambda url: "<svg></svg>")


@pytest.fixture
def stub_pdfs(monkeypatch):
    """The 200-example runs test the forms, not WeasyPrint (see test_pdfs_render_...)."""
    monkeypatch.setattr(
        "referrals.services.render_referral_letter", lambda referral, **kwargs: b"%PDF-stub"
    )
    monkeypatch.setattr("therapy.services.render_therapy_letter", lambda letter: b"%PDF-stub")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_status(gp, therapist, status: str, **extra) -> Referral:
    patient = PatientFactory(practice=gp.practice)
    return ReferralFactory(
        patient=patient, gp=gp, therapist=therapist.therapist, status=status, **extra
    )


TODAY = timezone.localdate()

# Built once per test; every example runs in its own rolled-back savepoint, so each one finds
# them as they were built. A signed-in client's session row survives for the same reason.


@pytest.fixture
def gp_client(gp) -> Client:
    return signed_in(gp)


@pytest.fixture
def therapist_client(therapist) -> Client:
    return signed_in(therapist)


@pytest.fixture
def draft(gp, therapist) -> Referral:
    return in_status(gp, therapist, Status.DRAFT)


# --- The GP's forms -----------------------------------------------------------------------------

PATIENT = {
    "bsn": st.integers(500, 800).map(fake_bsn),
    "initials": text(1, 20),
    "first_name": text(1, 100),
    "tussenvoegsel": text(0, 20),
    "surname": text(1, 150),
    "date_of_birth": days(date(1900, 1, 1), TODAY),
    "sex": choice(Patient.Sex.choices),
    "phone": text(0, 20),
    "email": st.emails(),
    "address": text(0, 200),
    "postcode": st.from_regex(r"\A[1-9][0-9]{3} ?[A-Z]{2}\Z"),
    "city": text(0, 100),
}


@fuzz
@given(data=form_data(PATIENT))
def test_patient_registration(data, gp_client):
    client = gp_client
    with rolled_back():
        response, changed = post(client, reverse("patients:create"), data, {"patients.Patient": 1})
        if response.status_code == 200:
            assert response.context["form"].errors


@fuzz
@given(query=st.one_of(GARBAGE, st.integers(500, 800).map(fake_bsn), text(1, 100)))
def test_patient_search(query, gp_client):
    client = gp_client
    with rolled_back():
        response, _changed = post(client, reverse("patients:list"), {"query": query}, {})
        assert response.status_code == 200


REFERRAL = {
    "consent_given": st.sampled_from(["on", ""]),
    "complaint": choice(Icpc.choices),
    "other_complaints": st.lists(choice(Icpc.choices), max_size=3),
    "complaint_notes": text(0, 200),
    "severity": choice(Severity.choices),
    "uses_antidepressant": YES_NO,
    "medication": text(0, 200),
    "history": text(0, 200),
    "question": text(0, 200),
    "purpose": choice(Purpose.choices),
    "funding": choice(Funding.choices),
    "urgency": choice(Urgency.choices),
}


@fuzz
@given(data=form_data(REFERRAL))
def test_referral_edit(data, draft, gp_client):
    client = gp_client
    url = reverse("referrals:edit", kwargs={"pk": draft.pk})
    with rolled_back():
        stored = Referral.objects.filter(pk=draft.pk).values().get()
        response, _changed = post(client, url, data, {})
        after = Referral.objects.filter(pk=draft.pk).values().get()
        if response.status_code == 200:
            assert after == stored
        else:
            assert after["status"] == Status.DRAFT


FITNESS = {
    **{q.key: YES_NO for q in readiness.all_questions()},
    "notes": text(0, 200),
    "evaluated_by": text(0, 200),
    "evaluation": st.sampled_from(["", "cleared", "cleared_with_limits", "not_cleared", "x"]),
    "evaluation_limits": text(0, 200),
}


@fuzz
@given(data=form_data(FITNESS))
def test_fitness_check(data, draft, gp_client):
    client = gp_client
    url = reverse("referrals:fitness", kwargs={"pk": draft.pk})
    with rolled_back():
        post(client, url, data, {"referrals.FitnessCheck": 1})


@fuzz
@given(data=st.data())
def test_therapist_choice(data, draft, therapist, other_therapists, gp_client):
    unverified, other = other_therapists
    url = reverse("referrals:therapist", kwargs={"pk": draft.pk})
    value = data.draw(
        mostly(st.sampled_from([other.pk, unverified.pk, therapist.therapist.pk]).map(str))
    )
    # A known bug, kept out so the rest is still fuzzed: see the xfail test below.
    assume(not _digits_past_python_limit(value))
    effective = (value[-1] if value else "") if isinstance(value, list) else value
    with rolled_back():
        response, _changed = post(gp_client, url, {"therapist": value}, {})
        assert response.status_code in (302, 404)
        chosen = Referral.objects.get(pk=draft.pk).therapist_id
        if effective == str(other.pk):
            assert chosen == other.pk
        elif chosen != therapist.therapist.pk:  # chosen by a spelling of the number, like "07"
            assert chosen == other.pk
            assert _as_int(effective) == other.pk


def test_choosing_a_therapist_by_a_5000_digit_number_is_not_found(draft, gp_client):
    url = reverse("referrals:therapist", kwargs={"pk": draft.pk})

    response = gp_client.post(url, {"therapist": "9" * 5000})

    assert response.status_code == 404


@pytest.fixture
def other_therapists():
    return TherapistFactory(), TherapistFactory(verified=True)


def _as_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _digits_past_python_limit(value) -> bool:
    text = value.strip() if isinstance(value, str) else ""
    return text.isascii() and text.isdigit() and len(text) > 4300


@fuzz
@given(place=GARBAGE, profession=GARBAGE, page=GARBAGE)
def test_therapist_search(place, profession, page, draft, gp_client):
    client = gp_client
    url = reverse("referrals:therapist", kwargs={"pk": draft.pk})
    with rolled_back():
        params = {"place": place, "profession": profession, "page": page}
        response, _changed = post(client, url, params, {}, method="get")
        assert response.status_code == 200


@pytest.fixture
def ready_draft(gp, therapist) -> Referral:
    draft = in_status(gp, therapist, Status.DRAFT, uses_antidepressant=False)
    FitnessCheckFactory(referral=draft)
    return draft


@fuzz
@given(data=form_data({"anything": text()}), break_it=st.sampled_from(["", "consent", "check"]))
def test_send(data, break_it, ready_draft, gp_client, stub_pdfs):
    draft = ready_draft
    client = gp_client
    url = reverse("referrals:send", kwargs={"pk": draft.pk})
    sent = {
        "referrals.ReferralDocument": 1,
        "referrals.ReferralEvent": 1,
        "referrals.ReferralRecipient": 1,
        "notifications.Notification": 1,
    }
    with rolled_back():
        if break_it == "consent":
            Referral.objects.filter(pk=draft.pk).update(consent_given=False)
        elif break_it == "check":
            FitnessCheck.objects.filter(referral=draft).update(
                answers={q.key: q.key == "q2" for q in (*readiness.GENERAL, *readiness.DELAY)}
            )
        response, changed = post(client, url, data, sent)
        assert (changed == sent) == (break_it == "")


@fuzz
@given(data=form_data({"reason": text(1, 2000)}))
def test_cancel(data, referral, gp_client):
    client = gp_client
    url = reverse("referrals:cancel", kwargs={"pk": referral.pk})
    with rolled_back():
        _response, changed = post(client, url, data, {"referrals.ReferralEvent": 1})
        status = Referral.objects.get(pk=referral.pk).status
        assert status == (Status.CANCELLED if changed else Status.SENT)


@pytest.fixture
def completed(gp, therapist) -> Referral:
    return in_status(
        gp,
        therapist,
        Status.COMPLETED,
        intake_date=TODAY - timedelta(days=84),
        completed_at=timezone.now(),
    )


@fuzz
@given(
    data=form_data(
        {
            "date": days(TODAY - timedelta(days=84), TODAY),
            "wellbeing": choice(FollowUp.Wellbeing.choices),
            "antidepressant": choice(FollowUp.Antidepressant.choices),
            # Not an employee's work, so the bedrijfsarts question may stay open.
            "work_status": st.sampled_from(["self_employed", "no_paid_work", "retired"]),
            "occupational_physician": st.sampled_from(["", "True", "False"]),
            "runs_per_week": st.integers(1, 7).map(str),
            "minutes_per_week": st.integers(60, 300).map(str),
            "plan": st.sampled_from(["keep_running", "poh_ggz", "closed"]),
            "notes": text(0, 200),
            # The PHQ-9 and GAD-7 (item 9 at 0: the alert has its own tests).
            **{f"phq9-item_{i}": st.integers(0, 3).map(str) for i in range(1, 9)},
            "phq9-item_9": st.just("0"),
            "phq9-difficulty": st.integers(0, 3).map(str),
            **{f"gad7-item_{i}": st.integers(0, 3).map(str) for i in range(1, 8)},
            "gad7-difficulty": st.integers(0, 3).map(str),
        }
    )
)
def test_follow_up(data, completed, gp_client):
    client = gp_client
    url = reverse("referrals:follow_up", kwargs={"pk": completed.pk})
    saves = {
        "referrals.FollowUp": 1,
        "referrals.ReferralEvent": 1,
        "outcomes.QuestionnaireResponse": 2,
    }
    with rolled_back():
        _response, changed = post(client, url, data, saves)
        if changed:
            assert Referral.objects.get(pk=completed.pk).status == Status.FOLLOWED_UP


# --- The therapist's forms ----------------------------------------------------------------------


@fuzz
@given(data=form_data({"reason": text(1, 2000)}))
def test_decline(data, referral, therapist_client):
    client = therapist_client
    url = reverse("referrals:decline", kwargs={"pk": referral.pk})
    saves = {"referrals.ReferralEvent": 1, "notifications.Notification": 1}
    with rolled_back():
        post(client, url, data, saves)


INTAKE = {
    "date": days(TODAY - timedelta(days=4), TODAY),
    "goals": text(1, 200),
    "running_experience": text(0, 100),
    "motivation": text(0, 100),
    "current_activity": text(0, 100),
    "plan_weeks": st.integers(0, 60).map(str),
    "plan_supervised_per_week": st.integers(0, 8).map(str),
    "plan_own_runs_per_week": st.integers(0, 8).map(str),
    "plan_minutes": st.integers(0, 150).map(str),
    "plan_borg_rpe": st.integers(0, 25).map(str),
    "plan": text(0, 200),
}


@pytest.fixture
def accepted(gp, therapist) -> Referral:
    return in_status(
        gp,
        therapist,
        Status.ACCEPTED,
        sent_at=timezone.now() - timedelta(days=5),
        accepted_at=timezone.now(),
    )


@fuzz
@given(data=form_data(INTAKE))
def test_intake(data, accepted, therapist_client):
    client = therapist_client
    url = reverse("therapy:intake", kwargs={"pk": accepted.pk})
    with rolled_back():
        post(client, url, data, {"therapy.Intake": 1, "referrals.ReferralEvent": 1})


SCREENING = {
    "resting_heart_rate": st.integers(30, 200).map(str),
    "systolic": st.integers(110, 250).map(str),
    "diastolic": st.integers(40, 110).map(str),
    "height_cm": st.integers(100, 230).map(str),
    "weight_kg": st.decimals(30, 300, places=1, allow_nan=False).map(str),
    "injuries": text(0, 100),
    "notes": text(0, 100),
    "outcome": choice(Screening.Outcome.choices),
    "restrictions": text(0, 100),
}


@pytest.fixture
def intake_done(gp, therapist) -> Referral:
    referral = in_status(
        gp, therapist, Status.INTAKE_DONE, intake_date=TODAY, intake_done_at=timezone.now()
    )
    return IntakeFactory(referral=referral).referral


@fuzz
@given(data=form_data(SCREENING))
def test_screening(data, intake_done, therapist_client):
    done = intake_done
    client = therapist_client
    url = reverse("therapy:screening", kwargs={"pk": done.pk})
    cleared = {"therapy.Screening": 1, "referrals.ReferralEvent": 1}
    with rolled_back():
        before = table_counts()
        response = client.post(url, data)
        changed = changes(before)
        event(f"{response.status_code} {'saved' if changed else 'nothing saved'}")
        assert response.status_code in (200, 302)
        status = Referral.objects.get(pk=done.pk).status
        if not changed:
            assert status == Status.INTAKE_DONE
        elif status == Status.NOT_CLEARED:
            assert changed == {**cleared, "notifications.Notification": 1}
        else:
            assert status == Status.IN_THERAPY
            assert changed == cleared


@fuzz
@given(data=form_data({"summary": text(1, 500)}))
def test_report(data, referral_in_therapy, therapist_client, stub_pdfs):
    client = therapist_client
    url = reverse(
        "therapy:letter_back", kwargs={"pk": referral_in_therapy.pk, "kind": "intake_report"}
    )
    saves = {
        "therapy.TherapyLetter": 1,
        "referrals.ReferralDocument": 1,
        "notifications.Notification": 1,
    }
    with rolled_back():
        post(client, url, data, saves)


CLOSE = {
    "outcome": st.sampled_from([Status.COMPLETED, Status.STOPPED]),
    "reason": text(0, 200),
    "summary": text(1, 300),
    "fitness_progress": text(0, 200),
    "runs_independently": choice(TherapyLetter.Independence.choices),
    "advice": text(0, 200),
}


@fuzz
@given(data=form_data(CLOSE))
def test_close(data, referral_in_therapy, therapist_client, stub_pdfs):
    client = therapist_client
    url = reverse("therapy:close", kwargs={"pk": referral_in_therapy.pk})
    saves = {
        "therapy.TherapyLetter": 1,
        "referrals.ReferralDocument": 1,
        "referrals.ReferralEvent": 1,
        "notifications.Notification": 1,
    }
    with rolled_back():
        _response, changed = post(client, url, data, saves)
        status = Referral.objects.get(pk=referral_in_therapy.pk).status
        expected = data.get("outcome") if changed else Status.IN_THERAPY
        assert status == expected


SESSION = {
    "date": days(TODAY - timedelta(days=20), TODAY),
    "mode": choice(TherapySession.Mode.choices),
    "attendance": choice(TherapySession.Attendance.choices),
    "duration_minutes": st.integers(0, 320).map(str),
    "minutes_running": st.integers(0, 300).map(str),
    "minutes_walking": st.integers(0, 300).map(str),
    "distance_km": st.decimals(0, 99, places=1, allow_nan=False).map(str),
    "average_heart_rate": st.integers(30, 230).map(str),
    "rpe": st.integers(6, 20).map(str),
    "notes": text(0, 200),
    "values_confirmed": st.sampled_from(["", "on"]),
}


@fuzz
@given(data=form_data(SESSION))
def test_session_add(data, referral_in_therapy, therapist_client):
    client = therapist_client
    url = reverse("therapy:session_add", kwargs={"pk": referral_in_therapy.pk})
    with rolled_back():
        post(client, url, data, {"therapy.TherapySession": 1})


@pytest.fixture
def group(gp, therapist) -> list[Referral]:
    started = timezone.now() - timedelta(days=20)
    return [
        in_status(
            gp,
            therapist,
            Status.IN_THERAPY,
            intake_date=TODAY - timedelta(days=21),
            therapy_started_at=started,
        )
        for _n in range(3)
    ]


@fuzz
@given(data=st.data())
def test_group_session(data, group, therapist_client):
    shared = {k: SESSION[k] for k in ("date", "mode", "minutes_running", "minutes_walking")}
    attendance = st.sampled_from(["", "", *TherapySession.Attendance.values])
    fields = {
        **shared,
        "distance_km": SESSION["distance_km"],
        "notes": SESSION["notes"],
        **{f"patient_{r.pk}": attendance for r in group},
    }
    values = data.draw(form_data(fields))
    client = therapist_client
    url = reverse("therapy:session_group")
    # A list is posted as repeated values, of which the form reads the last (QueryDict.get).
    submitted = {r.pk: values.get(f"patient_{r.pk}") for r in group}
    last = {pk: v[-1] if isinstance(v, list) and v else v for pk, v in submitted.items()}
    chosen = sum(1 for value in last.values() if value and not isinstance(value, list))
    with rolled_back():
        post(client, url, values, {"therapy.TherapySession": chosen})


@fuzz
@given(data=st.data())
def test_questionnaire_enter(data, referral_in_therapy, therapist_client):
    code, items = data.draw(st.sampled_from([("PHQ-9", 9), ("GAD-7", 7)]))
    fields = {f"item_{i}": st.sampled_from(["0", "1", "2", "3"]) for i in range(1, items + 1)}
    fields["completed_on"] = days(TODAY - timedelta(days=28), TODAY)
    values = data.draw(form_data(fields))
    # A known bug, kept out so the rest is still fuzzed: see the xfail test below.
    assume(not any(_digits_past_python_limit(v) for v in values.values()))
    client = therapist_client
    url = reverse("outcomes:enter", kwargs={"pk": referral_in_therapy.pk, "code": code, "week": 0})
    with rolled_back():
        before = table_counts()
        response = client.post(url, values)
        changed = changes(before)
        event(f"{response.status_code} {'saved' if changed else 'nothing saved'}")
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert changed == {}
        else:
            alerts = changed.pop("outcomes.SafetyAlert", 0)
            # Each alert's e-mails to the GP and to the practice's address are outbox rows,
            # written with it.
            assert changed.pop("notifications.Notification", 0) == 2 * alerts
            assert changed == {"outcomes.QuestionnaireResponse": 1}
            assert alerts == (1 if code == "PHQ-9" and values["item_9"] != "0" else 0)


def test_a_questionnaire_answer_of_5000_digits_is_refused(referral_in_therapy, therapist_client):
    url = reverse(
        "outcomes:enter", kwargs={"pk": referral_in_therapy.pk, "code": "PHQ-9", "week": 0}
    )
    data = {f"item_{i}": "1" for i in range(1, 10)}
    data.update(item_1="9" * 5000, completed_on=TODAY.isoformat())
    with rolled_back():
        response, _changed = post(therapist_client, url, data, {})

    assert response.status_code == 200
    assert response.context["form"].errors["item_1"]


# --- Signing in and the account ---------------------------------------------------------------


@fuzz
@given(data=st.data())
def test_login(data, gp):
    username = data.draw(mostly(st.sampled_from([gp.email, gp.email.upper()])))
    password = data.draw(mostly(st.just(TEST_PASSWORD)))
    nxt = data.draw(mostly(st.sampled_from(["", "/patients/", "/referrals/"])))
    client = Client()
    fields = {"username": username, "password": password, "next": nxt}
    with rolled_back():
        response, _changed = post(client, reverse("accounts:login"), fields, {})
        signed = client.session.get(SESSION_KEY)
        assert (response.status_code == 302) == (signed is not None)
        if signed:
            assert password == TEST_PASSWORD
            assert str(username).lower() == gp.email
            target = urlsplit(response.url)
            assert not target.scheme and not target.netloc  # never off-site


@pytest.fixture
def gp_with_devices(gp):
    phone = TOTPDevice.objects.create(user=gp, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=gp, name="recovery", confirmed=True)
    StaticToken.objects.create(device=recovery, token="fuzzrcv1")
    return gp, phone


@fuzz
@given(data=st.data())
def test_two_factor_verify(data, gp_with_devices, gp_client):
    gp, phone = gp_with_devices
    code = f"{totp(phone.bin_key, step=phone.step, t0=phone.t0, digits=phone.digits):06d}"
    token = data.draw(mostly(st.sampled_from([code, "fuzzrcv1", f" {code} "])))
    # Only path-like targets: a bare word is a known bug, see the xfail test below.
    nxt = data.draw(st.one_of(st.just("/referrals/"), GARBAGE.map(lambda g: f"/{g}")))
    url = reverse("accounts:two_factor_verify")
    with rolled_back():
        before = table_counts()
        response = gp_client.post(url, {"token": token, "next": nxt})
        changed = changes(before)
        event(f"{response.status_code} {'verified' if response.status_code == 302 else 'refused'}")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert changed in ({}, {"otp_static.StaticToken": -1})
            target = urlsplit(response.url)
            assert not target.scheme and not target.netloc  # never off-site
            assert not response.url.startswith(("//", "/\\"))
        else:
            assert changed == {}


@pytest.mark.parametrize("target", ["a b", "1158-08-09", "referrals"])
def test_two_factor_verify_with_a_bare_word_as_next_does_not_fail(
    target, gp_with_devices, gp_client
):
    gp, phone = gp_with_devices
    code = f"{totp(phone.bin_key, step=phone.step, t0=phone.t0, digits=phone.digits):06d}"

    response = gp_client.post(
        reverse("accounts:two_factor_verify"), {"token": code, "next": target}
    )

    assert response.status_code == 302


@pytest.fixture
def enrolling(gp, gp_client):
    """A GP on the enrolment page: the unconfirmed authenticator exists."""
    gp_client.get(enrolment_path(gp))
    gp_client.get(reverse("accounts:two_factor_setup"))
    return gp_client, TOTPDevice.objects.get(user=gp, confirmed=False)


@fuzz
@given(data=st.data())
def test_two_factor_setup(data, enrolling):
    client, device = enrolling
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    token = data.draw(mostly(st.sampled_from([code, f" {code}", f"{code} "])))
    nxt = data.draw(mostly(st.sampled_from(["", "/patients/", "/referrals/"])))
    url = reverse("accounts:two_factor_setup")
    enrolled = {"otp_static.StaticDevice": 1, "otp_static.StaticToken": 10}
    with rolled_back():
        before = table_counts()
        response = client.post(url, {"token": token, "next": nxt})
        changed = changes(before)
        event("enrolled" if changed else "refused")
        assert response.status_code == 200
        device.refresh_from_db()
        if "codes" in response.context:
            assert changed == enrolled
            assert device.confirmed
        else:
            assert changed == {}
            assert not device.confirmed


NEW_PASSWORD = "Hardloop-Wachtwoord-2025"


@fuzz
@given(
    data=form_data(
        {
            "old_password": st.just(TEST_PASSWORD),
            "new_password1": st.just(NEW_PASSWORD),
            "new_password2": st.just(NEW_PASSWORD),
        }
    )
)
def test_password_change(data, gp):
    url = reverse("accounts:password_change")
    with rolled_back():
        client = signed_in(gp)
        hashed = type(gp).objects.get(pk=gp.pk).password
        response, _changed = post(client, url, data, {})
        changed_password = type(gp).objects.get(pk=gp.pk).password != hashed
        assert changed_password == (response.status_code == 302)


# --- Reports --------------------------------------------------------------------------------


@pytest.fixture
def admin_client_signed_in(admin) -> Client:
    return signed_in(admin)


@fuzz
@given(
    data=form_data(
        {
            "period": st.one_of(
                st.dates(date(2015, 1, 1), date(2030, 12, 1)).map(lambda d: d.strftime("%Y-%m")),
                st.integers(2015, 2030).map(str),
                st.tuples(st.integers(2015, 2030), st.integers(0, 5)).map(
                    lambda yq: f"{yq[0]}-Q{yq[1]}"
                ),
            ),
            # The old free range: refused with a message, never a 500.
            "start": st.dates(date(2015, 1, 1), date(2030, 12, 1)).map(
                lambda d: d.strftime("%Y-%m")
            ),
            "practice": st.integers(-2, 5).map(str),
        }
    )
)
def test_report_range(data, admin_client_signed_in, referral):
    client = admin_client_signed_in
    with rolled_back():
        response, _changed = post(client, reverse("dashboard:page"), data, {}, method="get")
        assert response.status_code == 200


# --- Real PDFs from generated text --------------------------------------------------------------


@hypothesis_settings(fuzz, max_examples=10)
@given(summary=st.one_of(NASTY, text(1, 3000), LONG.filter(lambda s: "\x00" not in s)))
def test_pdfs_render_whatever_the_text(summary, referral_in_therapy, therapist_client):
    client = therapist_client
    url = reverse(
        "therapy:letter_back", kwargs={"pk": referral_in_therapy.pk, "kind": "intake_report"}
    )
    saves = {
        "therapy.TherapyLetter": 1,
        "referrals.ReferralDocument": 1,
        "notifications.Notification": 1,
    }
    with rolled_back():
        response, changed = post(client, url, {"summary": summary}, saves)
        if changed:
            document = referral_in_therapy.documents.get(kind="intake_report")
            assert bytes(document.content).startswith(b"%PDF")
