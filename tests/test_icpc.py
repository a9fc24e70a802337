"""ICPC chosen by the GP: the codes as chosen, on the form, the page and the letter, and the
data migration that moved the old complaint words to the codes the GP meant."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from referrals import letters
from referrals.forms import ReferralForm
from referrals.icpc import Icpc, icpc_entry, secondary_codes
from referrals.models import Referral, Status
from tests.factories import PatientFactory, ReferralFactory, referral_of


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def dutch(code: str) -> str:
    with translation.override("nl"):
        return str(Icpc(code).label)


def test_the_dutch_labels_are_the_nhg_titles():
    with translation.override("nl"):
        labels = {code.value: str(code.label) for code in Icpc}
    assert labels == {
        "P01": "Angstig/nerveus/gespannen gevoel",
        "P02": "Acute stressreactie",
        "P03": "Down/depressief gevoel",
        "P06": "Slaapstoornis/slapeloosheid",
        "P29": "Andere psychische symptomen/klachten",
        "P74": "Angststoornis/angsttoestand",
        "P76": "Depressie",
        "P78": "Overspanning/burn-out",
    }


def test_an_unknown_stored_value_is_shown_as_it_is_never_as_a_code():
    assert icpc_entry("depressive") == {"code": "depressive", "label": ""}
    assert secondary_codes("P03", ["P03", "P06", "P06", "", "P01"]) == ["P06", "P01"]


@pytest.mark.django_db
def test_the_letter_prints_p03_as_chosen_and_never_p76(gp, therapist):
    referral = referral_of(
        gp,
        therapist,
        complaint=Icpc.P03,
        other_complaints=[Icpc.P06, Icpc.P03],
    )
    text = pdf_text(letters.render_referral_letter(referral))

    assert f"P03 {dutch('P03')}" in text
    assert f"P06 {dutch('P06')}" in text
    assert "P76" not in text


@pytest.mark.django_db
def test_a_diagnosis_the_gp_chose_is_printed_as_chosen(gp, therapist):
    referral = referral_of(
        gp,
        therapist,
        complaint=Icpc.P76,
        other_complaints=[Icpc.P74],
    )
    text = pdf_text(letters.render_referral_letter(referral))

    assert "P76 Depressie" in text
    assert f"P74 {dutch('P74')}" in text
    assert "P03" not in text


@pytest.mark.django_db
def test_the_form_offers_the_codes_and_keeps_the_secondary_ones_without_the_main(gp):
    referral = ReferralFactory(patient=PatientFactory(practice=gp.practice), gp=gp)
    with translation.override("nl"):
        form = ReferralForm(
            data={
                "complaint": "P03",
                "other_complaints": ["P03", "P06", "P01"],
                "urgency": "routine",
            },
            instance=referral,
        )
        choices = dict(form.fields["complaint"].choices)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["other_complaints"] == ["P06", "P01"]
    assert choices["P03"] == "P03 Down/depressief gevoel"
    assert set(choices) == {"", *Icpc.values}


@pytest.mark.django_db
def test_the_form_refuses_the_old_words(gp):
    referral = ReferralFactory(patient=PatientFactory(practice=gp.practice), gp=gp)
    form = ReferralForm(
        data={"complaint": "depressive", "other_complaints": ["sleep"], "urgency": "routine"},
        instance=referral,
    )
    assert not form.is_valid()
    assert "complaint" in form.errors and "other_complaints" in form.errors


@pytest.mark.django_db
def test_the_referral_page_shows_main_and_secondary_codes(client, gp, therapist):
    referral = referral_of(
        gp,
        therapist,
        complaint=Icpc.P03,
        other_complaints=[Icpc.P06],
        status=Status.SENT,
    )
    client.force_login(therapist)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()

    assert f"P03 {dutch('P03')}" in page
    assert f"P06 {dutch('P06')}" in page
    assert "P76" not in page


# --- The data migration ----------------------------------------------------------------------

BEFORE = [("referrals", "0008_recipients_from_history"), ("dashboard", "0001_initial")]
AFTER = [("referrals", "0009_icpc_complaints"), ("dashboard", "0002_icpc_complaints")]


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_moves_the_old_words_to_the_codes_the_gp_meant(gp):
    patient = lambda: PatientFactory(practice=gp.practice)  # noqa: E731
    rows = {
        "depressive": ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED),
        "anxiety": ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED),
        "stress": ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED),
        "burnout": ReferralFactory(patient=patient(), gp=gp, status=Status.CANCELLED),
    }
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        # The words as the old code stored them (the table has no other change in between).
        secondary = {
            "depressive": ["sleep", "anxiety"],
            "anxiety": ["stress", "depressive"],
            "stress": [],
            "burnout": ["other"],
        }
        for word, referral in rows.items():
            Referral.objects.filter(pk=referral.pk).update(
                complaint=word, other_complaints=secondary[word]
            )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)

        moved = {
            word: Referral.objects.values_list("complaint", "other_complaints").get(pk=r.pk)
            for word, r in rows.items()
        }
        assert moved == {
            "depressive": ("P03", ["P06", "P01"]),
            "anxiety": ("P01", ["P03"]),  # "stress" became P01 too: not repeated
            "stress": ("P01", []),
            "burnout": ("P78", ["P29"]),
        }
    finally:
        call_command("migrate", verbosity=0)
