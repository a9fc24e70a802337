"""The PDF letters: what they show, what they escape, and what they may fetch.

Until the Dutch strings are merged into the .po, fixed letter text may still be English, so the
assertions look at data (names, BSN, codes) rather than at the letters' own wording.
"""

import datetime
import hashlib
import io
import re
import unicodedata
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from pypdf import PdfReader

from accounts.models import GPProfile, Practice, User
from core import pdf
from patients.models import Patient
from referrals import letters, readiness
from referrals.icpc import Icpc
from referrals.models import FitnessCheck, Referral
from therapists.models import Therapist

STATIC_BASE = urljoin(pdf.LETTER_BASE_URL, settings.STATIC_URL)
FONT_URLS = {STATIC_BASE + "fonts/DejaVuSans.ttf", STATIC_BASE + "fonts/DejaVuSans-Bold.ttf"}
# What a letter may fetch: its shared stylesheet and the fonts that stylesheet names.
STYLE_URLS = {STATIC_BASE + "css/letter.css", *FONT_URLS}
FONT_FILE = Path(settings.BASE_DIR) / "static" / "fonts" / "DejaVuSans.ttf"

# Markup and resource references a GP might paste, by mistake or not.
FETCH_PAYLOAD = (
    '<img src="file:///etc/passwd">'
    '<img src="http://127.0.0.1:9/x.png">'
    '<link rel=stylesheet href="http://127.0.0.1:9/x.css">'
    '<div style="background: url(file:///etc/hostname)">x</div>'
)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    """NFC, without whitespace: long values wrap over lines wherever the layout breaks them."""
    return "".join(unicodedata.normalize("NFC", text).split())


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


class RecordingFetcher(pdf.StaticOnlyFetcher):
    """The real fetcher, noting every URL WeasyPrint asks for and whether it was served."""

    def __init__(self) -> None:
        super().__init__()
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            response = super().fetch(url, headers)
        except pdf.FetchRefused:
            self.refused.append(url)
            raise
        self.served.append(url)
        return response

    @property
    def requested(self) -> list[str]:
        return self.served + self.refused


@pytest.fixture
def recording_fetcher(monkeypatch) -> RecordingFetcher:
    fetcher = RecordingFetcher()
    monkeypatch.setattr(pdf, "static_only_fetcher", fetcher)
    return fetcher


