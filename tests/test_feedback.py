"""The interface answers every step: a confirmation page before what cannot be undone, a message
after an action, and an empty list that says what to do next."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from referrals.models import Referral

from .factories import PatientFactory
from .test_permission_matrix import build_world

pytestmark = pytest.mark.django_db

# Irreversible steps: url name, the persona who takes it, the object it acts on.
CONFIRMED_STEPS = [
    ("referrals:send", "gp", "draft"),
    ("referrals:decline", "therapist", "sent"),
    ("referrals:cancel", "gp", "sent"),
    ("therapy:close", "therapist", "in_therapy"),
    ("patients:erase", "gp", "sent"),  # 21 years on, past the WGBO retention period
]


def form_posting_to(html: str, url: str) -> bool:
    """A POST form on the page whose action is `url` (or the page itself) with a submit button."""
    for attributes, body in re.findall(r"<form([^>]*)>(.*?)</form>", html, re.S):
        if 'method="post"' not in attributes:
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        if (action is None or action.group(1) in ("", url)) and 'type="submit"' in body:
            return True
    return False


@pytest.mark.parametrize(("name", "persona", "target"), CONFIRMED_STEPS)
def test_an_irreversible_step_first_shows_a_confirmation_page_that_changes_nothing(
    name, persona, target, request, client_for, time_machine
):
    world = build_world(request)
    if name == "patients:erase":
        time_machine.move_to(timezone.now() + timedelta(days=21 * 366))
    referral = getattr(world, target)
    # The matrix's draft leaves the medication question open; answered, it is ready to send.
    Referral.objects.filter(pk=world.draft.pk).update(uses_antidepressant=False)
    url = world.url(name)
    before = (Referral.objects.get(pk=referral.pk).status, Patient.objects.count())

    response = client_for(world.users[persona]).get(url)

    assert response.status_code == 200
    assert form_posting_to(response.text, url), f"{url} has no form that confirms the step"
    assert (Referral.objects.get(pk=referral.pk).status, Patient.objects.count()) == before


def test_starting_a_referral_says_a_draft_was_started(gp, client_for):
    patient = PatientFactory(practice=gp.practice)

    response = client_for(gp).post(reverse("referrals:start", kwargs={"patient_pk": patient.pk}))

    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["Conceptverwijzing gestart. Vul de verwijzing in en daarna de beweegcheck."]


def test_signing_out_says_so_on_the_sign_in_page(gp, client_for):
    response = client_for(gp).post(reverse("accounts:logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "U bent uitgelogd." in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_a_gp_without_referrals_or_patients_is_told_where_to_start(gp, client_for):
    client = client_for(gp)

    worklist = client.get(reverse("referrals:worklist")).text
    patients = client.get(reverse("patients:list")).text

    assert "U heeft geen openstaande verwijzingen." in worklist
    assert f'href="{reverse("patients:list")}">Naar patiënten</a>' in worklist
    assert "Nog geen patiënten." in patients
    assert f'<a href="{reverse("patients:create")}">' in patients


def test_a_therapist_without_patients_is_told_what_comes_next(therapist, client_for):
    client = client_for(therapist)

    caseload = client.get(reverse("referrals:incoming")).text
    group = client.get(reverse("therapy:session_group")).text

    assert "Nieuwe verwijzingen van huisartsen verschijnen hier." in caseload
    assert "Sessies kunt u vastleggen zodra de therapie is gestart." in group


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("gp", "referrals:worklist"),
        ("gp", "patients:list"),
        ("gp", "dashboard:page"),
        ("therapist", "referrals:incoming"),
        ("therapist", "therapy:session_group"),
        ("therapist", "dashboard:page"),
        ("manager", "dashboard:page"),
        ("admin", "notifications:reminder_runs"),
        ("admin", "dashboard:page"),
    ],
)
def test_the_menu_marks_the_page_you_are_on(persona, name, request, client_for):
    url = reverse(name)

    html = client_for(request.getfixturevalue(persona)).get(url).text

    current = re.findall(r'<a class="nav-link active" href="([^"]+)" aria-current="page">', html)
    assert current == [url]
