"""The dashboard (dashboard/): scope, months in Amsterdam, outcome figures with small-cell
suppression, the CSV and PDF exports, the bar chart, query counts and the range form."""

import csv
import io
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from accounts.models import User
from dashboard.charts import bar_chart_svg
from dashboard.figures import OutcomeRow
from dashboard.period import AMSTERDAM, Period
from dashboard.suppression import SMALL_CELL, SUPPRESSED, share_cell, weighted_median
from patients.models import Patient
from referrals.models import FollowUp, Referral, Status
from therapists.models import Therapist

from .factories import (
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL_NAMES = ("dashboard:page", "dashboard:monthly_csv", "dashboard:outcomes_csv")
ALL_URL_NAMES = (*URL_NAMES, "dashboard:pdf")


def one_therapist(gp: User):
    """The running therapist the practice of `gp` sends to (one per practice): with a new
    therapist for every referral each would count 1, and protecting those hides the totals."""
    found = Therapist.objects.filter(organisation=f"Loopgroep {gp.practice_id}").first()
    return found or TherapistFactory(verified=True, organisation=f"Loopgroep {gp.practice_id}")


def send(gp: User, *, at: datetime | None = None, status: str = Status.SENT, **fields) -> Referral:
    """A referral made by `gp` for a new patient of the GP's practice, sent `at`, to the
    practice's therapist unless `therapist` says otherwise."""
    fields.setdefault("patient", PatientFactory(practice=gp.practice))
    fields.setdefault("therapist", one_therapist(gp))
    return ReferralFactory(gp=gp, status=status, sent_at=at or timezone.now(), **fields)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


def started(gp: User, *, at: datetime | None = None, **fields) -> Referral:
    at = at or timezone.now() - timedelta(days=60)
    fields.setdefault("status", Status.IN_THERAPY)
    return send(
        gp,
        at=at,
        accepted_at=at + timedelta(days=1),
        intake_done_at=at + timedelta(days=7),
        intake_date=timezone.localtime(at, AMSTERDAM).date() + timedelta(days=7),
        therapy_started_at=at + timedelta(days=8),
        **fields,
    )


def parse_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def outcome(response, label_start: str) -> OutcomeRow:
    rows = [row for row in response.context["report"].outcomes if row.label.startswith(label_start)]
    assert len(rows) == 1, [row.label for row in response.context["report"].outcomes]
    return rows[0]


def english(label, language: str = "en") -> str:
    """A (lazy) label in English, whatever the middleware left active in the test's thread."""
    with translation.override(language):
        return str(label)


@pytest.fixture
def en(client_for):
    """`en(user)`: a signed-in client that asks for English pages."""

    def make(user: User) -> Client:
        client = client_for(user)
        client.cookies["django_language"] = "en"
        return client

    return make


# --- Access and scope ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_URL_NAMES)
def test_anonymous_visitor_is_sent_to_sign_in(name, client):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("persona", ["manager", "gp", "therapist", "admin"])
@pytest.mark.parametrize("name", ALL_URL_NAMES)
def test_every_role_opens_the_reports(name, persona, request, client_for):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse(name))

    assert response.status_code == 200


def send_many(gp: User, n: int = SMALL_CELL, **fields) -> list[Referral]:
    """`n` referrals (by default just enough to be shown: dashboard.suppression)."""
    return [send(gp, **fields) for _ in range(n)]


def test_manager_never_counts_another_practices_referrals(
    manager, gp, gp_other_practice, en, admin
):
    send_many(gp)
    send_many(gp_other_practice, 6)
    client = en(manager)

    page = client.get(reverse("dashboard:page"))
    rows = parse_csv(client.get(reverse("dashboard:monthly_csv")))
    # The administrator's practice filter is not the manager's: the parameter only narrows.
    elsewhere = client.get(reverse("dashboard:page"), {"practice": gp_other_practice.practice_id})

    assert page.context["report"].total == 5
    assert sum(int(row[-1]) for row in rows[1:] if row[-1] != SUPPRESSED) == 5
    assert gp_other_practice.get_full_name() not in page.content.decode()
    assert gp_other_practice.get_full_name() not in "".join(";".join(row) for row in rows)
    assert elsewhere.context["report"].total == 5
    assert en(admin).get(reverse("dashboard:page")).context["report"].total == 11


