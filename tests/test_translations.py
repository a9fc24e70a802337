"""Dutch is the default language: every message must have a Dutch translation."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_every_message_has_a_dutch_translation():
    catalogue = polib.pofile(str(LOCALE / "nl" / "LC_MESSAGES" / "django.po"))
    missing = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and (
            "fuzzy" in entry.flags
            or (not entry.msgid_plural and not entry.msgstr.strip())
            or (entry.msgid_plural and not all(v.strip() for v in entry.msgstr_plural.values()))
        )
    ]
    assert missing == [], f"{len(missing)} messages have no Dutch translation: {missing[:20]}"


def test_dutch_translations_keep_their_placeholders():
    catalogue = polib.pofile(str(LOCALE / "nl" / "LC_MESSAGES" / "django.po"))

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}")
    for entry in catalogue:
        if entry.obsolete or not entry.msgstr:
            continue
        assert sorted(placeholder.findall(entry.msgid)) == sorted(
            placeholder.findall(entry.msgstr)
        ), entry.msgid


def test_the_compiled_catalogue_is_current():
    """The committed .mo matches the .po: what you read in the .po is what users see."""
    catalogue = polib.pofile(str(LOCALE / "nl" / "LC_MESSAGES" / "django.po"))
    compiled = polib.mofile(str(LOCALE / "nl" / "LC_MESSAGES" / "django.mo"))
    in_mo = {entry.msgid: entry.msgstr for entry in compiled}
    for entry in catalogue:
        if entry.obsolete or entry.msgid_plural or "fuzzy" in entry.flags or not entry.msgstr:
            continue
        assert in_mo.get(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.parametrize(
    ("english", "dutch"),
    [("My referrals", "Mijn verwijzingen"), ("Referral letter", "Verwijsbrief")],
)
def test_dutch_is_what_the_app_speaks(english, dutch):
    with translation.override("nl"):
        assert translation.gettext(english) == dutch
