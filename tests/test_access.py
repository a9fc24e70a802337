"""Who may open what: every URL of the project for every persona, scoping, homes, demo logins."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from referrals.models import Status
from referrals.services import referral_transition
from therapists.models import Therapist

from .factories import (
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralDocumentFactory,
    ReferralFactory,
    SafetyAlertFactory,
    SavedGroupFactory,
    TherapistFactory,
    TherapySessionFactory,
    passkey_of,
)

pytestmark = pytest.mark.django_db

LOGIN = "login"  # anonymous visitors are redirected to the sign-in page
PERSONAS = ("anonymous", "gp", "therapist", "manager", "admin")

# url name -> the status each persona gets on GET, for the `referral` fixture (sent by `gp` to
# `therapist`, with its fitness check and letter). Add every new URL here.
EXPECTED: dict[str, dict[str, int | str]] = {
    "home": dict(anonymous=LOGIN, gp=302, therapist=302, manager=302, admin=302),
    "healthz": dict(anonymous=200, gp=200, therapist=200, manager=200, admin=200),
    # The FHIR interface: its metadata is public; the rest wants a bearer token, not a session
    # (tests/test_fhir_read.py); the token endpoint takes POST only.
    "fhirapi:metadata": dict(anonymous=200, gp=200, therapist=200, manager=200, admin=200),
    "fhirapi:token": dict(anonymous=405, gp=405, therapist=405, manager=405, admin=405),
    "fhirapi:search": dict(anonymous=401, gp=401, therapist=401, manager=401, admin=401),
    "fhirapi:read": dict(anonymous=401, gp=401, therapist=401, manager=401, admin=401),
    # Signed-in users are sent on to their home page.
    "accounts:login": dict(anonymous=200, gp=302, therapist=302, manager=302, admin=302),
    # Signing out is POST only.
    "accounts:logout": dict(anonymous=LOGIN, gp=405, therapist=405, manager=405, admin=405),
    # GET changes nothing and redirects back.
    "set_language": dict(anonymous=302, gp=302, therapist=302, manager=302, admin=302),
    # Signed-in users' own account pages.
    "accounts:two_factor_verify": dict(
        anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200
    ),
    # Without the enrolment link from the e-mail, setting up sends to "check your e-mail".
    "accounts:two_factor_setup": dict(
        anonymous=LOGIN, gp=302, therapist=302, manager=302, admin=302
    ),
    "accounts:enrolment_pending": dict(
        anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200
    ),
    # The links in the account e-mails open without signing in; these tokens are not valid.
    "accounts:enrol": dict(anonymous=404, gp=404, therapist=404, manager=404, admin=404),
    "accounts:password_reset_confirm": dict(
        anonymous=200, gp=200, therapist=200, manager=200, admin=200
    ),
    "accounts:password_reset_complete": dict(
        anonymous=200, gp=200, therapist=200, manager=200, admin=200
    ),
    "accounts:password_change": dict(
        anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200
    ),
    "accounts:password_change_done": dict(
        anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200
    ),
    # A GP confirms the practice's new colleagues; deciding is POST. Nobody waits here: 404.
    "accounts:colleagues": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    **dict.fromkeys(
        ("accounts:colleague_confirm", "accounts:colleague_refuse"),
        dict(anonymous=LOGIN, gp=404, therapist=403, manager=403, admin=403),
    ),
    # The user's own passkeys; the one in the URL is the GP's (others: 404). Removing is POST.
    "accounts:passkeys": dict(anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200),
    "accounts:passkey_name": dict(anonymous=LOGIN, gp=200, therapist=404, manager=404, admin=404),
    "accounts:passkey_remove": dict(anonymous=LOGIN, gp=405, therapist=405, manager=405, admin=405),
    # The passkey ceremonies are POST only (JSON); registering refuses before the method is
    # looked at (no two factors, no e-mailed link). Their script's texts are for the signed in.
    **dict.fromkeys(
        (
            "otp_webauthn:credential-registration-begin",
            "otp_webauthn:credential-registration-complete",
        ),
        dict(anonymous=LOGIN, gp=403, therapist=403, manager=403, admin=403),
    ),
    **dict.fromkeys(
        (
            "otp_webauthn:credential-authentication-begin",
            "otp_webauthn:credential-authentication-complete",
        ),
        dict(anonymous=LOGIN, gp=405, therapist=405, manager=405, admin=405),
    ),
    "otp_webauthn:js-i18n-catalog": dict(
        anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200
    ),
    "patients:list": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "patients:create": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "patients:export": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "patients:erase": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "patients:retention": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "patients:detail": dict(anonymous=LOGIN, gp=200, therapist=200, manager=403, admin=403),
    # Corrections: the patient's details by a GP of the practice; the therapist's own records
    # (the fixture's referral has no intake or screening yet: 404; its session is theirs).
    "patients:correct": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "therapy:intake_correct": dict(anonymous=LOGIN, gp=403, therapist=404, manager=403, admin=403),
    "therapy:screening_correct": dict(
        anonymous=LOGIN, gp=403, therapist=404, manager=403, admin=403
    ),
    "therapy:session_correct": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    "therapy:group_session_correct": dict(
        anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403
    ),
    "therapy:session_withdraw": dict(
        anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403
    ),
    "therapy:questionnaire_correct": dict(
        anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403
    ),
    "referrals:addendum": dict(anonymous=LOGIN, gp=200, therapist=200, manager=403, admin=403),
    "referrals:worklist": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "referrals:incoming": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    "referrals:past_clients": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    # Each role sees its own scope: practice, own referrals, own caseload, all practices.
    "dashboard:page": dict(anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200),
    "dashboard:monthly_csv": dict(anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200),
    "dashboard:outcomes_csv": dict(anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200),
    "dashboard:pdf": dict(anonymous=LOGIN, gp=200, therapist=200, manager=200, admin=200),
    # POST only.
    "notifications:resend": dict(anonymous=LOGIN, gp=403, therapist=403, manager=403, admin=405),
    "referrals:start": dict(anonymous=LOGIN, gp=405, therapist=403, manager=403, admin=403),
    "referrals:detail": dict(anonymous=LOGIN, gp=200, therapist=200, manager=403, admin=403),
    # The draft's pages send the GP back to the detail page once the referral has been sent.
    "referrals:edit": dict(anonymous=LOGIN, gp=302, therapist=403, manager=403, admin=403),
    "referrals:fitness": dict(anonymous=LOGIN, gp=302, therapist=403, manager=403, admin=403),
    "referrals:therapist": dict(anonymous=LOGIN, gp=302, therapist=403, manager=403, admin=403),
    "referrals:send": dict(anonymous=LOGIN, gp=302, therapist=403, manager=403, admin=403),
    # POST only.
    "referrals:network": dict(anonymous=LOGIN, gp=405, therapist=403, manager=403, admin=403),
    "referrals:preview": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    "referrals:letter": dict(anonymous=LOGIN, gp=200, therapist=200, manager=403, admin=403),
    "referrals:information_sheet": dict(
        anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403
    ),
    "referrals:cancel": dict(anonymous=LOGIN, gp=200, therapist=403, manager=403, admin=403),
    # The therapist's steps; the fixture's referral is `sent`, so later steps redirect back.
    "referrals:accept": dict(anonymous=LOGIN, gp=403, therapist=405, manager=403, admin=403),
    "referrals:decline": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    "therapy:intake": dict(anonymous=LOGIN, gp=403, therapist=302, manager=403, admin=403),
    "therapy:screening": dict(anonymous=LOGIN, gp=403, therapist=302, manager=403, admin=403),
    "therapy:letter_back": dict(anonymous=LOGIN, gp=403, therapist=302, manager=403, admin=403),
    "therapy:close": dict(anonymous=LOGIN, gp=403, therapist=302, manager=403, admin=403),
    # No report has been written yet.
    "referrals:document": dict(anonymous=LOGIN, gp=404, therapist=404, manager=403, admin=403),
    # The therapy hasn't ended, so the follow-up page sends the GP back to the referral.
    "referrals:follow_up": dict(anonymous=LOGIN, gp=302, therapist=403, manager=403, admin=403),
    # No follow-up has been recorded yet.
    "referrals:follow_up_correct": dict(
        anonymous=LOGIN, gp=404, therapist=403, manager=403, admin=403
    ),
    "notifications:reminder_runs": dict(
        anonymous=LOGIN, gp=403, therapist=403, manager=403, admin=200
    ),
    "outcomes:enter": dict(anonymous=LOGIN, gp=403, therapist=302, manager=403, admin=403),
    "therapy:session_add": dict(anonymous=LOGIN, gp=403, therapist=302, manager=403, admin=403),
    "therapy:session_group": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    "therapy:groups": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    "therapy:group_add": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    "therapy:group_edit": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    # POST only.
    "therapy:group_delete": dict(anonymous=LOGIN, gp=403, therapist=405, manager=403, admin=403),
    # The therapist's own profile.
    "therapists:profile": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
    # POST only.
    "outcomes:acknowledge": dict(anonymous=LOGIN, gp=405, therapist=403, manager=403, admin=403),
    # The patient's personal link (no account): this token is not valid, for anyone.
    "patientlinks:open": dict(anonymous=404, gp=404, therapist=404, manager=404, admin=404),
    "patientlinks:links": dict(anonymous=LOGIN, gp=403, therapist=200, manager=403, admin=403),
}

# How to build the URL of each name that takes arguments, from the `referral` fixture.
# The links of the account e-mails: tokens that are not valid.
TOKEN_KWARGS = {
    "accounts:enrol": {"token": "not-a-token"},
    "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "not-a-token"},
    "patientlinks:open": {"token": "not-a-token"},
}
# The URLs about one patient or referral.
URL_KWARGS = {
    "fhirapi:search": lambda r: {"resource_type": "ServiceRequest"},
    "fhirapi:read": lambda r: {"resource_type": "ServiceRequest", "resource_id": str(r.pk)},
    "accounts:passkey_name": lambda r: {"pk": passkey_of(r.gp)},
    "accounts:colleague_confirm": lambda r: {"pk": 1},
    "accounts:colleague_refuse": lambda r: {"pk": 1},
    "accounts:passkey_remove": lambda r: {"pk": passkey_of(r.gp)},
    "patients:detail": lambda r: {"pk": r.patient_id},
    "patients:export": lambda r: {"pk": r.patient_id},
    "patients:erase": lambda r: {"pk": r.patient_id},
    "patients:correct": lambda r: {"pk": r.patient_id},
    "therapy:session_correct": lambda r: {
        "pk": r.pk,
        "session": TherapySessionFactory(referral=r).pk,
    },
    "therapy:session_withdraw": lambda r: {
        "pk": r.pk,
        "session": TherapySessionFactory(referral=r).pk,
    },
    "therapy:group_session_correct": lambda r: {
        "pk": r.pk,
        "session": TherapySessionFactory(referral=r, group=uuid.uuid4()).pk,
    },
    "referrals:addendum": lambda r: {
        "pk": r.pk,
        "document": ReferralDocumentFactory(referral=r, kind="addendum").pk,
    },
    "therapy:intake_correct": lambda r: {"pk": r.pk},
    "therapy:questionnaire_correct": lambda r: {
        "pk": r.pk,
        "response": QuestionnaireResponseFactory(referral=r).pk,
    },
    "therapy:screening_correct": lambda r: {"pk": r.pk},
    "referrals:start": lambda r: {"patient_pk": r.patient_id},
    "referrals:network": lambda r: {"pk": r.pk, "therapist_pk": r.therapist_id},
    "therapy:letter_back": lambda r: {"pk": r.pk, "kind": "intake_report"},
    "referrals:document": lambda r: {"pk": r.pk, "kind": "intake_report"},
    "outcomes:enter": lambda r: {"pk": r.pk, "code": "PHQ-9", "week": 0},
    "patientlinks:links": lambda r: {"pk": r.pk},
    "outcomes:acknowledge": lambda r: {"pk": SafetyAlertFactory(response__referral=r).pk},
    "therapy:group_edit": lambda r: {"group_pk": SavedGroupFactory(owner=r.therapist.user).pk},
    "therapy:group_delete": lambda r: {"group_pk": SavedGroupFactory(owner=r.therapist.user).pk},
    **{
        name: lambda r: {"pk": r.pk}
        for name in (
            "referrals:detail",
            "referrals:edit",
            "referrals:fitness",
            "referrals:therapist",
            "referrals:send",
            "referrals:preview",
            "referrals:letter",
            "referrals:information_sheet",
            "referrals:cancel",
            "referrals:accept",
            "referrals:decline",
            "therapy:intake",
            "therapy:screening",
            "therapy:close",
            "therapy:session_add",
            "referrals:follow_up",
            "referrals:follow_up_correct",
        )
    },
}

SKIPPED_NAMESPACES = {"admin"}


def url_names(patterns=None, namespace: str = "") -> list[str]:
    """Every URL name of the project outside the admin; unnamed patterns show as `<unnamed ...>`."""
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if str(pattern.pattern).startswith("static/"):
                continue
            names.append(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern}>")
    return names


def url_for(name: str, referral) -> str:
    kwargs = URL_KWARGS[name](referral) if name in URL_KWARGS else TOKEN_KWARGS.get(name, {})
    return reverse(name, kwargs=kwargs)


def client_as(persona: str, request, client_for) -> Client:
    return Client() if persona == "anonymous" else client_for(request.getfixturevalue(persona))


def test_every_url_has_an_entry_in_the_access_table():
    names = url_names()
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert set(names) - set(EXPECTED) == set(), "add these URLs to EXPECTED in test_access.py"
    assert set(EXPECTED) - set(names) == set(), "these URLs are gone: remove them from EXPECTED"


def test_access_table_names_every_persona():
    assert all(set(row) == set(PERSONAS) for row in EXPECTED.values())


@pytest.mark.parametrize(
    ("name", "persona"),
    [(name, persona) for name in EXPECTED for persona in PERSONAS],
)
def test_persona_gets_the_expected_status_for_each_url(
    name, persona, referral, request, client_for
):
    client = client_as(persona, request, client_for)
    url = url_for(name, referral)

    response = client.get(url)

    expected = EXPECTED[name][persona]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={url}"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("gp", "referrals:worklist"),
        ("therapist", "referrals:incoming"),
        ("manager", "dashboard:page"),
        ("admin", "admin:index"),
    ],
)
def test_home_sends_each_role_to_its_own_home_page(persona, home, request, client_for):
    client = client_for(request.getfixturevalue(persona))

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain == [(reverse(home), 302)]
    assert response.status_code == 200


# Views that only answer POST; scoping is checked with a POST for these.
POST_ONLY = {name for name, row in EXPECTED.items() if row["gp"] == 405 or row["therapist"] == 405}


def scoped_names(persona: str) -> list[str]:
    """URLs about one patient or referral that `persona` may open for their own objects."""
    # 401: the FHIR API answers a browser session as it answers nobody (a bearer token is its
    # only key); its 404 for another practice's client is in tests/test_fhir_read.py.
    return [name for name in URL_KWARGS if EXPECTED[name][persona] not in (401, 403, LOGIN)]


@pytest.mark.parametrize("name", scoped_names("gp"))
def test_gp_of_another_practice_gets_404_on_every_page_of_the_referral(
    name, referral, gp_other_practice, client_for
):
    client = client_for(gp_other_practice)
    url = url_for(name, referral)

    response = client.post(url) if name in POST_ONLY else client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("name", scoped_names("therapist"))
def test_other_therapist_gets_404_on_every_page_of_the_referral(
    name, referral, therapist_other, client_for
):
    client = client_for(therapist_other)
    url = url_for(name, referral)

    response = client.post(url) if name in POST_ONLY else client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "name", ["referrals:edit", "referrals:fitness", "referrals:therapist", "referrals:send"]
)
def test_gp_opens_the_pages_of_a_draft(name, gp, client_for):
    draft = ReferralFactory(gp=gp, patient=PatientFactory(practice=gp.practice))

    assert client_for(gp).get(reverse(name, kwargs={"pk": draft.pk})).status_code == 200


def test_gp_sees_a_referral_of_a_colleague_in_the_same_practice(referral, client_for):
    colleague = ReferralFactory(patient=PatientFactory(practice=referral.practice)).gp
    url = reverse("referrals:detail", kwargs={"pk": referral.pk})
    assert client_for(colleague).get(url).status_code == 200


def test_therapist_cannot_see_a_draft_addressed_to_them(gp, therapist, client_for):
    draft = ReferralFactory(gp=gp, therapist=therapist.therapist, status=Status.DRAFT)
    client = client_for(therapist)

    assert client.get(reverse("referrals:detail", kwargs={"pk": draft.pk})).status_code == 404
    assert (
        client.get(reverse("patients:detail", kwargs={"pk": draft.patient_id})).status_code == 404
    )


def test_therapist_cannot_see_a_referral_cancelled_before_it_was_sent(gp, therapist, client_for):
    draft = ReferralFactory(gp=gp, therapist=therapist.therapist, status=Status.DRAFT)
    referral_transition(referral=draft, to=Status.CANCELLED, by=gp, note="Toch niet nodig")

    client = client_for(therapist)

    assert client.get(reverse("referrals:detail", kwargs={"pk": draft.pk})).status_code == 404
    assert (
        client.get(reverse("patients:detail", kwargs={"pk": draft.patient_id})).status_code == 404
    )


DEMO_HOMES = {
    "huisarts@example.org": "referrals:worklist",
    "huisarts2@example.org": "referrals:worklist",
    "manager@example.org": "dashboard:page",
    "therapeut@example.org": "referrals:incoming",
    "therapeut2@example.org": "referrals:incoming",
    "admin@example.org": "admin:index",
}


@pytest.mark.parametrize(("email", "home"), DEMO_HOMES.items())
def test_demo_user_signs_in_and_lands_on_their_home_page(email, home, client):
    call_command("seed_demo", "--no-documents", stdout=StringIO())

    response = client.post(
        reverse("accounts:login"), {"username": email, "password": "loopbaan-demo"}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (reverse(home), 302)
    assert response.wsgi_request.user.email == email


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:accounts_practice_changelist",
        "admin:accounts_user_changelist",
        "admin:therapists_therapist_changelist",
    ],
)
def test_admin_can_open_the_changelists(changelist, admin, gp, therapist, client_for):
    assert client_for(admin).get(reverse(changelist)).status_code == 200


def test_admin_verify_action_records_who_verified_and_when(admin, client_for):
    therapist = TherapistFactory()
    before = timezone.now()

    response = client_for(admin).post(
        reverse("admin:therapists_therapist_changelist"),
        {"action": "verify_certification", "_selected_action": [therapist.pk]},
    )

    assert response.status_code == 302
    therapist.refresh_from_db()
    assert therapist.is_verified
    assert therapist.verified_by == admin
    assert before <= therapist.verified_at <= timezone.now()


def test_admin_verify_action_keeps_an_earlier_verification(admin, client_for):
    therapist = TherapistFactory(verified=True)
    earlier = Therapist.objects.values_list("verified_by", "verified_at").get(pk=therapist.pk)

    client_for(admin).post(
        reverse("admin:therapists_therapist_changelist"),
        {"action": "verify_certification", "_selected_action": [therapist.pk]},
    )

    assert Therapist.objects.values_list("verified_by", "verified_at").get(pk=therapist.pk) == (
        earlier
    )
