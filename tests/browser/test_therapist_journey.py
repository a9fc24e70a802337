"""A running therapist takes a new referral from acceptance to the report after intake, which the
GP then reads: the therapist's main journey, in Dutch, through the live server.
"""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from outcomes.models import QuestionnaireResponse
from referrals.models import Referral, ReferralDocument, Status
from therapy.models import Intake, Screening, TherapyLetter, TherapySession

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9 = [1, 1, 1, 0, 1, 0, 0, 0, 0]  # total 4, item 9 is 0: no safety alert
GAD7 = [1, 1, 0, 0, 1, 0, 0]  # total 3


def fill_questionnaire(page, answers: list[int]) -> None:
    for item, value in enumerate(answers, start=1):
        page.locator(f"input[name=item_{item}][value='{value}']").check()
    # Completed on: left at its default, today (the day of the intake).
    assert page.locator("input[name=completed_on]").input_value() == today()
    page.get_by_role("button", name="Vragenlijst opslaan").click()


def today() -> str:
    return timezone.localdate().isoformat()


def test_therapist_accepts_takes_in_screens_scores_logs_a_group_and_reports_to_the_gp(
    new_page, tmp_path
):
    call_command("seed_demo", "--no-documents")
    referral = Referral.objects.get(
        therapist__user__email="therapeut@example.org",
        patient__first_name="Iris",
        patient__surname="Leeuwen",
    )
    bakker = Referral.objects.get(
        therapist__user__email="therapeut@example.org",
        patient__first_name="Noor",
        patient__surname="Bakker",
        status=Status.IN_THERAPY,
    )
    assert referral.status == Status.SENT
    detail_url = f"**/referrals/{referral.pk}/"

    page = new_page(1280, 900)
    sign_in(page, "therapeut@example.org", "loopbaan-demo")

    # From the caseload, open the new referral and accept it.
    page.get_by_role("link", name="Mijn cliënten").click()
    page.get_by_role("link", name="Leeuwen, I. van", exact=True).click()
    page.wait_for_url(detail_url)
    page.get_by_role("button", name="Verwijzing accepteren").click()
    expect(page.get_by_role("link", name="Intake vastleggen")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED

    # The intake: today is week 0.
    page.get_by_role("link", name="Intake vastleggen").click()
    assert page.locator("input[name=date]").input_value() == today()
    page.locator("textarea[name=goals]").fill("Drie keer per week dertig minuten hardlopen.")
    page.locator("textarea[name=plan]").fill("Dinsdag en donderdag in de groep.")
    page.get_by_role("button", name="Intake opslaan").click()
    page.wait_for_url(f"**/referrals/{referral.pk}/screening/")
    referral.refresh_from_db()
    assert referral.status == Status.INTAKE_DONE
    assert str(referral.intake_date) == today()
    assert Intake.objects.get(referral=referral).plan == "Dinsdag en donderdag in de groep."

    # The sports-medical screening: cleared, so the therapy starts.
    page.locator("input[name=resting_heart_rate]").fill("64")
    page.locator("input[name=systolic]").fill("125")
    page.locator("input[name=diastolic]").fill("80")
    page.locator("input[name=height_cm]").fill("178")
    page.locator("input[name=weight_kg]").fill("74")
    page.locator("input[name=outcome][value=cleared]").check()
    page.get_by_role("button", name="Screening opslaan").click()
    page.wait_for_url(detail_url)
    referral.refresh_from_db()
    assert referral.status == Status.IN_THERAPY
    screening = Screening.objects.get(referral=referral)
    assert (screening.resting_heart_rate, screening.systolic, screening.diastolic) == (64, 125, 80)
    assert (screening.height_cm, screening.weight_kg, screening.outcome) == (178, 74, "cleared")

    # Week 0: the PHQ-9 and the GAD-7, from the links on the referral page.
    page.get_by_role("link", name="PHQ-9 week 0 invoeren").click()
    fill_questionnaire(page, PHQ9)
    page.wait_for_url(detail_url)
    page.get_by_role("link", name="GAD-7 week 0 invoeren").click()
    fill_questionnaire(page, GAD7)
    page.wait_for_url(detail_url)
    responses = QuestionnaireResponse.objects.filter(referral=referral)
    assert sorted((r.instrument, r.week, r.total) for r in responses) == [
        ("GAD-7", 0, 3),
        ("PHQ-9", 0, 4),
    ]
    assert not referral.safety_alerts.exists()

    # Back to the caseload: one group session for this patient and Noor Bakker.
    page.get_by_role("link", name="Mijn cliënten").click()
    page.get_by_role("link", name="Groepssessie vastleggen").click()
    page.wait_for_url("**/therapists/sessions/group/")
    assert page.locator("input[name=date]").input_value() == today()
    page.locator("input[name=minutes_running]").fill("12")
    page.locator("input[name=minutes_walking]").fill("18")
    page.locator("input[name=distance_km]").fill("3.5")
    page.get_by_role("group", name="Leeuwen, I. van").get_by_text("Aanwezig", exact=True).click()
    page.get_by_role("group", name="Bakker, N.").get_by_text("Aanwezig", exact=True).click()
    page.get_by_role("button", name="Groepssessie opslaan").click()
    page.wait_for_url("**/referrals/incoming/")
    expect(page.locator(".alert-success")).to_be_visible()
    own = TherapySession.objects.get(referral=referral)
    group = TherapySession.objects.filter(group=own.group)
    assert own.group is not None
    assert sorted(s.referral_id for s in group) == sorted([referral.pk, bakker.pk])
    assert {(s.attendance, s.minutes_running, str(s.date)) for s in group} == {
        ("attended", 12, today())
    }

    # The report after intake, written from the referral page.
    page.get_by_role("link", name="Leeuwen, I. van", exact=True).click()
    page.wait_for_url(detail_url)
    page.get_by_role("link", name="Terugrapportage na intake schrijven").click()
    page.locator("textarea[name=summary]").fill("Goed gestart; komt trouw naar de groep.")
    page.get_by_role("button", name="Rapportage naar de huisarts sturen").click()
    page.wait_for_url(detail_url)
    report = TherapyLetter.objects.get(referral=referral)
    assert report.kind == TherapyLetter.Kind.INTAKE
    stored = bytes(
        ReferralDocument.objects.get(referral=referral, kind=TherapyLetter.Kind.INTAKE).content
    )
    expect(page.get_by_role("link", name="Terugrapportage na intake schrijven")).to_have_count(0)

    # The GP, in a browser of their own, finds the report on the referral and downloads it.
    gp_page = new_page(1280, 900)
    sign_in(gp_page, "huisarts@example.org", "loopbaan-demo")
    gp_page.get_by_role("link", name="Leeuwen, I. van", exact=True).click()
    gp_page.wait_for_url(detail_url)
    link = gp_page.get_by_role("link", name="Terugrapportage na intake (PDF)")
    expect(link).to_be_visible()
    download = gp_page.context.request.get(link.get_attribute("href"))
    assert download.ok
    assert download.headers["content-type"] == "application/pdf"
    assert download.body() == stored
    path = tmp_path / "report.pdf"
    path.write_bytes(download.body())
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Iris" in text and "Leeuwen" in text
