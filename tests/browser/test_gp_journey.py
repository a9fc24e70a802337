import io

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from patients.models import Patient
from patients.validators import bsn_is_valid
from referrals.models import Referral, ReferralDocument

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _free_test_bsn() -> str:
    taken = set(Patient.objects.values_list("bsn", flat=True))
    n = 999_991_000
    while not bsn_is_valid(f"{n:09d}") or f"{n:09d}" in taken:
        n += 1
    return f"{n:09d}"


def test_gp_registers_checks_chooses_fills_previews_sends_and_downloads_the_letter(page):
    call_command("seed_demo", "--no-documents")
    bsn = _free_test_bsn()
    sign_in(page, "huisarts@example.org", "loopbaan-demo")

    # Register the patient.
    page.get_by_role("link", name="Patiënten").click()
    page.get_by_role("link", name="Nieuwe patiënt registreren").first.click()
    page.get_by_label("BSN").fill(bsn)
    page.get_by_label("Voorletters").fill("IJ.")
    page.get_by_label("Voornaam").fill("IJsbrand")
    page.get_by_label("Tussenvoegsel").fill("van 't")
    page.get_by_label("Achternaam").fill("Hof-Çelik")
    page.get_by_label("Geboortedatum").fill("1984-02-29")
    page.locator("input[name=sex][value=male]").check()
    page.get_by_label("Woonplaats").fill("Utrecht")
    page.get_by_label("Telefoon").fill("06-12345678")
    page.get_by_label("Zorgverzekeraar").fill("Demo Zorgverzekeraar")
    page.get_by_label("UZOVI-code van de verzekeraar").fill("9901")
    page.get_by_label("Polisnummer").fill("POL-12345")
    page.get_by_role("button", name="Patiënt registreren").click()
    assert page.get_by_role("heading", name="IJsbrand van 't Hof-Çelik").is_visible()

    # Start the referral and fill it in.
    page.get_by_role("button", name="Verwijzen naar runningtherapie").click()
    # The complaints as ICPC codes the GP picks: a main one and a secondary one.
    main = page.get_by_label("Hoofdklacht (ICPC)")
    assert "P03 Down/depressief gevoel" in main.inner_text()
    main.select_option("P03")
    page.get_by_label("P06 Slaapstoornis/slapeloosheid").check()
    page.locator("input[name=severity][value=moderate]").check()
    page.locator("input[name=uses_antidepressant][value=False]").check()
    page.get_by_label("Vraagstelling aan de therapeut").fill("Graag runningtherapie, 2x per week.")
    page.locator("input[name=purpose][value=treatment]").check()
    page.get_by_label("Financiering").select_option("health_insurer")
    page.locator("input[name=consent_given]").check()
    # The HASP kern and dossiersamenvatting (referrals.letters).
    page.get_by_label("Beloop tot nu toe").fill("Sinds de zomer somber.")
    page.get_by_label("POH-GGZ tot nu toe").fill("Vier gesprekken.")
    for question in ("risk_suicidality", "risk_psychosis", "risk_bipolar"):
        page.locator(f"input[name={question}][value=False]").check()
    page.get_by_label("Allergieën, intoleranties en contra-indicaties").fill("Penicilline.")
    # A medication row with a dose but no medicine is refused beside the field, nothing saved.
    page.locator("input[name=medication-0-dose]").fill("50 mg 1 dd")
    page.get_by_role("button", name="Concept opslaan").click()
    assert page.get_by_text("Vul het geneesmiddel in, of maak de regel leeg.").is_visible()
    assert not Referral.objects.get(patient__bsn=bsn).course
    page.locator("input[name=medication-0-name]").fill("Sertraline")
    page.locator("input[name=medication-0-since]").fill("maart 2026")
    page.get_by_role("button", name="Concept opslaan").click()

    # The activity check (PAR-Q+): every question "no".
    assert page.get_by_role("heading", name="Beweegcheck, gebaseerd op de PAR-Q+").is_visible()
    for radio in page.locator("input[type=radio][value=False]").all():
        radio.check()
    page.get_by_role("button", name="Beweegcheck opslaan").click()

    # The referral page shows the codes as chosen.
    referral = Referral.objects.get(patient__bsn=bsn)
    assert (referral.complaint, referral.other_complaints) == ("P03", ["P06"])
    page.goto(f"/referrals/{referral.pk}/")
    assert page.locator(".icpc-main").inner_text().startswith("P03 Down/depressief gevoel")
    assert page.locator(".icpc-secondary").inner_text() == "P06 Slaapstoornis/slapeloosheid"
    page.go_back()

    # Choose a verified therapist from the register.
    assert page.get_by_role("heading", name="Kies een runningtherapeut").is_visible()
    page.get_by_role("button", name="Kiezen Sanne Visser").click()

    # Preview, then send.
    referral = Referral.objects.get(patient__bsn=bsn)
    preview = page.request.get(f"/referrals/{referral.pk}/preview.pdf")
    assert preview.headers["content-type"] == "application/pdf"
    page.get_by_role("link", name="Verwijzing versturen").click()
    mail.outbox.clear()  # the demo's own e-mails (its corrected letters) went out while seeding
    page.get_by_role("button", name="Verwijzing versturen").click()
    assert page.get_by_text("Verstuurd").first.is_visible()

    referral.refresh_from_db()
    assert referral.status == "sent"
    assert ReferralDocument.objects.filter(referral=referral, kind="letter").count() == 1
    assert len(mail.outbox) == 1, [(m.to, m.subject) for m in mail.outbox]
    assert "IJsbrand" not in mail.outbox[0].body

    # Download the letter that was sent and read the patient's name in it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Verwijsbrief (PDF)").click()
    path = download_info.value.path()
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "IJsbrand" in text and "Hof-Çelik" in text
    assert "P03 Down/depressief gevoel" in " ".join(text.split()) and "P76" not in text
    flat = "".join(text.split())
    assert "Sertraline" in flat and "50mg1dd" in flat and "POL-12345" in flat
    assert "ElektronischverzondendoorAnnedeVriesop" in flat
    stored = bytes(ReferralDocument.objects.get(referral=referral).content)
    assert path.read_bytes() == stored
    assert PdfReader(io.BytesIO(stored)).pages
