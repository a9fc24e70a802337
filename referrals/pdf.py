"""Letters as PDF: Django templates rendered by WeasyPrint, with a fetcher that reads only our
own static files.

Everything a letter shows comes from the referral and is autoescaped by the template engine, so
free text can never become markup. The fetcher is the second wall: even markup that did reach
WeasyPrint (a template bug, a `mark_safe` in the wrong place) can load nothing but files that
Django's staticfiles finders know about. No network, no filesystem paths, no `data:` URLs (the
letters need none, and one rule, "only our static files", is easier to check than exceptions).
"""

import datetime
import functools
import hashlib
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from accounts.models import Practice, User
from patients.models import Patient
from therapists.models import Therapist

from .models import ICPC_CODES, Complaint, FitnessCheck, Referral

# Relative URLs in letters resolve against this origin. `.invalid` is reserved (RFC 2606): it
# can never be looked up, so even a fetcher bug could not reach a real host through it.
LETTER_BASE_URL = "https://loopbaan.invalid/"
LETTER_LANGUAGE = "nl"
# The style every template extending letters/base_letter.html is rendered with.
LETTER_STYLESHEET = "css/letter.css"
LETTER_TIME_ZONE = ZoneInfo("Europe/Amsterdam")
EMPTY = "—"


class FetchRefused(ValueError):
    """A letter asked for something outside the app's static files.

    WeasyPrint catches any exception from a fetcher (except `FatalURLFetchingError`), logs it
    and skips the resource, so a refused image or stylesheet never turns into a 500.
    """


def _static_prefix() -> tuple[str, str, str]:
    """(scheme, host, path) of STATIC_URL as seen from a letter."""
    parts = urlsplit(urljoin(LETTER_BASE_URL, settings.STATIC_URL))
    return parts.scheme, parts.netloc.lower(), parts.path


def static_relative_path(url: str) -> str:
    """The staticfiles path a letter URL points at, or FetchRefused.

    Accepts `<LETTER_BASE_URL origin><STATIC_URL>path` and the bare `<STATIC_URL>path`; refuses
    every other scheme or host, empty, `.` and `..` segments (also percent-encoded), backslashes
    and NUL bytes. The URL is deliberately not normalised first: a `..` is refused, not resolved.
    """
    parts = urlsplit(url)
    scheme, host, prefix = _static_prefix()
    origin = (parts.scheme.lower(), parts.netloc.lower())
    if origin not in {(scheme, host), ("", "")} or not parts.path.startswith(prefix):
        raise FetchRefused(f"Not a static file of this app: {url!r}")
    relative = unquote(parts.path[len(prefix) :])
    segments = relative.split("/")
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or any(segment in {"", ".", ".."} for segment in segments)
    ):
        raise FetchRefused(f"Not a plain static path: {url!r}")
    return relative


class StaticOnlyFetcher(URLFetcher):
    """Serves files found by Django's staticfiles finders under STATIC_URL; refuses the rest.

    WeasyPrint (>= 68) takes a `URLFetcher` instance whose `fetch(url, headers)` returns a
    `URLFetcherResponse`. Nothing here calls `super().fetch`, so urllib's handlers are never used.
    """

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        relative = static_relative_path(url)
        found = finders.find(relative)
        if not found or not Path(found).is_file():
            raise FetchRefused(f"No such static file: {relative!r}")
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, Path(found).read_bytes(), headers={"Content-Type": content_type}
        )


# Module level so tests can patch it with a recording fetcher; it holds no per-request state.
static_only_fetcher = StaticOnlyFetcher()


@functools.lru_cache(maxsize=8)
def _stylesheet(path: str, fetcher: URLFetcher) -> tuple[CSS, FontConfiguration]:
    """A static stylesheet parsed once, with its @font-face fonts loaded once, per fetcher.

    Parsing the letter style and loading two fonts took about a sixth of every letter's render
    time (bench/letter_bench.py). Keyed by the fetcher, so a test's recording fetcher sees the
    fetches made for it.
    """
    font_config = FontConfiguration()
    url = urljoin(LETTER_BASE_URL, settings.STATIC_URL + path)
    return CSS(url=url, url_fetcher=fetcher, font_config=font_config), font_config


def html_to_pdf(html: str, *, stylesheet: str | None = None) -> bytes:
    """WeasyPrint with the static-only fetcher; `/static/...` URLs resolve against the base.
    `stylesheet`: a static CSS file (e.g. LETTER_STYLESHEET) applied as an author stylesheet."""
    document = HTML(string=html, base_url=LETTER_BASE_URL, url_fetcher=static_only_fetcher)
    if stylesheet is None:
        return document.write_pdf()
    css, font_config = _stylesheet(stylesheet, static_only_fetcher)
    return document.write_pdf(stylesheets=[css], font_config=font_config)


def render_pdf(template_name: str, context: dict, *, stylesheet: str | None = None) -> bytes:
    """A Django template (autoescaped) as PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context), stylesheet=stylesheet)


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Context building: one small function per block of the letter.


def dutch_date(value: datetime.date | None) -> str:
    """27-11-2026, whatever the active locale's date format."""
    return value.strftime("%d-%m-%Y") if value else EMPTY