def test_gp_counts_only_their_own_referrals(gp, gp_other_practice, practice, en):
    colleague = UserFactory(role=User.Role.GP, practice=practice)
    send_many(gp)
    send_many(colleague, 6)
    send_many(gp_other_practice, 7)

    response = en(gp).get(reverse("dashboard:page"))
    rows = parse_csv(en(gp).get(reverse("dashboard:monthly_csv")))

    assert response.context["report"].total == 5
    assert {row[3] for row in rows[1:]} == {gp.get_full_name()}
    assert colleague.get_full_name() not in response.content.decode()


def test_therapist_counts_only_referrals_sent_to_them(gp, therapist, therapist_other, en):
    send_many(gp, therapist=therapist.therapist)
    send_many(gp, 6, therapist=therapist_other.therapist)
    ReferralFactory(gp=gp, therapist=therapist.therapist, status=Status.DRAFT)

    response = en(therapist).get(reverse("dashboard:page"))

    assert response.context["report"].total == 5


def test_admin_sees_all_practices_and_can_filter_one(gp, gp_other_practice, admin, en):
    send_many(gp)
    send_many(gp_other_practice, 10)
    client = en(admin)

    everything = client.get(reverse("dashboard:page"))
    one = client.get(reverse("dashboard:page"), {"practice": gp_other_practice.practice_id})

    assert everything.context["report"].total == 15
    keys = [split.key for split in everything.context["report"].splits]
    assert keys[0] == "practice"
    # Thousands of GPs over all practices would say little: one practice at a time.
    assert "gp" not in keys
    assert "Referrals per GP are shown for one practice at a time" in everything.content.decode()
    assert "gp" in [split.key for split in one.context["report"].splits]
    assert one.context["report"].total == 10
    assert gp_other_practice.practice.name in one.content.decode()
    assert "practice" not in [split.key for split in one.context["report"].splits]


def test_admin_with_an_unknown_practice_gets_an_error_and_all_practices(gp, admin, en):
    send_many(gp)

    response = en(admin).get(reverse("dashboard:page"), {"practice": "999999"})

    assert response.status_code == 200
    assert "practice" in response.context["form"].errors
    assert response.context["report"].total == 5


# --- No patient identifiers ---------------------------------------------------------------------


def demo_identifiers() -> list[str]:
    identifiers = []
    for patient in Patient.objects.all():
        identifiers += [
            patient.full_name,
            f"{patient.first_name} {patient.surname}",
            patient.bsn,
            patient.email,
        ]
    return identifiers


# Free text from the demo's referrals and records: clinical notes never reach the reports.
DEMO_NOTES = (
    "Sertraline",
    "Eerdere depressieve episode",
    "Mijn groep zit vol",
    "Rustbloeddruk",
    "Loopt nog twee keer per week",
)


@pytest.mark.parametrize(
    "email", ["manager@example.org", "admin@example.org", "huisarts@example.org"]
)
def test_pages_and_exports_show_no_patient_identifiers(email):
    call_command("seed_demo", "--no-documents", stdout=StringIO())
    identifiers = demo_identifiers()
    assert len(identifiers) >= 4 * 23
    client = Client()
    client.force_login(User.objects.get(email=email))

    outputs = {
        "dashboard": client.get(reverse("dashboard:page")).content.decode(),
        "monthly csv": client.get(reverse("dashboard:monthly_csv")).content.decode("utf-8"),
        "outcomes csv": client.get(reverse("dashboard:outcomes_csv")).content.decode("utf-8"),
        "pdf": pdf_text(client.get(reverse("dashboard:pdf"))),
    }

    # The outputs do hold figures: the check below is not passing on empty pages.
    # (Over all practices the dashboard lists practices, not GPs; the CSV lists GPs.)
    shown = "Huisartsenpraktijk De Linde" if email == "admin@example.org" else "Anne de Vries"
    for name in ("dashboard", "pdf"):
        assert shown in outputs[name], name
    assert "Anne de Vries" in outputs["monthly csv"]
    assert "PHQ-9" in outputs["outcomes csv"]
    for name, text in outputs.items():
        leaks = [value for value in (*identifiers, *DEMO_NOTES) if value in text]
        assert leaks == [], f"{name} shows {leaks}"


