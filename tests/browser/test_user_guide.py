"""The screenshots of docs/user-guide.md, taken from the demo data, and a check that the guide
shows exactly these.

`make guide` (LOOPBAAN_GUIDE_SCREENSHOTS=1) rewrites the PNGs; the normal test run only checks
that every image the guide links to exists, so it never changes committed files.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from referrals.models import Referral, Status

from .conftest import sign_in
from .site_pages import DEMO_USERS, PASSWORD, World, demo_world, page_url, referral_seen_by

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "user-guide.md"
IMAGES = ROOT / "docs" / "user-guide"
WRITE = os.environ.get("LOOPBAAN_GUIDE_SCREENSHOTS") == "1"

DESKTOP = (1280, 800)
PHONE = (390, 844)


def detail(role: str, status: str) -> Callable[[World], str]:
    return lambda w: reverse("referrals:detail", args=[referral_seen_by(role, status, w).pk])


def named(name: str) -> Callable[[World], str]:
    return lambda w: page_url(name, w)


def patient_without_open_referral(w: World) -> str:
    referral = referral_seen_by("gp", Status.FOLLOWED_UP, w)
    return reverse("patients:detail", args=[referral.patient_id])


def group_session(w: World) -> str:
    return reverse("therapy:session_group")


@dataclass(frozen=True)
class Shot:
    file: str
    role: str
    url: Callable[[World], str]
    size: tuple[int, int] = DESKTOP
    full_page: bool = False


# In the order of each role's journey; the therapist works on a phone at the track.
SHOTS = [
    Shot("inloggen.png", "anonymous", lambda w: reverse("accounts:login")),
    Shot("huisarts-werklijst.png", "gp", named("referrals:worklist")),
    Shot("huisarts-nieuwe-collegas.png", "gp", named("accounts:colleagues")),
    Shot("huisarts-patienten.png", "gp", named("patients:list")),
    Shot("huisarts-patient.png", "gp", patient_without_open_referral),
    Shot("huisarts-verwijzing-invullen.png", "gp", named("referrals:edit")),
    Shot("huisarts-lichamelijke-check.png", "gp", named("referrals:fitness")),
    Shot("huisarts-therapeut-kiezen.png", "gp", named("referrals:therapist")),
    Shot("huisarts-verwijzing-in-behandeling.png", "gp", detail("gp", Status.IN_THERAPY)),
    Shot("huisarts-nacontrole.png", "gp", named("referrals:follow_up")),
    Shot("huisarts-patient-corrigeren.png", "gp", named("patients:correct")),
    Shot("therapeut-clienten.png", "therapist", named("referrals:incoming"), PHONE),
    Shot("therapeut-nieuwe-verwijzing.png", "therapist", detail("therapist", Status.SENT), PHONE),
    Shot("therapeut-intake.png", "therapist", named("therapy:intake"), PHONE),
    Shot("therapeut-screening.png", "therapist", named("therapy:screening"), PHONE),
    Shot("therapeut-vragenlijst.png", "therapist", named("outcomes:enter"), PHONE),
    Shot("therapeut-sessie.png", "therapist", named("therapy:session_add"), PHONE),
    Shot("therapeut-groepssessie.png", "therapist", group_session, PHONE),
    Shot("therapeut-groepen.png", "therapist", named("therapy:groups"), PHONE),
    Shot("therapeut-terugrapportage.png", "therapist", named("therapy:letter_back"), PHONE),
    Shot("therapeut-afsluiten.png", "therapist", named("therapy:close"), PHONE),
    Shot("therapeut-correctie.png", "therapist", named("therapy:session_correct"), PHONE),
    Shot("therapeut-profiel.png", "therapist", named("therapists:profile"), PHONE),
    Shot("praktijkmanager-rapportages.png", "manager", named("dashboard:page")),
    Shot("praktijkmanager-cijfers.png", "manager", named("dashboard:page"), full_page=True),
]


def images_in_guide() -> list[str]:
    """The files the guide shows, relative to docs/user-guide/."""
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", GUIDE.read_text(encoding="utf-8"))
    return [link.removeprefix("user-guide/") for link in links]


def test_every_image_the_guide_shows_exists():
    missing = [name for name in images_in_guide() if not (IMAGES / name).is_file()]
    assert not missing, f"run `make guide`: missing {missing}"


def test_the_guide_shows_every_screenshot_and_nothing_else():
    assert sorted(images_in_guide()) == sorted(shot.file for shot in SHOTS)
    assert sorted(p.name for p in IMAGES.glob("*.png")) == sorted(shot.file for shot in SHOTS)


@pytest.mark.guide
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not WRITE, reason="set LOOPBAAN_GUIDE_SCREENSHOTS=1 (make guide)")
def test_take_the_user_guide_screenshots(new_page):
    call_command("seed_demo", "--no-documents")
    world = demo_world()
    IMAGES.mkdir(parents=True, exist_ok=True)
    pages = {}
    for shot in SHOTS:
        key = (shot.role, shot.size)
        if key not in pages:
            pages[key] = new_page(*shot.size)
            if shot.role != "anonymous":
                sign_in(pages[key], DEMO_USERS[shot.role], PASSWORD)
        page = pages[key]
        url = shot.url(world)
        response = page.goto(url)
        assert response.ok and page.url.endswith(url), f"{shot.file}: {url} -> {page.url}"
        path = IMAGES / shot.file
        page.screenshot(path=path, full_page=shot.full_page, animations="disabled")
        shrink(path)
    assert Referral.objects.exists()


def shrink(path: Path) -> None:
    """256 colours are plenty for a screenshot of a web page, at about a third of the bytes."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
