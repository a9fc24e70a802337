"""The PDF engine: Django templates rendered by WeasyPrint, with a fetcher that reads only our
own static files. Nothing of the domain: the letters that use it live with their apps.

Everything a letter shows comes from its record and is autoescaped by the template engine, so
free text can never become markup. The fetcher is the second wall: even markup that did reach
WeasyPrint (a template bug, a `mark_safe` in the wrong place) can load nothing but files that
Django's staticfiles finders know about. No network, no filesystem paths, no `data:` URLs (the
letters need none, and one rule, "only our static files", is easier to check than exceptions).
"""

import datetime
import functools
import hashlib
import mimetypes
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .exceptions import DomainError

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


class PdfTooSlow(DomainError):
    """Rendering one document took longer than settings.PDF_RENDER_SECONDS."""


def _too_slow() -> "PdfTooSlow":
    return PdfTooSlow(
        _("This document took too long to make. Shorten the longest texts and try again.")
    )


@contextmanager
def _time_limit(seconds: float):
    """Stop the block with PdfTooSlow after `seconds`, by SIGALRM. Only in the main thread, where
    a gunicorn sync worker serves its requests; elsewhere (runserver's threads) no limit.

    The alarm's exception can land inside a library's own `except Exception` and be swallowed
    (seen in a loaded test run: the letter was rendered and sent anyway), so the block is also
    refused afterwards when the alarm went off while it ran."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def expired(signum, frame):
        fired.append(True)
        raise _too_slow()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise _too_slow()


def html_to_pdf(html: str, *, stylesheet: str | None = None) -> bytes:
    """WeasyPrint with the static-only fetcher; `/static/...` URLs resolve against the base.
    `stylesheet`: a static CSS file (e.g. LETTER_STYLESHEET) applied as an author stylesheet.
    Raises PdfTooSlow past settings.PDF_RENDER_SECONDS (found by the attacker: a 1 MB text took
    12 s and made 191 pages; core.limits bounds the texts, this bounds the time)."""
    document = HTML(string=html, base_url=LETTER_BASE_URL, url_fetcher=static_only_fetcher)
    with _time_limit(settings.PDF_RENDER_SECONDS):
        if stylesheet is None:
            return document.write_pdf()
        css, font_config = _stylesheet(stylesheet, static_only_fetcher)
        return document.write_pdf(stylesheets=[css], font_config=font_config)


def render_pdf(template_name: str, context: dict, *, stylesheet: str | None = None) -> bytes:
    """A Django template (autoescaped) as PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context), stylesheet=stylesheet)


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dutch_date(value: datetime.date | None) -> str:
    """27-11-2026, whatever the active locale's date format."""
    return value.strftime("%d-%m-%Y") if value else EMPTY