# --- Months in Europe/Amsterdam -----------------------------------------------------------------


def test_month_of_sending_is_the_month_in_amsterdam(gp, manager, en):
    # Summer time began on 30 March 2025: 23:30 on 31 March in Amsterdam is 21:30 UTC.
    march = [send(gp, at=datetime(2025, 3, 31, 21, 30 + n, tzinfo=UTC)) for n in range(5)]
    april = [send(gp, at=datetime(2025, 3, 31, 22, 30 + n, tzinfo=UTC)) for n in range(5)]
    assert timezone.localtime(march[0].sent_at, AMSTERDAM) == local(2025, 3, 31, 23, 30)
    assert timezone.localtime(april[0].sent_at, AMSTERDAM) == local(2025, 4, 1, 0, 30)
    params = {"period": "2025-Q2"}

    march_page = en(manager).get(reverse("dashboard:page"), {"period": "2025-Q1"})
    page = en(manager).get(reverse("dashboard:page"), params)
    rows = parse_csv(en(manager).get(reverse("dashboard:monthly_csv"), params))

    assert march_page.context["report"].months[-1] == (date(2025, 3, 1), 5)
    assert page.context["report"].months == [
        (date(2025, 4, 1), 5),
        (date(2025, 5, 1), 0),
        (date(2025, 6, 1), 0),
    ]
    # The year and the month as numbers, so a spreadsheet does not make a date of them.
    assert [(row[0], row[1], row[-1]) for row in rows[1:]] == [
        ("2025", "4", "5"),
        ("2025", "5", "0"),
        ("2025", "6", "0"),
    ]


def test_a_month_outside_the_period_is_not_counted(gp, manager, en):
    for n in range(5):
        send(gp, at=local(2025, 2, 28, 23, 50 + n))
        send(gp, at=local(2025, 3, 1, 0, n))
        send(gp, at=local(2025, 4, 1, 0, n))

    page = en(manager).get(reverse("dashboard:page"), {"period": "2025-03"})

    assert page.context["report"].total == 5


# --- Outcome figures and small-cell suppression -------------------------------------------------


@pytest.mark.parametrize(
    ("count", "total", "shown"),
    [(None, 10, SUPPRESSED), (5, None, "5"), (0, 20, "0 (0%)"), (5, 10, "5 (50%)")],
)
def test_share_cell_shows_a_share_only_of_a_shown_base(count, total, shown):
    assert share_cell(count, total) == shown


@pytest.mark.parametrize(("patients", "shown"), [(4, SUPPRESSED), (10, "7 days")])
def test_a_median_based_on_fewer_than_ten_patients_is_hidden(patients, shown, gp, manager, en):
    for _ in range(patients):
        started(gp)
    client = en(manager)

    page = client.get(reverse("dashboard:page"))
    rows = parse_csv(client.get(reverse("dashboard:outcomes_csv")))
    text = pdf_text(client.get(reverse("dashboard:pdf")))

    median = outcome(page, "Median time from sending to intake")
    assert median.value == shown
    assert median.base == (SUPPRESSED if patients < 5 else str(patients))
    assert ["Median time from sending to intake", shown] == rows[
        [row[0] for row in rows].index("Median time from sending to intake")
    ][:2]
    assert f"Median time from sending to intake {shown}" in " ".join(text.split())
    assert outcome(page, "Therapy started").value == (SUPPRESSED if patients < 5 else "10 (100%)")


def test_the_outcomes_csv_gives_a_share_as_a_count_and_a_percentage_column(gp, manager, en):
    for _ in range(10):
        started(gp)
    rows = parse_csv(en(manager).get(reverse("dashboard:outcomes_csv")))
    assert rows[0] == ["Figure", "Result", "Percentage (%)", "Based on", "Counted among"]
    assert all(len(row) == len(rows[0]) for row in rows)
    started_row = rows[[row[0] for row in rows].index("Therapy started")]
    assert started_row == ["Therapy started", "10", "100", "10", "referrals sent"]