@pytest.fixture
def letter_referral(db) -> Referral:
    """One referral with everything a letter shows, built with plain ORM creates."""
    practice = Practice.objects.create(
        name="Huisartsenpraktijk Letterlaan",
        agb_code="99990001",
        address="Letterlaan 1",
        postcode="1234 AB",
        city="Utrecht",
        phone="030-0000001",
    )
    gp = User.objects.create_user(
        "gp.letters@example.org",
        first_name="Anna",
        last_name="de Vries",
        role=User.Role.GP,
        practice=practice,
    )
    GPProfile.objects.create(user=gp, agb_code="99990002", big_number="19999999901")
    therapist_user = User.objects.create_user(
        "rt.letters@example.org",
        first_name="Tom",
        last_name="Loper",
        role=User.Role.THERAPIST,
    )
    therapist = Therapist.objects.create(
        user=therapist_user,
        profession=Therapist.Profession.PHYSIOTHERAPIST,
        organisation="Fysio Oost",
        certificate_number="RT-TEST-0001",
        certificate_date=datetime.date(2020, 1, 1),
        address="Looppad 2",
        postcode="1234 CD",
        city="Utrecht",
        phone="030-0000002",
    )
    patient = Patient.objects.create(
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
    referral = Referral.objects.create(
        patient=patient,
        practice=practice,
        gp=gp,
        therapist=therapist,
        consent_given=True,
        complaint=Icpc.P03,
        other_complaints=[Icpc.P06, Icpc.P01],
        complaint_notes="Somber sinds het voorjaar.",
        severity="moderate",
        uses_antidepressant=False,
        medication="Geen.",
        history="Burn-out in 2019.",
        question="Graag runningtherapie in een groep, drie keer per week als dat kan.",
        purpose="treatment",
        funding="health_insurer",
    )
    answers = {q.key: False for q in (*readiness.GENERAL, *readiness.DELAY)}
    answers |= {c.key: False for c in readiness.FOLLOW_UPS}
    answers |= {"q6": True, "f1": True, "f1a": False, "f1b": False, "f1c": False}
    FitnessCheck.objects.create(
        referral=referral,
        answers=answers,
        notes="Knie hersteld; rustig opbouwen. Loopt nu al af en toe.",
        checked_by=gp,
        checked_at=timezone.now(),
    )
    return Referral.objects.select_related("patient", "practice", "gp", "therapist__user").get(
        pk=referral.pk
    )


def test_letter_shows_patient_gp_practice_and_referral_data(letter_referral):
    text = pdf_text(letters.render_referral_letter(letter_referral))
    flat = squash(text)

    for value in (
        "Jan van der Berg",
        "111222333",
        "17-05-1980",
        "99990002",  # the GP's own AGB code
        "19999999901",
        "99990001",  # the practice's AGB code
        "Huisartsenpraktijk Letterlaan",
        "Tom Loper",
        "Fysio Oost",
        "P03",  # depressive complaints: the symptom the GP chose
        "P06",  # sleep problems, among the other complaints
        "Knie hersteld; rustig opbouwen.",
        "Loopt nu al af en toe.",
        letter_referral.question,
    ):
        assert squash(value) in flat, value
    assert re.search(r"\b1/[1-3]\b", text)


def test_letter_shows_the_activity_check_question_by_question(letter_referral):
    """Every general question, the follow-up conditions asked, the sub-questions of the "yes",
    pregnancy and illness: each with its answer, in the letter's (Dutch) text."""
    with translation.override("nl"):
        rows = [
            (squash(str(row["text"])), translation.gettext(row["answer"].capitalize()))
            for row in letter_referral.fitness_check.rows()
        ]
        outcome = translation.gettext(readiness.OUTCOME_LABELS[readiness.CLEARED])

    flat = squash(pdf_text(letters.render_referral_letter(letter_referral)))

    assert len(rows) == 7 + 10 + 3 + 2
    for text, answer in rows:
        assert text + squash(answer) in flat, text
    assert squash(outcome) in flat
    assert squash("Ja") in flat and squash("Nee") in flat


def test_letter_is_dutch_whatever_the_active_language(letter_referral):
    with translation.override("nl"):
        dutch_label = translation.gettext("Date of birth")

    with translation.override("en"):
        text = pdf_text(letters.render_referral_letter(letter_referral))

    assert dutch_label != "Date of birth"
    assert dutch_label in text


def test_letter_without_gp_profile_shows_a_dash(letter_referral):
    GPProfile.objects.filter(user=letter_referral.gp).delete()
    referral = Referral.objects.get(pk=letter_referral.pk)

    with translation.override("nl"):
        label = translation.gettext("Personal AGB code")

    text = pdf_text(letters.render_referral_letter(referral))

    assert "99990002" not in text
    assert squash(f"{label} —") in squash(text)


def test_letter_names_a_sender_who_is_not_the_signing_gp(letter_referral):
    colleague = User(email="colleague@example.org", first_name="Bart", last_name="Collega")

    own = pdf_text(letters.render_referral_letter(letter_referral, by=letter_referral.gp))
    on_behalf = pdf_text(letters.render_referral_letter(letter_referral, by=colleague))

    assert "Bart Collega" not in own
    assert "Bart Collega" in on_behalf


def test_letter_of_a_sent_referral_is_reproducible(letter_referral):
    letter_referral.sent_at = datetime.datetime(2026, 11, 26, 23, 30, tzinfo=datetime.UTC)

    first = letters.render_referral_letter(letter_referral)
    second = letters.render_referral_letter(letter_referral)

    assert first.startswith(b"%PDF")
    assert pdf.pdf_sha256(first) == pdf.pdf_sha256(second) == hashlib.sha256(first).hexdigest()
    assert "27-11-2026" in pdf_text(first)  # the sending date in Amsterdam, not in UTC


@pytest.mark.parametrize(
    ("first_name", "tussenvoegsel", "surname"),
    [
        ("IJsbrand", "van 't", "Hof-Çelik"),
        ("Zoë", "", "d'Ancona"),
        ("Maximiliaan", "", ("Wolfeschlegelsteinhausenbergerdorff" * 4)[:120]),
    ],
)
def test_long_and_non_ascii_names_render(letter_referral, first_name, tussenvoegsel, surname):
    patient = letter_referral.patient
    patient.first_name, patient.tussenvoegsel, patient.surname = first_name, tussenvoegsel, surname
    patient.save()

    letter = squash(pdf_text(letters.render_referral_letter(letter_referral)))
    sheet = squash(pdf_text(letters.render_information_sheet(letter_referral)))

    assert squash(patient.full_name) in letter
    assert squash(patient.full_name) in sheet


def test_markup_in_every_free_text_field_is_printed_as_text(letter_referral):
    def payload(field: str) -> str:
        return f"<script>alert('{field}')</script><b>bold</b>{field}"

    fields = {
        "question": letter_referral,
        "history": letter_referral,
        "medication": letter_referral,
        "complaint_notes": letter_referral,
        "notes": letter_referral.fitness_check,
        "clearance_note": letter_referral.fitness_check,
        "address": letter_referral.patient,
        "name": letter_referral.practice,
    }
    for field, obj in fields.items():
        setattr(obj, field, payload(field))
        obj.save()

    flat = squash(pdf_text(letters.render_referral_letter(letter_referral)))

    for field in fields:
        assert squash(payload(field)) in flat, field


def test_urls_in_free_text_are_not_fetched(letter_referral, recording_fetcher):
    referral = letter_referral
    for obj, field in [
        (referral, "question"),
        (referral, "history"),
        (referral, "medication"),
        (referral, "complaint_notes"),
        (referral.fitness_check, "notes"),
        (referral.fitness_check, "clearance_note"),
        (referral.patient, "address"),
        (referral.practice, "name"),
        (referral.therapist, "organisation"),
    ]:
        setattr(obj, field, FETCH_PAYLOAD)
        obj.save()

    letter = letters.render_referral_letter(referral)
    sheet = letters.render_information_sheet(referral)

    assert set(recording_fetcher.requested) == STYLE_URLS
    assert recording_fetcher.refused == []
    assert squash('<img src="file:///etc/passwd">') in squash(pdf_text(letter))
    assert squash("url(file:///etc/hostname)") in squash(pdf_text(sheet))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/x.png",
        "http://127.0.0.1:9/x.png",
        "https://example.org/static/fonts/DejaVuSans.ttf",  # our path, someone else's host
        "data:text/plain,hello",
        "/static/../config/settings.py",
        STATIC_BASE + "../config/settings.py",
        STATIC_BASE + "%2e%2e/config/settings.py",
        STATIC_BASE + "fonts/..%2f..%2fconfig/settings.py",
        STATIC_BASE + "fonts//DejaVuSans.ttf",
        STATIC_BASE,
        STATIC_BASE + "fonts",
        STATIC_BASE + "fonts/no-such-font.ttf",
        pdf.LETTER_BASE_URL + "config/settings.py",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.static_only_fetcher.fetch(url)


@pytest.mark.parametrize(
    "url", [STATIC_BASE + "fonts/DejaVuSans.ttf", "/static/fonts/DejaVuSans.ttf"]
)
def test_fetcher_serves_static_files(url):
    response = pdf.static_only_fetcher.fetch(url)
    try:
        assert response.read() == FONT_FILE.read_bytes()
    finally:
        response.close()


def test_raw_markup_that_reaches_weasyprint_still_cannot_fetch_files(recording_fetcher):
    """Defence in depth: even unescaped markup (a `mark_safe` bug) can load only static files."""
    raw = mark_safe(  # noqa: S308 - the point of the test
        '<base href="file:///etc/">'
        '<img src="file:///etc/passwd"><img src="passwd">'
        '<link rel="stylesheet" href="/static/../../etc/passwd">'
        '<style>@import url("http://127.0.0.1:9/x.css");'
        " p { background: url(file:///etc/hostname) }</style>"
        '<img src="/static/fonts/no-such.png">'
        "<p>Raw paragraph</p>"
    )
    html = Template("<!doctype html><html><body>{{ raw }}</body></html>").render(
        Context({"raw": raw})
    )

    result = pdf.html_to_pdf(html)

    assert result.startswith(b"%PDF")
    assert "Raw paragraph" in pdf_text(result)
    assert recording_fetcher.served == []
    assert {"file:///etc/passwd", "file:///etc/hostname", "http://127.0.0.1:9/x.css"} <= set(
        recording_fetcher.refused
    )


def test_render_pdf_skips_refused_resources_instead_of_failing(letter_referral, monkeypatch):
    monkeypatch.setattr(
        pdf, "render_to_string", lambda name, context: FETCH_PAYLOAD + "<p>Skipped</p>"
    )

    result = pdf.render_pdf("letters/referral_letter.html", {})

    assert "Skipped" in pdf_text(result)


def test_information_sheet_is_one_page_with_therapist_and_without_bsn(letter_referral):
    sheet = letters.render_information_sheet(letter_referral)
    text = pdf_text(sheet)

    assert page_count(sheet) == 1
    for value in ("Jan van der Berg", "Tom Loper", "030-0000002", "Fysio Oost"):
        assert value in text
    assert "111222333" not in squash(text)
    assert "17-05-1980" not in text
    assert "P76" not in text
    assert "Knie" not in text
