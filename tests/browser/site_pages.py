"""Every page of the site for each role, in the demo data: the walk the axe, phone-width and
user-guide tests share.

The URL names come from the access table's walk of the URL configuration (`url_names`), who may
open each from the permission matrix's table, and the objects from the demo data, chosen the way
the matrix chooses its own: a referral in the status each page is meant for. So a new URL joins
these tests the moment it is added to those tables (and they fail until it is).
"""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import User
from core.exceptions import DomainError
from outcomes.instruments import INSTRUMENTS
from outcomes.services import questionnaire_check_entry
from patients.models import Patient
from referrals.models import Referral, Status
from referrals.schedule import QUESTIONNAIRE_WEEKS
from referrals.selectors import referrals_visible_to
from therapy.models import SavedGroup

from ..test_access import url_names
from ..test_permission_matrix import TABLE, World

PASSWORD = "loopbaan-demo"
# The demo users who play the matrix's personas: a GP and a therapist of the same referrals.
DEMO_USERS = {
    "gp": "huisarts@example.org",
    "therapist": "therapeut@example.org",
    "manager": "manager@example.org",
    "admin": "admin@example.org",
}
ROLES = ("anonymous", *DEMO_USERS)

# Answers that are files or data, not pages: nothing for axe to read or a phone to scroll.
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "fhirapi:metadata": "FHIR JSON for GP systems",
    "fhirapi:token": "OAuth token endpoint (POST)",
    "fhirapi:search": "FHIR JSON for GP systems (bearer token)",
    "fhirapi:read": "FHIR JSON for GP systems (bearer token)",
    "dashboard:monthly_csv": "CSV download",
    "dashboard:outcomes_csv": "CSV download",
    "dashboard:pdf": "PDF download",
    "referrals:preview": "the draft letter (PDF)",
    "referrals:letter": "the referral letter (PDF)",
    "referrals:information_sheet": "the patient information sheet (PDF)",
    "referrals:document": "a stored report (PDF)",
    "referrals:addendum": "an addendum to a report (PDF)",
    "otp_webauthn:js-i18n-catalog": "the passkey script's texts (JavaScript)",
}


@dataclass(frozen=True)
class SitePage:
    name: str
    url: str
    # Pages reached other than by their own URL name (an error page, a referral in another status).
    label: str = ""

    def __str__(self) -> str:
        return f"{self.label or self.name} ({self.url})"


def demo_world() -> World:
    """The matrix's world, made of demo referrals from practice 1's GP to therapeut@."""
    users = {persona: User.objects.get(email=email) for persona, email in DEMO_USERS.items()}
    therapist = users["therapist"].therapist
    practice = users["gp"].practice

    def referral(status: str) -> Referral:
        mine = Referral.objects.filter(practice=practice, status=status).order_by("pk")
        if status != Status.DRAFT:
            mine = mine.filter(therapist=therapist)
        return mine.first()

    in_therapy = referral(Status.IN_THERAPY)
    return World(
        users=users,
        sent=referral(Status.SENT),
        draft=referral(Status.DRAFT),
        accepted=referral(Status.ACCEPTED),
        intake_done=referral(Status.INTAKE_DONE),
        in_therapy=in_therapy,
        completed=referral(Status.COMPLETED),
        new_patient=Patient.objects.filter(practice=practice).first(),
        alert_pk=0,  # only POSTed to (acknowledge): no page to open
        session_pk=_session_of(in_therapy, group=False),
        group_session_pk=_session_of(in_therapy, group=True),
        addendum_pk=0,  # a PDF, not a page
        response_pk=in_therapy.questionnaires.values_list("pk", flat=True).first() or 0,
        saved_group_pk=SavedGroup.objects.filter(owner=users["therapist"]).first().pk,
        followed_up=Referral.objects.filter(follow_up__recorded_by=users["gp"])
        .order_by("-follow_up__recorded_at", "pk")
        .first(),
    )


def _session_of(referral: Referral, *, group: bool) -> int:
    """A session of the referral that its therapist may correct, single or of a group."""
    rows = referral.sessions.filter(withdrawn_at=None, group__isnull=not group).order_by("pk")
    return rows.values_list("pk", flat=True).first() or 0


def open_questionnaire_url(world: World) -> str:
    """A questionnaire the therapist may enter now (the matrix's week 0 is done in the demo)."""
    therapist = world.users["therapist"]
    for referral in Referral.objects.filter(therapist__user=therapist).order_by("pk"):
        for code in INSTRUMENTS:
            for week in QUESTIONNAIRE_WEEKS:
                entry = dict(referral=referral, instrument_code=code, week=week, by=therapist)
                try:
                    questionnaire_check_entry(**entry)
                except DomainError:
                    continue
                return reverse(
                    "outcomes:enter", kwargs={"pk": referral.pk, "code": code, "week": week}
                )
    raise AssertionError("the demo data has no questionnaire to enter")


# Pages whose matrix object does not fit the demo data.
DEMO_URLS = {"outcomes:enter": open_questionnaire_url}


def page_url(name: str, world: World) -> str:
    return DEMO_URLS[name](world) if name in DEMO_URLS else world.url(name)


SCOPES = {
    "gp": lambda w: Referral.objects.filter(practice=w.users["gp"].practice),
    # What was sent to them and is with them, and what they treated (referrals.recipients).
    "therapist": lambda w: referrals_visible_to(w.users["therapist"]),
}


def referral_seen_by(role: str, status: str, world: World) -> Referral | None:
    """The first demo referral in `status` that `role` (gp or therapist) sees."""
    return SCOPES[role](world).filter(status=status).order_by("pk").first()


def pages_for(role: str, world: World) -> list[SitePage]:
    """Every page `role` may GET, plus the referral page in each status the role sees."""
    pages = [
        SitePage(name, page_url(name, world))
        for name in url_names()
        if role in TABLE[name].get and name not in NOT_PAGES
    ]
    if role in SCOPES:
        for status in Status:
            referral = referral_seen_by(role, status, world)
            if referral:
                url = reverse("referrals:detail", kwargs={"pk": referral.pk})
                pages.append(SitePage("referrals:detail", url, f"referral, {status.label}"))
    return pages


def pages_without_a_role() -> list[str]:
    """URL names no role opens as a page: they must be POST-only, redirects or files."""
    return [
        name
        for name in url_names()
        if name not in NOT_PAGES and not any(role in TABLE[name].get for role in ROLES)
    ]
