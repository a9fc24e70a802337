"""PHQ-9 and GAD-7 complete: the functioning ("how difficult") question stored and shown, the
attribution line on the form, the pages and the letters, the Dutch text as checked, and old
responses (version 1, no functioning answer) still read."""

import io
import unicodedata
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from pypdf import PdfReader

from outcomes import instruments
from outcomes.instruments import ATTRIBUTION, GAD7, INSTRUMENTS, PHQ9
from outcomes.models import QuestionnaireResponse
from referrals.models import Status
from therapy.letters import render_therapy_letter
from therapy.models import TherapyLetter

from .factories import PatientFactory, QuestionnaireResponseFactory, ReferralFactory

pytestmark = pytest.mark.django_db

INTAKE = date(2026, 3, 2)
DUTCH_ATTRIBUTION = (
    "PHQ-9 en GAD-7: © Pfizer Inc., ontwikkeld door drs. R.L. Spitzer, J.B.W. Williams,"
    " K. Kroenke e.a.; vrij te gebruiken"
)
DUTCH_FUNCTIONING = (
    "Als u een of meer van deze problemen hebt aangekruist, hoe moeilijk was het dan voor u om"
    " door deze problemen uw werk te doen, het huishouden te doen of met andere mensen om te"
    " gaan?"
)


def squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


@pytest.fixture
def in_therapy(gp, therapist):
    return ReferralFactory(
        patient=PatientFactory(practice=gp.practice),
        gp=gp,
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=INTAKE,
    )


def enter(client, referral, data, code="PHQ-9"):
    return client.post(reverse("outcomes:enter", args=[referral.pk, code, 0]), data)


def items(n: int, value: int = 1) -> dict:
    return {f"item_{i + 1}": str(value) for i in range(n)} | {"completed_on": INTAKE.isoformat()}


# --- The instruments -------------------------------------------------------------------------


def test_the_texts_are_the_checked_dutch_netherlands_translation():
    """Pinned against the official Dutch (Netherlands) PHQ-9 and GAD-7 (Pfizer)."""
    with translation.override("nl"):
        phq = [str(item) for item in PHQ9.items]
        gad = [str(item) for item in GAD7.items]
        options = [str(option) for option in PHQ9.options]
        difficulty = [str(option) for option in PHQ9.functioning_options]
        functioning = {str(PHQ9.functioning), str(GAD7.functioning)}
        attribution = str(ATTRIBUTION)
        phq_question = str(PHQ9.question)
    assert phq_question == (
        "Hoe vaak heeft u in de afgelopen 2 weken last gehad van een of meer van de volgende"
        " problemen?"
    )
    assert phq[0] == "Weinig interesse of plezier in het doen van dingen"
    assert phq[8] == (
        "Gedachten dat u beter dood zou kunnen zijn of gedachten om uzelf op een of andere"
        " manier pijn te doen"
    )
    assert gad[1] == (
        "Niet in staat zijn om te stoppen met piekeren of om het piekeren onder controle te houden"
    )
    assert options == [
        "Helemaal niet",
        "Meerdere dagen",
        "Meer dan de helft van de dagen",
        "Bijna elke dag",
    ]
    assert difficulty == [
        "Helemaal niet moeilijk",
        "Enigszins moeilijk",
        "Zeer moeilijk",
        "Extreem moeilijk",
    ]
    assert functioning == {DUTCH_FUNCTIONING}
    assert attribution == DUTCH_ATTRIBUTION


def test_the_version_names_its_source_and_the_functioning_question_is_not_scored():
    assert PHQ9.version == GAD7.version == "2"
    assert "phqscreeners.com" in PHQ9.source and "Dutch (Netherlands)" in PHQ9.source
    assert PHQ9.score([3] * 9).total == 27  # the functioning answer is no item
    assert PHQ9.clean_difficulty("2") == 2 and PHQ9.clean_difficulty("") is None
    for bad in ("4", "-1", "x", True):
        with pytest.raises(ValueError):
            PHQ9.clean_difficulty(bad)


