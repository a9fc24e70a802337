"""The permission matrix: every URL, GET and POST, as every persona; no 2xx outside the table.

For each URL name and method the table below lists the personas that MAY get a 2xx answer (and,
for POST, may act: start, accept, acknowledge answer with a redirect). Everyone else must get a
redirect (to the sign-in page or elsewhere), 403, 404 or 405, and the request must change nothing
in the database. The objects are real: each URL gets a referral in
the status its page is meant for, so an allowed persona gets the page itself (GET answers 2xx),
not a "this step does not fit" redirect that would hide a missing check.

POSTs carry an empty body; the test client does not enforce CSRF.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from patients.models import Patient
from referrals.models import FollowUp, Referral, ReferralDocument, Status

from .factories import (
    FitnessCheckFactory,
    IntakeFactory,
    PatientFactory,
    QuestionnaireResponseFactory,
    ReferralDocumentFactory,
    ReferralFactory,
    SafetyAlertFactory,
    SavedGroupFactory,
    ScreeningFactory,
    TherapySessionFactory,
    passkey_of,
)
from .test_access import url_names

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "gp",
    "gp_other_practice",
    "therapist",
    "therapist_other",
    "manager",
    "admin",
)
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
EVERYONE = frozenset(PERSONAS)
NOBODY: frozenset[str] = frozenset()
GPS = frozenset({"gp", "gp_other_practice"})
THERAPISTS = frozenset({"therapist", "therapist_other"})
OWNING_GP = frozenset({"gp"})
ASSIGNED_THERAPIST = frozenset({"therapist"})
CARE = OWNING_GP | ASSIGNED_THERAPIST
# Statuses an outsider may get instead of the page: a redirect, refused, not found, wrong method.
# 401: the FHIR API without a token; 400: its token endpoint without client credentials
# (RFC 6749 5.2, invalid_request). Neither is a 2xx, which is what this matrix guards.
REFUSALS = {301, 302, 303, 307, 308, 400, 401, 403, 404, 405}


@dataclass(frozen=True)
class Row:
    """The personas that may get a 2xx on GET, and that may get a 2xx or act on POST."""

    get: frozenset[str]
    post: frozenset[str] = field(default=NOBODY)


def same(who: frozenset[str]) -> Row:
    """Views that answer GET and POST alike (a page, or a form that re-renders with errors)."""
    return Row(get=who, post=who)


# url name -> who may get a 2xx. Add every new URL here; the first test fails until you do.
TABLE: dict[str, Row] = {
    # Redirects to each role's home page.
    "home": Row(get=NOBODY),
    "healthz": Row(get=EVERYONE),  # GET only: POST is 405
    # The FHIR interface answers a bearer token, never a session (tests/test_fhir_read.py).
    "fhirapi:metadata": Row(get=EVERYONE),
    "fhirapi:token": Row(get=NOBODY),
    "fhirapi:search": Row(get=NOBODY),
    "fhirapi:read": Row(get=NOBODY),
    # Signed-in users are sent on; an empty POST shows the form's errors to the anonymous.
    "accounts:login": same(frozenset({"anonymous"})),
    "accounts:logout": Row(get=NOBODY, post=SIGNED_IN),  # POST only, and it redirects
    "set_language": Row(get=NOBODY),  # always redirects
    # Every signed-in user's own account pages.
    "accounts:two_factor_verify": same(SIGNED_IN),
    "accounts:two_factor_setup": Row(get=NOBODY),  # without the e-mailed link: "check e-mail"
    "accounts:enrolment_pending": same(SIGNED_IN),  # POST asks for a new link
    "accounts:enrol": Row(get=NOBODY),  # an unknown token: 404, signed in or not
    "accounts:password_reset_confirm": same(EVERYONE),  # an unknown token: "link no longer works"
    "accounts:password_reset_complete": Row(get=EVERYONE),
    "accounts:password_change": same(SIGNED_IN),
    "accounts:password_change_done": Row(get=SIGNED_IN),
    # The user's own passkeys (the world's passkey is the GP's); removing is POST only, and
    # refused for the GP's only second factor.
    "accounts:passkeys": Row(get=SIGNED_IN),
    # A GP's new colleagues; nobody waits in the matrix's world, so deciding finds no one.
    "accounts:colleagues": Row(get=GPS),
    "accounts:colleague_confirm": Row(get=NOBODY),
    "accounts:colleague_refuse": Row(get=NOBODY),
    "accounts:passkey_name": same(OWNING_GP),
    "accounts:passkey_remove": Row(get=NOBODY, post=OWNING_GP),
    # The passkey ceremonies (JSON, POST only). Registering: refused without two factors or the
    # e-mailed link. Signing in: a signed-in user may ask for the challenge and answer it (no
    # answer is a 400 and counts as a failed sign-in).
    "otp_webauthn:credential-registration-begin": Row(get=NOBODY),
    "otp_webauthn:credential-registration-complete": Row(get=NOBODY),
    "otp_webauthn:credential-authentication-begin": Row(get=NOBODY, post=SIGNED_IN),
    "otp_webauthn:credential-authentication-complete": Row(get=NOBODY, post=SIGNED_IN),
    "otp_webauthn:js-i18n-catalog": Row(get=SIGNED_IN),
    # A GP's own practice: the list and the registration form, for GPs of any practice.
    "patients:list": same(GPS),
    "patients:create": same(GPS),
    "patients:detail": same(CARE),
    # Correcting the patient's details: any GP of the practice (another practice: 404).
    "patients:correct": same(OWNING_GP),
    # Correcting what the therapist recorded: only its author (the others: 404 or 403).
    "therapy:intake_correct": same(ASSIGNED_THERAPIST),
    "therapy:screening_correct": same(ASSIGNED_THERAPIST),
    "therapy:questionnaire_correct": same(ASSIGNED_THERAPIST),
    "therapy:session_correct": same(ASSIGNED_THERAPIST),
    "therapy:group_session_correct": same(ASSIGNED_THERAPIST),
    "therapy:session_withdraw": same(ASSIGNED_THERAPIST),
    # An addendum to a letter back, as sent: whoever may read the referral.
    "referrals:addendum": same(CARE),
    # AVG rights and the WGBO retention review: the practice's GPs only, never the therapist.
    "patients:export": same(OWNING_GP),  # GET: what it holds; POST: the ZIP
    "patients:erase": same(OWNING_GP),  # POST on a recent record: refused, with a redirect
    "patients:retention": same(GPS),
    "referrals:worklist": same(GPS),
    "referrals:incoming": same(THERAPISTS),
    # Each therapist's own past clients (what they treated), read only.
    "referrals:past_clients": same(THERAPISTS),
    "notifications:reminder_runs": same(frozenset({"admin"})),
    # POST only: the administrator's "send again" redirects to the reminder runs.
    "notifications:resend": Row(get=NOBODY, post=frozenset({"admin"})),
    # POST only; starting redirects to the new draft.
    "referrals:start": Row(get=NOBODY, post=OWNING_GP),
    "referrals:detail": same(CARE),
    # The draft's pages (on a draft): only a GP of the practice.
    "referrals:edit": same(OWNING_GP),  # an empty POST is a valid draft: saved, redirected
    "referrals:fitness": same(OWNING_GP),
    "referrals:therapist": Row(get=OWNING_GP),  # POST without a therapist is 404
    "referrals:send": same(OWNING_GP),  # not ready to send: the problems are shown
    "referrals:network": Row(get=NOBODY, post=OWNING_GP),  # POST only, redirects
    "referrals:preview": same(OWNING_GP),
    "referrals:letter": same(CARE),
    "referrals:information_sheet": same(OWNING_GP),
    "referrals:cancel": same(OWNING_GP),
    # The therapist's steps, each on a referral in the status it needs.
    "referrals:accept": Row(get=NOBODY, post=ASSIGNED_THERAPIST),  # POST only, redirects
    "referrals:decline": same(ASSIGNED_THERAPIST),
    "therapy:intake": same(ASSIGNED_THERAPIST),
    "therapy:screening": same(ASSIGNED_THERAPIST),
    "therapy:letter_back": same(ASSIGNED_THERAPIST),
    "therapy:close": same(ASSIGNED_THERAPIST),
    "referrals:document": same(CARE),
    "referrals:follow_up": same(OWNING_GP),
    # The follow-up's correction: the GP who recorded it, for 30 days.
    "referrals:follow_up_correct": same(OWNING_GP),
    "outcomes:enter": same(ASSIGNED_THERAPIST),
    "patientlinks:links": same(ASSIGNED_THERAPIST),
    "patientlinks:open": Row(get=NOBODY),  # an unknown token: 404, signed in or not
    "outcomes:acknowledge": Row(get=NOBODY, post=OWNING_GP),  # POST only, redirects
    "therapy:session_add": same(ASSIGNED_THERAPIST),
    # A therapist's own group: each therapist sees only their own patients in therapy.
    "therapy:session_group": same(THERAPISTS),
    # Each therapist's own saved groups; the world's group is `therapist`'s.
    "therapy:groups": same(THERAPISTS),
    "therapy:group_add": same(THERAPISTS),
    "therapy:group_edit": same(ASSIGNED_THERAPIST),
    "therapy:group_delete": Row(get=NOBODY, post=ASSIGNED_THERAPIST),  # POST only, redirects
    # Every therapist's own profile.
    "therapists:profile": same(THERAPISTS),
    # Reports are scoped per role (own referrals, own practice, aggregates only for managers).
    "dashboard:page": same(SIGNED_IN),
    "dashboard:monthly_csv": same(SIGNED_IN),
    "dashboard:outcomes_csv": same(SIGNED_IN),
    "dashboard:pdf": same(SIGNED_IN),
}


@dataclass
class World:
    """The personas and, per status a page needs, a referral of `gp`'s practice to `therapist`."""

    users: dict[str, User]
    sent: Referral
    draft: Referral
    accepted: Referral
    intake_done: Referral
    in_therapy: Referral
    completed: Referral
    new_patient: Patient
    alert_pk: int
    session_pk: int
    group_session_pk: int
    addendum_pk: int
    response_pk: int
    saved_group_pk: int = 0
    #: A referral whose follow-up `gp` recorded (within the 30 days it may be corrected).
    followed_up: Referral | None = None

    def url(self, name: str) -> str:
        return reverse(name, kwargs=URL_KWARGS[name](self) if name in URL_KWARGS else {})