def test_outcome_figures_are_computed_from_the_referrals_sent_in_the_period(gp, manager, en):
    therapies = [started(gp) for _ in range(15)]
    for referral in therapies[:10]:
        for code, before, after in (("PHQ-9", 15, 8), ("GAD-7", 12, 10)):
            for week, total in ((0, before), (10, after)):
                QuestionnaireResponseFactory(
                    referral=referral, instrument=code, week=week, answers=[], total=total
                )
    # One PHQ-9 alone in week 5 does not make week 5 complete.
    QuestionnaireResponseFactory(referral=therapies[0], instrument="PHQ-9", week=5, answers=[])
    ended = [send(gp, status=Status.FOLLOWED_UP) for _ in range(5)]
    ended += [send(gp, status=Status.COMPLETED) for _ in range(5)]
    for referral in ended[:5]:
        FollowUp.objects.create(
            referral=referral,
            date=timezone.localdate(),
            wellbeing=FollowUp.Wellbeing.BETTER,
            antidepressant=FollowUp.Antidepressant.STOPPED,
            work_status=FollowUp.Work.WORKING,
            runs_per_week=2,
            minutes_per_week=60,
            recorded_by=gp,
        )
    send_many(gp, status=Status.DECLINED)

    page = en(manager).get(reverse("dashboard:page"))

    assert page.context["report"].total == 30
    assert outcome(page, "Therapy started").value == "15 (50%)"
    assert outcome(page, "PHQ-9 and GAD-7 completed in week 0").value == "10 (67%)"
    assert outcome(page, "PHQ-9 and GAD-7 completed in week 5").value == "0 (0%)"
    assert outcome(page, "Mean PHQ-9 change").value == "-7.0"
    assert outcome(page, "PHQ-9 reliably improved").value == "10 (100%)"
    assert outcome(page, "Mean GAD-7 change").value == "-2.0"
    # A drop of 2 is below the GAD-7 threshold of 4: nobody improved reliably.
    assert outcome(page, "GAD-7 reliably improved").value == "0 (0%)"
    assert outcome(page, "Follow-up held").value == "5 (50%)"
    assert ("Stopped", "5") in page.context["report"].antidepressant
    assert ("Started", "0") in page.context["report"].antidepressant


def test_averages_need_ten_patients_and_a_share_hides_a_small_rest(gp, manager, en):
    therapies = [started(gp) for _ in range(11)]
    for referral in therapies[:9]:
        for week, total in ((0, 15), (10, 8)):
            QuestionnaireResponseFactory(
                referral=referral, instrument="PHQ-9", week=week, answers=[], total=total
            )

    page = en(manager).get(reverse("dashboard:page"))

    # Nine patients: no average, and no share improved.
    assert outcome(page, "Mean PHQ-9 change").value == SUPPRESSED
    assert outcome(page, "PHQ-9 reliably improved").value == SUPPRESSED
    # 9 of 11 started would tell that 2 did not: the 9 is hidden as well.
    assert outcome(page, "Mean PHQ-9 change").base == SUPPRESSED
    assert outcome(page, "Therapy started").value == "11 (100%)"


def test_weighted_median():
    assert weighted_median({}) is None
    assert weighted_median({3: 1, 9: 1, 4: 1}) == 4
    assert weighted_median({3: 2, 9: 2}) == 6
    assert weighted_median({1: 5, 100: 1}) == 1


# --- The monthly CSV ----------------------------------------------------------------------------


def db_counts(practice, period: Period) -> Counter:
    """(month, GP name, status) -> referrals, counted one by one in Python."""
    counts = Counter()
    for referral in Referral.objects.filter(
        practice=practice, sent_at__gte=period.start, sent_at__lt=period.end
    ).select_related("gp"):
        month = timezone.localtime(referral.sent_at, AMSTERDAM).strftime("%Y-%m")
        counts[month, referral.gp.get_full_name(), referral.status] += 1
    return counts


