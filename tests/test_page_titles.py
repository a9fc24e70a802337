"""Every page says where you are: a <title> of its own, the first heading in it."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from .browser.site_pages import ROLES, demo_world, pages_for

pytestmark = pytest.mark.django_db

SITE = " · Loopbaan"


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_every_page_of_every_role_has_a_title_of_its_own():
    call_command("seed_demo", "--no-documents", stdout=StringIO())
    world = demo_world()
    problems = []
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        titles: dict[str, str] = {}
        for page in pages_for(role, world):
            title = title_of(client.get(page.url).text)
            if not title.endswith(SITE) or not title.removesuffix(SITE).strip():
                problems.append(f"{role} {page}: {title!r} does not say where you are")
            if page.label:
                continue  # the same page in another state
            if title in titles.values():
                problems.append(f"{role} {page}: {title!r} is also the title of another page")
            titles[page.name] = title
    assert not problems, "\n".join(problems)
