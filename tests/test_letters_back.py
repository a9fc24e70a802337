"""The therapist's letters back to the GP (PDF) and the score chart they share with the pages.

Until the Dutch strings are merged into the .po, fixed report text may still be English, so the
assertions on wording translate the msgid in Dutch first and look for whatever that gives.
"""

import datetime
import io
import re
import time
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.utils import timezone, translation
from pypdf import PdfReader

from core import pdf
from outcomes.charts import score_chart_svg
from outcomes.instruments import (
    CHANGE_LABELS,
    DETERIORATED,
    IMPROVED,
    INSTRUMENTS,
    NO_CHANGE,
)
from outcomes.models import QuestionnaireResponse
from referrals.models import Status
from therapists.models import Therapist
from therapy.letters import render_therapy_letter
from therapy.models import Intake, Screening, TherapyLetter, TherapySession

from .factories import (
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralFactory,
    SafetyAlertFactory,
    TherapistFactory,
    TherapySessionFactory,
    UserFactory,
)

SVG = "{http://www.w3.org/2000/svg}"
STATIC_BASE = urljoin(pdf.LETTER_BASE_URL, settings.STATIC_URL)
FONT_URLS = {STATIC_BASE + "fonts/DejaVuSans.ttf", STATIC_BASE + "fonts/DejaVuSans-Bold.ttf"}
# What a letter may fetch: its shared stylesheet and the fonts that stylesheet names.
STYLE_URLS = {STATIC_BASE + "css/letter.css", *FONT_URLS}
INTAKE_DATE = datetime.date(2026, 3, 2)
MARKUP = "<script>alert('x')</script><b>vet</b><img src=\"file:///etc/passwd\">"


# Helpers


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    """NFC, without whitespace: values wrap over lines wherever the layout breaks them."""
    return "".join(unicodedata.normalize("NFC", text).split())


def nl(text) -> str:
    """A msgid (or lazy label) as the Dutch report prints it."""
    with translation.override("nl"):
        return str(translation.gettext(text) if isinstance(text, str) else text)


def answers_for(code: str, total: int) -> list[int]:
    """Item answers that add up to `total`, with PHQ-9 item 9 (the safety item) left at 0."""
    instrument = INSTRUMENTS[code]
    items = len(instrument.items) - (1 if code == "PHQ-9" else 0)
    answers = [min(3, max(0, total - 3 * i)) for i in range(items)]
    return answers + [0] * (len(instrument.items) - items)


def add_score(referral, code: str, week: int, total: int) -> QuestionnaireResponse:
    band, _label = INSTRUMENTS[code].band_for(total)
    return QuestionnaireResponseFactory(
        referral=referral,
        instrument=code,
        week=week,
        answers=answers_for(code, total),
        band=band,
        completed_on=INTAKE_DATE + datetime.timedelta(weeks=week),
    )


def add_report(referral, kind: str, **fields) -> TherapyLetter:
    fields.setdefault("summary", "Gaat goed; loopt twee keer per week mee.")
    return TherapyLetter.objects.create(
        referral=referral, kind=kind, written_by=referral.therapist.user, **fields
    )


def add_session(referral, attendance: str, **fields) -> TherapySession:
    if attendance != TherapySession.Attendance.ATTENDED:
        fields = {"minutes_running": None, "distance_km": None, **fields}
    return TherapySessionFactory(
        referral=referral,
        date=INTAKE_DATE + datetime.timedelta(days=7),
        attendance=attendance,
        **fields,
    )


# Fixtures


@pytest.fixture
def referral(db):
    """A referral in therapy, with a named patient, GP and therapist and nothing recorded yet."""
    patient = PatientFactory(
        first_name="Jan",
        tussenvoegsel="van der",
        surname="Berg",
        date_of_birth=datetime.date(1980, 5, 17),
        practice__name="Huisartsenpraktijk Letterlaan",
    )
    therapist = TherapistFactory(
        verified=True,
        user__first_name="Tom",
        user__last_name="Loper",
        profession=Therapist.Profession.PHYSIOTHERAPIST,
        organisation="Fysio Oost",
        certificate_number="RT-TEST-4242",
        city="Utrecht",
    )
    return ReferralFactory(
        patient=patient,
        therapist=therapist,
        gp=UserFactory(first_name="Anna", last_name="de Vries", practice=patient.practice),
        status=Status.IN_THERAPY,
        intake_date=INTAKE_DATE,
    )