def test_monthly_csv_counts_equal_the_database(gp, gp_other_practice, manager, practice, en):
    colleague = UserFactory(role=User.Role.GP, practice=practice)
    for month in range(1, 7):
        for who in (gp, colleague):
            for day, status in enumerate([Status.SENT] * 5 + [Status.ACCEPTED] * 6, start=1):
                send(who, at=local(2025, month, day, 12), status=status)
    send(gp, at=local(2025, 2, 20, 12), status=Status.DECLINED)  # one: hidden, and protected
    send(gp_other_practice, at=local(2025, 2, 3, 12))
    send(gp, at=local(2024, 12, 31, 23, 0))
    period = Period.quarter(2025, 1)

    rows = parse_csv(en(manager).get(reverse("dashboard:monthly_csv"), period.params()))

    header, body = rows[0], rows[1:]
    status_columns = {english(status.label): status.value for status in Status}
    found, hidden = Counter(), []
    for row in body:
        record = dict(zip(header, row, strict=True))
        month = f"{record['Year']}-{int(record['Month']):02d}"
        for label, value in status_columns.items():
            if record[label] == SUPPRESSED:
                hidden.append((month, record["GP"], value))
            elif int(record[label]):
                found[month, record["GP"], value] = int(record[label])
        if SUPPRESSED not in row:
            assert int(record["Total"]) == sum(int(record[label]) for label in status_columns)
    expected = db_counts(practice, period)
    assert {key: n for key, n in expected.items() if key not in hidden} == found
    # The single decline is hidden, and so is a second figure of its row: 1 = total - the rest
    # could not be worked out.
    assert ("2025-02", gp.get_full_name(), Status.DECLINED) in hidden
    february = [row for row in body if row[:2] == ["2025", "2"] and row[3] == gp.get_full_name()][0]
    assert february.count(SUPPRESSED) >= 2
    # One row per month x GP, zeros included.
    assert len(body) == 3 * 2
    assert {row[2] for row in body} == {practice.name}


def test_monthly_csv_is_dutch_excel_csv(gp, manager, client_for):
    send(gp)

    response = client_for(manager).get(reverse("dashboard:monthly_csv"), {"period": "2026"})
    body = response.content

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.csv"')
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == ""
    assert all("\n" not in line for line in lines)
    header = lines[0].split(";")
    assert len(header) == 4 + len(Status) + 1
    # Dutch: the language every user starts in.
    assert header[:4] == ["Jaar", "Maand", "Praktijk", "Huisarts"]
    assert header[4 : 4 + len(Status)] == [english(status.label, "nl") for status in Status]
    assert all(len(line.split(";")) == len(header) for line in lines[1:-1])
    assert len(lines) - 2 == 12  # 12 months x 1 GP
    assert lines[1].split(";")[:2] == ["2026", "1"]  # two numbers: no spreadsheet date


def test_csv_names_cannot_become_spreadsheet_formulas(manager, practice, en):
    sneaky = UserFactory(role=User.Role.GP, practice=practice, first_name="=HYPERLINK(1)")
    send(sneaky)

    rows = parse_csv(en(manager).get(reverse("dashboard:monthly_csv")))

    assert all(not row[2].startswith("=") for row in rows[1:])


# --- The period parameter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2025-13"},
        {"period": "2025-Q5"},
        {"period": "maart"},
        {"period": "1990"},
        {"period": "2025-03-01"},
        # The old free ranges: refused, whatever else is asked.
        {"start": "2025-01", "end": "2025-06"},
        {"months": "3"},
        {"period": "2025", "end": "2025-03"},
    ],
)
@pytest.mark.parametrize("name", URL_NAMES)
def test_a_period_that_is_not_a_whole_month_quarter_or_year_shows_an_error(
    name, params, manager, en
):
    response = en(manager).get(reverse(name), params)

    assert response.status_code == 200
    if name == "dashboard:page":
        assert "period" in response.context["form"].errors
        assert response.context["period"] == Period.default()
        html = response.content.decode()
        assert "is-invalid" in html
        with translation.override("en"):
            message = response.context["form"].errors["period"][0]
        assert message in html.replace("&#x27;", "'")


