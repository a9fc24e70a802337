"""No form offers Django's "---------" as a radio button (issue 17: it was a selectable,
pre-selected answer for the sex, the screening's outcome and the follow-up). Every page of every
role in the demo data is opened; a radio button with an empty value must have a label of its
own (as the group session's "not in this group" has), never the dashes."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from .browser.site_pages import DEMO_USERS, demo_world, pages_for

pytestmark = pytest.mark.django_db

RADIO = re.compile(r"<input\b[^>]*\btype=\"radio\"[^>]*>")


def label_of(html: str, radio: str) -> str:
    match = re.search(r'\bid="([^"]+)"', radio)
    if not match:
        return ""
    label = re.search(
        rf'<label[^>]*for="{re.escape(match.group(1))}"[^>]*>(.*?)</label>', html, re.S
    )
    return re.sub(r"<[^>]+>|\s+", " ", label.group(1)).strip() if label else ""


def test_no_radio_button_is_a_blank_choice():
    call_command("seed_demo", "--no-documents")
    world = demo_world()
    found, opened = [], 0
    for role in DEMO_USERS:
        client = Client()
        client.force_login(world.users[role])
        for page in pages_for(role, world):
            response = client.get(page.url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            opened += 1
            html = response.content.decode()
            for radio in RADIO.findall(html):
                if re.search(r'\bvalue=""', radio) and label_of(html, radio).strip("- ") == "":
                    found.append(f"{role} {page}: {radio}")
    assert opened > 30
    assert found == []