# --- Entering -------------------------------------------------------------------------------


def test_the_form_asks_the_functioning_question_and_shows_the_attribution(
    in_therapy, therapist, client_for
):
    html = (
        dutch(client_for(therapist))
        .get(reverse("outcomes:enter", args=[in_therapy.pk, "GAD-7", 0]))
        .content.decode()
    )

    assert escape(DUTCH_FUNCTIONING) in html
    assert "Extreem moeilijk" in html
    assert escape(DUTCH_ATTRIBUTION) in html


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7"])
def test_the_functioning_answer_is_stored(code, in_therapy, therapist, client_for):
    n = len(INSTRUMENTS[code].items)
    response = enter(client_for(therapist), in_therapy, items(n) | {"difficulty": "1"}, code)

    assert response.status_code == 302
    stored = QuestionnaireResponse.objects.get(referral=in_therapy, instrument=code)
    assert (stored.difficulty, stored.total, stored.instrument_version) == (1, n, "2")


def test_the_functioning_question_may_be_left_blank(in_therapy, therapist, client_for):
    response = enter(client_for(therapist), in_therapy, items(9, 0))

    assert response.status_code == 302
    assert QuestionnaireResponse.objects.get().difficulty is None


def test_a_wrong_functioning_answer_is_refused_next_to_it(in_therapy, therapist, client_for):
    response = enter(client_for(therapist), in_therapy, items(9) | {"difficulty": "9"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"difficulty"}
    assert not QuestionnaireResponse.objects.exists()


# --- Shown ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["gp", "therapist"])
def test_the_referral_page_shows_the_functioning_answer_and_the_attribution(
    who, request, in_therapy, client_for
):
    QuestionnaireResponseFactory(
        referral=in_therapy, instrument="PHQ-9", week=0, answers=[1] * 9, difficulty=2
    )
    user = request.getfixturevalue(who)
    html = dutch(client_for(user)).get(reverse("referrals:detail", args=[in_therapy.pk]))
    html = html.content.decode()

    assert "Hoe moeilijk: Zeer moeilijk" in html
    assert escape(DUTCH_ATTRIBUTION) in html


def test_an_old_response_without_the_question_still_reads(in_therapy, gp, client_for):
    old = QuestionnaireResponseFactory(
        referral=in_therapy,
        instrument="GAD-7",
        instrument_version="1",
        week=0,
        answers=[2, 2, 2, 2, 2, 1, 1],
        difficulty=None,
    )

    assert old.difficulty_label == ""
    html = dutch(client_for(gp)).get(reverse("referrals:detail", args=[in_therapy.pk]))
    assert html.status_code == 200
    assert "Hoe moeilijk" not in html.content.decode()


def test_the_letter_back_shows_the_functioning_answer_and_the_attribution(in_therapy):
    for code, answers, difficulty in (("PHQ-9", [2] * 9, 3), ("GAD-7", [1] * 7, None)):
        instrument = INSTRUMENTS[code]
        score = instrument.score(answers)
        QuestionnaireResponseFactory(
            referral=in_therapy,
            instrument=code,
            week=0,
            answers=answers,
            total=score.total,
            band=score.band,
            difficulty=difficulty,
            completed_on=INTAKE + timedelta(days=1),
        )
    letter = TherapyLetter.objects.create(
        referral=in_therapy,
        kind=TherapyLetter.Kind.INTAKE,
        summary="Gaat goed.",
        written_by=in_therapy.therapist.user,
    )

    data = render_therapy_letter(letter)
    text = squash("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))

    assert squash("Hoe moeilijk: Extreem moeilijk") in text
    assert text.count(squash("Hoe moeilijk:")) == 1  # GAD-7 left it blank
    assert squash(DUTCH_ATTRIBUTION) in text


def test_the_instruments_module_keeps_the_attribution_in_one_place():
    assert instruments.ATTRIBUTION is ATTRIBUTION