@pytest.fixture
def intake_done(referral):
    Intake.objects.create(
        referral=referral,
        date=INTAKE_DATE,
        goals="Weer 5 km kunnen lopen.",
        plan="Twee keer per week groepstraining, opbouw volgens schema.",
        running_experience="Vroeger recreatief.",
        motivation="Hoog.",
        current_activity="Fietst naar het werk.",
        recorded_by=referral.therapist.user,
    )
    Screening.objects.create(
        referral=referral,
        date=INTAKE_DATE,
        resting_heart_rate=64,
        systolic=128,
        diastolic=82,
        height_cm=180,
        weight_kg=Decimal("81.0"),
        outcome=Screening.Outcome.RESTRICTED,
        restrictions="Geen intervaltraining de eerste vier weken.",
        recorded_by=referral.therapist.user,
    )
    return referral


@pytest.fixture
def end_report(intake_done):
    """Completed therapy: PHQ-9 15 -> 11 -> 8 (improved), GAD-7 10 -> 9 -> 7 (no change)."""
    referral = intake_done
    for week, phq, gad in ((0, 15, 10), (5, 11, 9), (10, 8, 7)):
        add_score(referral, "PHQ-9", week, phq)
        add_score(referral, "GAD-7", week, gad)
    add_session(referral, "attended", minutes_running=30, distance_km=Decimal("4.5"))
    add_session(referral, "attended", minutes_running=35, distance_km=Decimal("5.0"), mode="own")
    add_session(referral, "no_show")
    referral.status = Status.COMPLETED
    referral.follow_up_due = datetime.date(2026, 6, 2)
    referral.save()
    return add_report(
        referral,
        TherapyLetter.Kind.END,
        fitness_progress="Van 2 naar 6 km aaneengesloten.",
        runs_independently=TherapyLetter.Independence.YES,
        advice="Bespreek over drie maanden of het lopen is volgehouden.",
    )


# The three reports


def test_intake_report_shows_intake_screening_and_baseline_scores(intake_done):
    add_score(intake_done, "PHQ-9", 0, 14)
    add_score(intake_done, "GAD-7", 0, 11)
    report = add_report(intake_done, TherapyLetter.Kind.INTAKE)

    data = render_therapy_letter(report)
    flat = squash(pdf_text(data))

    assert data.startswith(b"%PDF")
    for value in (
        "Jan van der Berg",
        "17-05-1980",
        intake_done.patient.bsn,
        nl(TherapyLetter.Kind.INTAKE.label),
        "02-03-2026",  # intake date, week 0
        "Weer 5 km kunnen lopen.",
        "Twee keer per week groepstraining, opbouw volgens schema.",
        "Vroeger recreatief.",
        "Fietst naar het werk.",
        "128/82",
        "81,0",
        "25,0",  # BMI 81 / 1.8²
        nl(Screening.Outcome.RESTRICTED.label),
        "Geen intervaltraining de eerste vier weken.",
        f"14{nl('Moderate')}",  # PHQ-9 14: moderate
        f"11{nl('Moderate')}",  # GAD-7 11: moderate
        report.summary,
    ):
        assert squash(value) in flat, value