def build_world(request) -> World:
    users = {p: request.getfixturevalue(p) for p in PERSONAS if p != "anonymous"}
    gp, therapist = users["gp"], users["therapist"].therapist
    today = timezone.localdate()
    weeks_ago = timezone.now() - timedelta(weeks=4)

    def referral(status: str, **extra) -> Referral:
        patient = PatientFactory(practice=gp.practice)
        return ReferralFactory(patient=patient, gp=gp, therapist=therapist, status=status, **extra)

    sent = request.getfixturevalue("referral")  # with its fitness check and the letter as sent
    draft = referral(Status.DRAFT)
    FitnessCheckFactory(referral=draft)
    accepted = referral(Status.ACCEPTED, accepted_at=timezone.now())
    intake_done = IntakeFactory(
        referral=referral(Status.INTAKE_DONE, intake_date=today, intake_done_at=timezone.now())
    ).referral
    in_therapy = referral(
        Status.IN_THERAPY,
        intake_date=today - timedelta(weeks=4),
        intake_done_at=weeks_ago,
        therapy_started_at=weeks_ago,
    )
    ReferralDocumentFactory(
        referral=in_therapy,
        kind=ReferralDocument.Kind.INTAKE_LETTER_BACK,
        created_by=therapist.user,
    )
    ScreeningFactory(referral=in_therapy, date=today - timedelta(weeks=4))
    session = TherapySessionFactory(referral=in_therapy)
    group_session = TherapySessionFactory(referral=in_therapy, group=uuid.uuid4())
    addendum = ReferralDocumentFactory(
        referral=in_therapy, kind=ReferralDocument.Kind.ADDENDUM, created_by=therapist.user
    )
    completed = referral(
        Status.COMPLETED,
        intake_date=today - timedelta(weeks=12),
        completed_at=timezone.now(),
    )
    alert = SafetyAlertFactory(response__referral=sent)
    followed_up = referral(
        Status.FOLLOWED_UP,
        intake_date=today - timedelta(weeks=14),
        completed_at=timezone.now() - timedelta(weeks=1),
    )
    FollowUp.objects.create(
        referral=followed_up,
        date=today,
        wellbeing=FollowUp.Wellbeing.BETTER,
        antidepressant=FollowUp.Antidepressant.NEVER,
        work_status=FollowUp.Work.WORKING,
        runs_per_week=2,
        minutes_per_week=60,
        plan=[FollowUp.Plan.KEEP_RUNNING],
        recorded_by=gp,
    )
    return World(
        users=users,
        sent=sent,
        draft=draft,
        accepted=accepted,
        intake_done=intake_done,
        in_therapy=in_therapy,
        completed=completed,
        new_patient=PatientFactory(practice=gp.practice),
        alert_pk=alert.pk,
        session_pk=session.pk,
        group_session_pk=group_session.pk,
        addendum_pk=addendum.pk,
        response_pk=QuestionnaireResponseFactory(
            referral=in_therapy, instrument="GAD-7", week=5, answers=[1] * 7
        ).pk,
        saved_group_pk=SavedGroupFactory(owner=users["therapist"], members=[in_therapy]).pk,
        followed_up=followed_up,
    )