def test_the_period_error_is_dutch_by_default(manager, client_for):
    client = client_for(manager)
    client.cookies["django_language"] = "nl"
    response = client.get(reverse("dashboard:page"), {"start": "2025-01"})

    assert "hele maanden, kwartalen of jaren" in response.content.decode()


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 1)),
        ("2025-Q2", date(2025, 4, 1), date(2025, 6, 1)),
        ("2025-03", date(2025, 3, 1), date(2025, 3, 1)),
    ],
)
def test_the_period_parameter_chooses_a_month_quarter_or_year(key, first, last, manager, en):
    response = en(manager).get(reverse("dashboard:page"), {"period": key})

    assert response.context["form"].errors == {}
    assert response.context["period"] == Period(first=first, last=last)
    assert response.context["period"].key == key
    assert [month for month, _n in response.context["report"].months][0] == first


def test_without_a_period_the_reports_show_this_year(manager, en):
    response = en(manager).get(reverse("dashboard:page"))

    assert response.context["period"] == Period.year(timezone.localdate(timezone=AMSTERDAM).year)
    assert len(response.context["report"].months) == 12


def test_export_links_carry_the_chosen_period(manager, en):
    response = en(manager).get(reverse("dashboard:page"), {"period": "2025-Q1"})

    html = response.content.decode()
    assert f"{reverse('dashboard:monthly_csv')}?period=2025-Q1" in html
    assert f"{reverse('dashboard:pdf')}?period=2025-Q1" in html


# --- Query counts -------------------------------------------------------------------------------


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", URL_NAMES)
def test_query_count_does_not_grow_with_referrals(name, gp, manager, therapist, en):
    client = en(manager)
    referral = started(gp, therapist=therapist.therapist)
    QuestionnaireResponseFactory(referral=referral)
    one = queries_for(client, reverse(name))

    for _ in range(19):
        more = started(gp, therapist=TherapistFactory(verified=True))
        QuestionnaireResponseFactory(referral=more)
    twenty = queries_for(client, reverse(name))

    assert one == twenty


@pytest.mark.parametrize("persona", ["manager", "admin"])
@pytest.mark.parametrize("name", URL_NAMES)
def test_query_count_does_not_grow_with_gps(name, persona, practice, request, en):
    client = en(request.getfixturevalue(persona))
    send(UserFactory(role=User.Role.GP, practice=practice))
    one = queries_for(client, reverse(name))

    for _ in range(4):
        send(UserFactory(role=User.Role.GP, practice=practice))
    send(UserFactory(role=User.Role.GP))  # another practice
    five = queries_for(client, reverse(name))

    assert one == five


# --- The bar chart ------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_is_readable_without_colour():
    with translation.override("en"):
        svg = bar_chart_svg(
            [("jan 2025", 3), ("feb 2025", 0), ("Health insurer <supplementary> & co", 12)],
            title="Referrals & more",
            category_axis="Month",
        )

    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text.startswith("Referrals & more.")
    label = root.get("aria-label")
    assert "jan 2025: 3" in label and "feb 2025: 0" in label
    assert "Health insurer <supplementary> & co: 12" in label
    bars = root.findall(f"{SVG}g[@class='bar']")
    assert [bar.get("data-value") for bar in bars] == ["3", "0", "12"]
    # Every bar has its category and its value as text, zero included.
    for bar, expected in zip(bars, ("3", "0", "12"), strict=True):
        texts = [text.text for text in bar.findall(f"{SVG}text")]
        assert texts[-1] == expected
        assert texts[0]
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Referrals" in texts and "Month" in texts
    assert "<supplementary>" not in svg


def test_bar_chart_without_rows_says_so():
    with translation.override("en"):
        root = ET.fromstring(bar_chart_svg([], title="Nothing"))

    assert "No data" in root.get("aria-label")
    assert root.findall(f"{SVG}g[@class='bar']") == []


def test_bar_chart_refers_to_nothing_outside_itself():
    svg = bar_chart_svg([("a", 1)], title="t")

    for word in ("href", "<use", "<image", "url(", " id="):
        assert word not in svg


def test_dashboard_shows_charts_with_their_tables(gp, manager, en):
    send(gp)

    html = en(manager).get(reverse("dashboard:page")).content.decode()

    assert html.count('role="img"') >= 5
    for table in ("months", "outcomes", "gp", "therapist", "complaint", "purpose", "funding"):
        assert f'id="table-{table}"' in html