def test_progress_report_shows_attendance_and_change_since_week_0(intake_done):
    add_score(intake_done, "PHQ-9", 0, 14)
    add_score(intake_done, "PHQ-9", 5, 20)
    add_score(intake_done, "GAD-7", 0, 11)
    add_score(intake_done, "GAD-7", 5, 6)
    add_session(intake_done, "attended", minutes_running=25, distance_km=Decimal("3.5"))
    add_session(intake_done, "attended", minutes_running=40, distance_km=Decimal("6.0"))
    add_session(intake_done, "no_show")
    add_session(intake_done, "cancelled", minutes_running=99)  # not run: not counted
    report = add_report(intake_done, TherapyLetter.Kind.PROGRESS)

    flat = squash(pdf_text(render_therapy_letter(report)))

    assert squash("Jan van der Berg") in flat
    assert squash(nl(TherapyLetter.Kind.PROGRESS.label)) in flat
    assert squash(nl("%(minutes)s minutes") % {"minutes": 65}) in flat
    assert squash("9,5 km") in flat
    assert squash(f"{nl(CHANGE_LABELS[DETERIORATED])} (+6)") in flat  # PHQ-9 14 -> 20
    assert squash(f"{nl(CHANGE_LABELS[IMPROVED])} (-5)") in flat  # GAD-7 11 -> 6
    assert squash(report.summary) in flat
    # A session the patient called off reads as in the form and the running log ("Afgemeld"),
    # not as a cancelled referral ("Geannuleerd"), found in a try-out.
    assert squash("Afgemeld") in flat and squash("Geannuleerd") not in flat


def test_end_report_shows_scores_verdicts_chart_and_advice(end_report):
    text = pdf_text(render_therapy_letter(end_report))
    flat = squash(text)

    for value in (
        "Jan van der Berg",
        nl(TherapyLetter.Kind.END.label),
        # PHQ-9 15 -> 8 is a drop of 7 (threshold 6); GAD-7 10 -> 7 is 3 (threshold 4).
        f"{nl(CHANGE_LABELS[IMPROVED])} (-7)",
        f"{nl(CHANGE_LABELS[NO_CHANGE])} (-3)",
        nl("Total score"),  # the chart's axis label: the chart was drawn
        nl(TherapyLetter.Independence.YES.label),
        nl(Status.COMPLETED.label),
        "Van 2 naar 6 km aaneengesloten.",
        "Bespreek over drie maanden of het lopen is volgehouden.",
        "02-06-2026",  # follow-up due
        "65",  # minutes running
        "9,5 km",
        end_report.summary,
        "Tom Loper",
        "RT-TEST-4242",
    ):
        assert squash(value) in flat, value
    assert flat.count(squash(nl(CHANGE_LABELS[IMPROVED]))) == 1
    for total in ("15", "11", "8", "10", "9", "7"):
        assert total in text
    assert re.search(r"\b1/\d\b", text)


def test_end_report_of_a_stopped_therapy_gives_the_reason(end_report):
    referral = end_report.referral
    referral.status = Status.STOPPED
    referral.stop_reason = "Verhuisd naar het buitenland."
    referral.save()

    flat = squash(pdf_text(render_therapy_letter(end_report)))

    assert squash(nl(Status.STOPPED.label)) in flat
    assert squash("Verhuisd naar het buitenland.") in flat


@pytest.mark.parametrize("kind", list(TherapyLetter.Kind))
def test_report_without_intake_screening_or_scores_shows_dashes(referral, kind):
    report = add_report(referral, kind)

    data = render_therapy_letter(report)
    flat = squash(pdf_text(data))

    assert data.startswith(b"%PDF")
    assert squash("Jan van der Berg") in flat
    assert squash(nl(TherapyLetter.Kind(kind).label)) in flat
    if kind == TherapyLetter.Kind.INTAKE:
        assert squash(nl("Goals")) + "—" in flat
        assert squash(nl("Resting heart rate")) not in flat  # no screening: no values
    assert "PHQ-9—" in flat
    assert "GAD-7—" in flat
    assert squash(nl(CHANGE_LABELS[IMPROVED])) not in flat


def test_end_report_with_a_missing_week_5_still_compares_week_0_to_10(end_report):
    QuestionnaireResponse.objects.filter(referral=end_report.referral, week=5).delete()

    flat = squash(pdf_text(render_therapy_letter(end_report)))

    assert squash(f"{nl(CHANGE_LABELS[IMPROVED])} (-7)") in flat