def _pk(attribute: str):
    return lambda w: {"pk": getattr(w, attribute).pk}


# How each name that takes arguments gets them from the world.
URL_KWARGS = {
    "fhirapi:search": lambda w: {"resource_type": "Patient"},
    "fhirapi:read": lambda w: {"resource_type": "Patient", "resource_id": "1"},
    "accounts:enrol": lambda w: {"token": "not-a-token"},
    "patientlinks:open": lambda w: {"token": "not-a-token"},
    "accounts:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "not-a-token"},
    "accounts:passkey_name": lambda w: {"pk": passkey_of(w.users["gp"])},
    "accounts:colleague_confirm": lambda w: {"pk": 1},
    "accounts:colleague_refuse": lambda w: {"pk": 1},
    "accounts:passkey_remove": lambda w: {"pk": passkey_of(w.users["gp"])},
    "patients:detail": lambda w: {"pk": w.sent.patient_id},
    "patients:export": lambda w: {"pk": w.sent.patient_id},
    "patients:erase": lambda w: {"pk": w.sent.patient_id},
    "referrals:start": lambda w: {"patient_pk": w.new_patient.pk},
    "referrals:network": lambda w: {"pk": w.draft.pk, "therapist_pk": w.draft.therapist_id},
    "therapy:letter_back": lambda w: {"pk": w.in_therapy.pk, "kind": "intake_report"},
    "referrals:document": lambda w: {"pk": w.in_therapy.pk, "kind": "intake_report"},
    "outcomes:enter": lambda w: {"pk": w.in_therapy.pk, "code": "PHQ-9", "week": 0},
    "patientlinks:links": lambda w: {"pk": w.in_therapy.pk},
    "outcomes:acknowledge": lambda w: {"pk": w.alert_pk},
    "patients:correct": lambda w: {"pk": w.sent.patient_id},
    "therapy:intake_correct": _pk("intake_done"),
    "therapy:screening_correct": _pk("in_therapy"),
    "therapy:session_correct": lambda w: {"pk": w.in_therapy.pk, "session": w.session_pk},
    "therapy:session_withdraw": lambda w: {"pk": w.in_therapy.pk, "session": w.session_pk},
    "therapy:group_session_correct": lambda w: {
        "pk": w.in_therapy.pk,
        "session": w.group_session_pk,
    },
    "referrals:addendum": lambda w: {"pk": w.in_therapy.pk, "document": w.addendum_pk},
    "therapy:questionnaire_correct": lambda w: {
        "pk": w.in_therapy.pk,
        "response": w.response_pk,
    },
    "therapy:group_edit": lambda w: {"group_pk": w.saved_group_pk},
    "therapy:group_delete": lambda w: {"group_pk": w.saved_group_pk},
    **dict.fromkeys(
        (
            "referrals:detail",
            "referrals:preview",
            "referrals:letter",
            "referrals:information_sheet",
            "referrals:cancel",
            "referrals:accept",
            "referrals:decline",
        ),
        _pk("sent"),
    ),
    **dict.fromkeys(
        ("referrals:edit", "referrals:fitness", "referrals:therapist", "referrals:send"),
        _pk("draft"),
    ),
    "therapy:intake": _pk("accepted"),
    "therapy:screening": _pk("intake_done"),
    "therapy:close": _pk("in_therapy"),
    "therapy:session_add": _pk("in_therapy"),
    "referrals:follow_up": _pk("completed"),
    "referrals:follow_up_correct": _pk("followed_up"),
}

