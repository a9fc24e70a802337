"""A therapist edits their profile, and the GP sees it when choosing a therapist."""

import pytest
from django.core.management import call_command

from referrals.models import Referral, Status
from therapists.models import Therapist

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_edits_their_profile_and_a_gp_sees_it_in_the_choice(new_page):
    call_command("seed_demo", "--no-documents")
    therapist = new_page()
    sign_in(therapist, "therapeut@example.org", "loopbaan-demo")
    therapist.get_by_role("link", name="Mijn profiel").click()
    therapist.get_by_label("Telefoon").fill("abc")
    therapist.get_by_label("Ruimte voor nieuwe patiënten").fill("2")
    note = "Nieuw: ook een groep op zondagochtend in Amelisweerd."
    therapist.get_by_label("Een korte toelichting voor huisartsen").fill(note)
    therapist.get_by_role("button", name="Profiel opslaan").click()
    # "abc" is no phone number: said beside the field, nothing saved.
    assert therapist.locator("#id_phone").get_attribute("aria-invalid") == "true"
    assert therapist.get_by_text("Vul een telefoonnummer in").first.is_visible()
    assert Therapist.objects.get(user__email="therapeut@example.org").capacity == 4
    therapist.get_by_label("Telefoon").fill("030 765 43 21")
    therapist.get_by_role("button", name="Profiel opslaan").click()
    assert therapist.get_by_text("Uw profiel is opgeslagen.").is_visible()
    saved = Therapist.objects.get(user__email="therapeut@example.org")
    assert (saved.capacity, saved.phone, saved.note_for_gps) == (2, "030 765 43 21", note)
    # The certificate is shown, not offered for editing.
    assert therapist.locator("input[name=certificate_number]").count() == 0

    draft = Referral.objects.filter(status=Status.DRAFT, gp__email="huisarts@example.org").first()
    gp = new_page()
    sign_in(gp, "huisarts@example.org", "loopbaan-demo")
    gp.goto(f"/referrals/{draft.pk}/therapist/")
    sanne = gp.locator("li.list-group-item", has_text="Sanne Visser")
    assert sanne.get_by_text(note).is_visible()
    assert sanne.get_by_text("030 765 43 21").is_visible()
    assert sanne.get_by_text("Ruimte voor 2 nieuwe patiënten").is_visible()
    # Joost van den Broek takes no new patients: last, marked, no "Kiezen" button.
    rows = gp.locator("ul.list-group > li.list-group-item")
    last = rows.nth(rows.count() - 1)
    assert "Joost van den Broek" in last.inner_text()
    assert last.get_by_text("Geen nieuwe patiënten op dit moment").is_visible()
    assert last.get_by_role("button", name="Kiezen Joost van den Broek").count() == 0
    sanne.get_by_role("button", name="Kiezen Sanne Visser").click()
    draft.refresh_from_db()
    assert draft.therapist == saved