def test_markup_in_free_text_is_printed_as_text_and_fetches_nothing(end_report, monkeypatch):
    requested: list[str] = []

    class RecordingFetcher(pdf.StaticOnlyFetcher):
        def fetch(self, url, headers=None):
            requested.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(pdf, "static_only_fetcher", RecordingFetcher())
    end_report.summary = f"summary{MARKUP}"
    end_report.advice = f"advice{MARKUP}"
    end_report.fitness_progress = f"fitness{MARKUP}"
    end_report.save()
    end_report.referral.therapist.organisation = f"org{MARKUP}"
    end_report.referral.therapist.save()

    flat = squash(pdf_text(render_therapy_letter(end_report)))

    for field in ("summary", "advice", "fitness", "org"):
        assert squash(f"{field}{MARKUP}") in flat, field
    assert set(requested) == STYLE_URLS


def test_intake_report_markup_in_intake_and_screening_is_text(intake_done):
    intake_done.intake.goals = f"goals{MARKUP}"
    intake_done.intake.save()
    intake_done.screening.restrictions = f"restr{MARKUP}"
    intake_done.screening.save()
    report = add_report(intake_done, TherapyLetter.Kind.INTAKE)

    flat = squash(pdf_text(render_therapy_letter(report)))

    assert squash(f"goals{MARKUP}") in flat
    assert squash(f"restr{MARKUP}") in flat


def test_report_is_dutch_whatever_the_active_language(end_report):
    dutch = nl("Date of birth")

    with translation.override("en"):
        text = pdf_text(render_therapy_letter(end_report))

    assert dutch != "Date of birth"
    assert dutch in text
    assert squash(nl(TherapyLetter.Kind.END.label)) in squash(text)


def test_letterhead_is_the_therapists_and_the_report_is_addressed_to_the_gp(end_report):
    flat = squash(pdf_text(render_therapy_letter(end_report)))

    assert squash("Fysio Oost") in flat
    assert squash("Anna de Vries") in flat
    assert squash("Huisartsenpraktijk Letterlaan") in flat
    assert squash(nl("AGB code")) not in flat  # the practice letterhead of the base stays hidden


def test_report_shows_a_safety_alert_of_its_weeks(end_report):
    response = QuestionnaireResponse.objects.get(
        referral=end_report.referral, instrument="PHQ-9", week=5
    )
    SafetyAlertFactory(response=response)

    flat = squash(pdf_text(render_therapy_letter(end_report)))

    assert squash(nl("Safety alert in week %(week)s:") % {"week": 5}) in flat


def test_end_report_says_who_acknowledged_the_alert_and_what_was_done(end_report):
    response = QuestionnaireResponse.objects.get(
        referral=end_report.referral, instrument="PHQ-9", week=5
    )
    colleague = UserFactory(
        role="gp", practice=end_report.referral.practice, first_name="Els", last_name="Collega"
    )
    SafetyAlertFactory(
        response=response,
        acknowledged_by=colleague,
        acknowledged_at=timezone.make_aware(datetime.datetime(2026, 4, 9, 11, 0)),
        acknowledgement_note="Patiënt gebeld, geen acuut gevaar, afspraak morgen",
    )

    flat = squash(pdf_text(render_therapy_letter(end_report)))

    acknowledged = nl("Acknowledged by %(name)s on %(when)s.") % {
        "name": "Els Collega",
        "when": "09-04-2026",
    }
    assert squash(acknowledged) in flat
    done = nl("What was done: %(note)s") % {
        "note": "Patiënt gebeld, geen acuut gevaar, afspraak morgen"
    }
    assert squash(done) in flat


def test_end_report_renders_in_reasonable_time(end_report):
    start = time.perf_counter()
    render_therapy_letter(end_report)
    assert time.perf_counter() - start < 10


# The chart

PHQ_GAD = {"PHQ-9": 27, "GAD-7": 21}


def chart(series, title="Scores") -> ET.Element:
    return ET.fromstring(score_chart_svg(series, max_values=PHQ_GAD, title=title))