# Rows that may change on any request, allowed or not: sessions, the access log (NEN 7513 wants
# refused attempts logged) and django-axes' sign-in records.
VOLATILE_TABLES = {"django_session", "accounts_accesslog"}
VOLATILE_APPS = {"axes", "sessions"}


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table the app owns, except the volatile ones above."""
    snapshot = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in VOLATILE_APPS or meta.db_table in VOLATILE_TABLES:
            continue
        columns = [
            f.attname for f in meta.concrete_fields if f.get_internal_type() != "BinaryField"
        ]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        snapshot[meta.label] = [tuple(row) for row in rows]
    return snapshot


def diff(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]


def test_every_url_has_a_row_in_the_matrix():
    names = url_names()
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert set(names) - set(TABLE) == set(), "add these URLs to TABLE in test_permission_matrix"
    assert set(TABLE) - set(names) == set(), "these URLs are gone: remove them from TABLE"


def test_every_url_with_arguments_gets_real_objects():
    takes_arguments = {name for name in TABLE if "<" in _route(name)}
    assert takes_arguments == set(URL_KWARGS), "give these URLs kwargs in URL_KWARGS"


def _route(name: str) -> str:
    """The route of a URL name, with its converters, e.g. `referrals/<id:pk>/`."""

    def walk(patterns, namespace: str, prefix: str) -> str | None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                found = walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
                if found:
                    return found
            elif f"{namespace}{pattern.name}" == name:
                return prefix + str(pattern.pattern)
        return None

    return walk(get_resolver().url_patterns, "", "") or ""


def _is_2xx(status: int) -> bool:
    return 200 <= status < 300


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", sorted(TABLE))
def test_only_the_personas_in_the_table_get_a_2xx(name, method, request):
    world = build_world(request)
    url = world.url(name)
    allowed = TABLE[name].get if method == "GET" else TABLE[name].post
    clients = {"anonymous": Client()}
    for persona, user in world.users.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    # Outsiders first: an allowed POST may move the referral on and change what follows.
    order = sorted(PERSONAS, key=lambda persona: persona in allowed)
    problems = []
    for persona in order:
        client = clients[persona]
        before = None if persona in allowed else database_snapshot()
        response = client.get(url) if method == "GET" else client.post(url)
        status = response.status_code
        if persona in allowed:
            if status >= 500 or (method == "GET" and not _is_2xx(status)):
                problems.append(f"{persona}: {status}, expected 2xx")
            continue
        if status not in REFUSALS:
            problems.append(f"{persona}: {status}, expected a redirect, 403, 404 or 405")
        if (
            persona == "anonymous"
            and status == 302
            and name != "set_language"
            and not response.url.startswith(reverse("accounts:login"))
        ):
            problems.append(f"anonymous: redirected to {response.url}, not to sign in")
        changed = diff(before, database_snapshot())
        if changed:
            problems.append(f"{persona}: {status} but changed {', '.join(changed)}")
    assert not problems, f"{method} {url} ({name}): " + "; ".join(problems)


def test_matrix_objects_belong_to_the_owning_gp_and_the_assigned_therapist(request):
    world = build_world(request)
    gp, therapist = world.users["gp"], world.users["therapist"]
    referrals = [
        world.sent,
        world.draft,
        world.accepted,
        world.intake_done,
        world.in_therapy,
        world.completed,
    ]
    assert {r.practice_id for r in referrals} == {gp.practice_id}
    assert {r.therapist.user_id for r in referrals} == {therapist.pk}
    assert world.users["gp_other_practice"].practice_id != gp.practice_id
    assert world.users["manager"].practice_id == gp.practice_id