def letter_date(referral: Referral) -> str:
    """The date the letter was sent, or today's date for a draft, in Amsterdam."""
    moment = referral.sent_at or timezone.now()
    return dutch_date(timezone.localtime(moment, LETTER_TIME_ZONE).date())


def practice_context(practice: Practice) -> dict:
    return {
        "name": practice.name,
        "address": practice.address,
        "postcode": practice.postcode,
        "city": practice.city,
        "phone": practice.phone,
        "agb_code": practice.agb_code,
    }


def therapist_context(therapist: Therapist | None) -> dict | None:
    if therapist is None:
        return None
    return {
        "name": therapist.user.get_full_name() or therapist.user.email,
        "profession": therapist.get_profession_display(),
        "organisation": therapist.organisation,
        "address": therapist.address,
        "postcode": therapist.postcode,
        "city": therapist.city,
        "phone": therapist.phone,
        "email": therapist.user.email,
    }


def patient_context(patient: Patient) -> dict:
    return {
        "full_name": patient.full_name,
        "initials": patient.initials,
        "bsn": patient.bsn,
        "date_of_birth": dutch_date(patient.date_of_birth),
        "sex": patient.get_sex_display(),
        "address": patient.address,
        "postcode": patient.postcode,
        "city": patient.city,
    }


def gp_context(gp: User) -> dict:
    try:
        profile = gp.gp_profile
    except ObjectDoesNotExist:
        profile = None
    return {
        "name": gp.get_full_name() or gp.email,
        "agb_code": profile.agb_code if profile else EMPTY,
        "big_number": profile.big_number if profile else EMPTY,
    }


def complaint_entry(value: str) -> dict:
    """A complaint as label and ICPC code; unknown stored values are shown as they are."""
    try:
        complaint = Complaint(value)
    except ValueError:
        return {"label": value, "icpc": ""}
    return {"label": complaint.label, "icpc": ICPC_CODES.get(complaint, "")}


def complaints_context(referral: Referral) -> dict:
    others = [v for v in referral.other_complaints or [] if v and v != referral.complaint]
    return {
        "main": complaint_entry(referral.complaint) if referral.complaint else None,
        "notes": referral.complaint_notes,
        "others": [complaint_entry(value) for value in others],
    }


def fitness_context(referral: Referral) -> dict | None:
    """The readiness screen: the questions answered yes, the clearance and the notes."""
    try:
        check: FitnessCheck = referral.fitness_check
    except ObjectDoesNotExist:
        return None
    yes = [str(text) for _name, text, answer in check.answers() if answer]
    return {
        "any_yes": bool(yes),
        "yes_questions": yes,
        "clearance_note": check.clearance_note,
        "notes": check.notes,
        "checked_on": dutch_date(timezone.localtime(check.checked_at, LETTER_TIME_ZONE).date())
        if check.checked_at
        else EMPTY,
    }


def antidepressant_answer(referral: Referral) -> str:
    """'yes', 'no' or 'unknown': the template translates the word."""
    return {True: "yes", False: "no"}.get(referral.uses_antidepressant, "unknown")


def sender_name(referral: Referral, by: User | None) -> str:
    """Who sent the letter, when that is not the GP who signs it (a colleague, an assistant)."""
    if by is None or by == referral.gp:
        return ""
    return by.get_full_name() or by.email


def referral_letter_context(referral: Referral, *, by: User | None = None) -> dict:
    return {
        "practice": practice_context(referral.practice),
        "addressee": therapist_context(referral.therapist),
        "letter_date": letter_date(referral),
        "patient": patient_context(referral.patient),
        "gp": gp_context(referral.gp),
        "sent_by": sender_name(referral, by),
        "complaints": complaints_context(referral),
        "question": referral.question,
        "severity": referral.get_severity_display(),
        "purpose": referral.get_purpose_display(),
        "funding": referral.get_funding_display(),
        "urgency": referral.get_urgency_display(),
        "fitness": fitness_context(referral),
        "history": referral.history,
        "medication": referral.medication,
        "antidepressant": antidepressant_answer(referral),
        "consent_given": referral.consent_given,
    }


def information_sheet_context(referral: Referral) -> dict:
    """Only what the patient needs: their name, the therapist and the practice. No BSN."""
    return {
        "practice": practice_context(referral.practice),
        "patient_name": referral.patient.full_name,
        "therapist": therapist_context(referral.therapist),
    }


def render_referral_letter(referral: Referral, *, by: User | None = None) -> bytes:
    """The verwijsbrief, in Dutch whatever language the request runs in."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            "letters/referral_letter.html",
            referral_letter_context(referral, by=by),
            stylesheet=LETTER_STYLESHEET,
        )


def render_information_sheet(referral: Referral) -> bytes:
    """One page for the patient, in plain Dutch, about running therapy and their therapist."""
    with translation.override(LETTER_LANGUAGE):
        return render_pdf(
            "letters/information_sheet.html",
            information_sheet_context(referral),
            stylesheet=LETTER_STYLESHEET,
        )