def series_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-series"): g for g in root.iter(f"{SVG}g") if g.get("data-series")}


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def test_chart_is_well_formed_with_a_line_markers_and_legend_per_series():
    root = chart({"PHQ-9": [(0, 14), (5, 9), (10, 5)], "GAD-7": [(0, 11), (5, 8), (10, 6)]})

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    groups = series_groups(root)
    assert list(groups) == ["PHQ-9", "GAD-7"]
    for group in groups.values():
        assert len(group.findall(f"{SVG}path")) == 1
    assert len(groups["PHQ-9"].findall(f"{SVG}circle")) == 3
    assert len(groups["GAD-7"].findall(f"{SVG}rect")) == 3
    assert not groups["PHQ-9"].findall(f"{SVG}rect")
    dashes = {g.find(f"{SVG}path").get("stroke-dasharray") for g in groups.values()}
    assert len(dashes) == 2  # solid and dashed
    assert sorted(texts(groups["PHQ-9"])) == ["14", "5", "9"]
    assert sorted(texts(groups["GAD-7"])) == ["11", "6", "8"]
    legend = " ".join(texts(root))
    assert "PHQ-9 (0–27)" in legend
    assert "GAD-7 (0–21)" in legend
    assert {"0", "5", "10"} <= set(texts(root))


def test_chart_has_a_title_and_an_aria_label_with_all_values():
    with translation.override("en"):
        root = chart({"PHQ-9": [(0, 14), (5, 9), (10, 5)], "GAD-7": [(0, 11), (5, None)]})

    label = root.get("aria-label")
    assert root.find(f"{SVG}title").text == label
    assert label.startswith("Scores.")
    assert "PHQ-9: week 0: 14, week 5: 9, week 10: 5" in label
    assert "GAD-7: week 0: 11, week 5: no score" in label


def test_chart_escapes_its_text():
    nasty = 'Scores <&> "quoted" </svg><script>x</script>'
    markup = score_chart_svg(
        {"<b>&</b>": [(0, 3), (5, 4)]}, max_values={"<b>&</b>": 27}, title=nasty
    )
    root = ET.fromstring(markup)

    assert "<script>" not in markup
    assert "<b>" not in markup
    assert root.find(f"{SVG}title").text.startswith(nasty)
    assert root.get("aria-label").startswith(nasty)
    assert "<b>&</b> (0–27)" in texts(root)


def test_chart_leaves_a_gap_for_a_missing_week():
    root = chart({"PHQ-9": [(0, 14), (5, None), (10, 5)], "GAD-7": [(0, 11), (5, 8), (10, None)]})
    groups = series_groups(root)

    assert not groups["PHQ-9"].findall(f"{SVG}path")  # no two adjacent weeks: markers only
    assert len(groups["PHQ-9"].findall(f"{SVG}circle")) == 2
    gad_path = groups["GAD-7"].find(f"{SVG}path").get("d")
    assert gad_path.count("M") == 1 and gad_path.count("L") == 1

    root = chart({"PHQ-9": [(0, 14), (5, 10), (10, None)], "GAD-7": []})
    assert len(series_groups(root)["PHQ-9"].findall(f"{SVG}path")) == 1


def test_chart_with_an_all_missing_series_draws_only_its_legend():
    with translation.override("en"):
        root = chart({"PHQ-9": [(0, 14), (5, 9), (10, 5)], "GAD-7": [(0, None), (5, None)]})

    gad = series_groups(root)["GAD-7"]
    assert list(gad) == []
    assert "GAD-7 (0–21): no scores" in texts(root)
    assert "GAD-7: no scores" in root.get("aria-label")


def test_chart_refers_to_nothing_outside_itself():
    markup = score_chart_svg(
        {"PHQ-9": [(0, 14), (5, 9), (10, 5)]}, max_values={"PHQ-9": 27}, title="t"
    )

    for reference in ("href", "url(", "<use", "<image", "<script", "<style", "@import", " id="):
        assert reference not in markup
    assert 'font-family="DejaVu Sans, sans-serif"' in markup


def test_chart_keeps_out_of_range_values_inside_the_plot():
    root = chart({"PHQ-9": [(0, 40), (5, -3), (10, 0)]})
    circles = series_groups(root)["PHQ-9"].findall(f"{SVG}circle")
    ys = [float(c.get("cy")) for c in circles]
    height = float(root.get("height"))

    assert all(0 <= y <= height for y in ys)
    assert "40" in texts(root)  # the label keeps the real value
