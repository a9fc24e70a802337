"""The access log (NEN 7513): a row per access to patient data, append-only, all URLs classified."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import audit
from accounts.models import AccessLog, AppendOnlyError, User
from patients.models import Patient
from referrals.models import Status

from .factories import (
    TEST_BSNS,
    PatientFactory,
    ReferralFactory,
    SafetyAlertFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CLIENT_ADDRESS = "203.0.113.7"  # TEST-NET-3: documentation addresses only


def signed_in(user: User) -> Client:
    client = Client(REMOTE_ADDR=CLIENT_ADDRESS)
    client.force_login(user)
    return client


def only_row(**filters) -> AccessLog:
    rows = list(AccessLog.objects.filter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


def assert_row_of(row: AccessLog, user: User) -> None:
    assert row.user == user
    assert row.user_email == user.email
    assert row.role == user.role
    assert row.practice_id == user.practice_id
    assert row.client_address == CLIENT_ADDRESS


# --- One row for each kind of action -------------------------------------------------------------


def test_gp_opening_the_patient_page_writes_a_view_row(referral, gp):
    response = signed_in(gp).get(reverse("patients:detail", args=[referral.patient_id]))

    assert response.status_code == 200
    row = only_row(url_name="patients:detail", part="patient")
    assert_row_of(row, gp)
    assert (row.action, row.outcome, row.patient_id, row.method) == (
        "view",
        "ok",
        referral.patient_id,
        "GET",
    )


def test_patient_search_writes_a_search_row_without_the_bsn(gp):
    patient = PatientFactory(practice=gp.practice)

    response = signed_in(gp).post(reverse("patients:list"), {"query": patient.bsn})

    assert response.status_code == 200
    row = only_row(url_name="patients:list")
    assert_row_of(row, gp)
    assert (row.action, row.part, row.outcome, row.patient_id) == (
        "search",
        "patient_search",
        "ok",
        None,
    )
    stored = " ".join(str(value) for value in AccessLog.objects.values_list().get())
    assert patient.bsn not in stored
    assert patient.surname not in stored


def test_registering_a_patient_writes_a_create_row_with_the_new_patient(gp):
    data = {
        "bsn": TEST_BSNS[-1],
        "initials": "J.",
        "first_name": "Jan",
        "surname": "Jansen",
        "date_of_birth": "1980-05-01",
        "sex": "male",
    }

    response = signed_in(gp).post(reverse("patients:create"), data)

    assert response.status_code == 302
    row = only_row(url_name="patients:create")
    assert_row_of(row, gp)
    assert (row.action, row.part, row.outcome, row.method) == ("create", "patient", "ok", "POST")
    assert row.patient_id == Patient.objects.get().pk


def test_saving_a_draft_referral_writes_a_change_row(gp):
    draft = ReferralFactory(gp=gp, patient=PatientFactory(practice=gp.practice))
    data = {
        "consent_given": "on",
        "complaint": "P78",
        "severity": "moderate",
        "purpose": "reintegration",
        "funding": "uwv",
        "urgency": "routine",
        "question": "Graag begeleiding bij het hardlopen.",
    }

    response = signed_in(gp).post(reverse("referrals:edit", args=[draft.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    row = only_row(url_name="referrals:edit")
    assert_row_of(row, gp)
    assert (row.action, row.part, row.outcome, row.patient_id) == (
        "change",
        "referral",
        "ok",
        draft.patient_id,
    )


def test_downloading_the_letter_writes_a_print_row(referral, therapist):
    response = signed_in(therapist).get(reverse("referrals:letter", args=[referral.pk]))

    assert response.status_code == 200
    row = only_row(url_name="referrals:letter")
    assert_row_of(row, therapist)
    assert (row.action, row.part, row.outcome, row.patient_id) == (
        "print",
        "letter",
        "ok",
        referral.patient_id,
    )


def test_exporting_a_record_writes_an_export_row(referral, gp):
    response = signed_in(gp).post(reverse("patients:export", args=[referral.patient_id]))

    assert response.status_code == 200
    row = only_row(url_name="patients:export")
    assert_row_of(row, gp)
    assert (row.action, row.part, row.outcome, row.patient_id) == (
        "export",
        "export",
        "ok",
        referral.patient_id,
    )


def test_gp_of_another_practice_is_logged_as_refused_with_the_patient(referral, gp_other_practice):
    response = signed_in(gp_other_practice).get(
        reverse("patients:detail", args=[referral.patient_id])
    )

    assert response.status_code == 404
    row = only_row(url_name="patients:detail")
    assert_row_of(row, gp_other_practice)
    assert (row.action, row.part, row.outcome, row.patient_id) == (
        "denied",
        "patient",
        "not_found",
        referral.patient_id,
    )


def test_a_role_without_access_is_logged_as_denied(referral, manager):
    response = signed_in(manager).get(reverse("referrals:detail", args=[referral.pk]))

    assert response.status_code == 403
    row = only_row(url_name="referrals:detail")
    assert_row_of(row, manager)
    assert (row.action, row.outcome, row.patient_id) == ("denied", "denied", referral.patient_id)


def test_a_referral_scoped_url_logs_the_referrals_patient(referral, therapist):
    signed_in(therapist).get(reverse("therapy:session_add", args=[referral.pk]))
    signed_in(therapist).get(reverse("outcomes:enter", args=[referral.pk, "PHQ-9", 0]))

    assert set(AccessLog.objects.values_list("url_name", "patient_id")) == {
        ("therapy:session_add", referral.patient_id),
        ("outcomes:enter", referral.patient_id),
    }


def test_acknowledging_a_safety_alert_logs_the_alerts_patient(gp, therapist):
    referral = ReferralFactory(
        gp=gp,
        patient=PatientFactory(practice=gp.practice),
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
    )
    alert = SafetyAlertFactory(response__referral=referral)

    response = signed_in(gp).post(
        reverse("outcomes:acknowledge", args=[alert.pk]), {"note": "Patiënt gebeld."}
    )

    assert response.status_code == 302
    row = only_row(url_name="outcomes:acknowledge")
    assert (row.action, row.part, row.patient_id) == ("change", "safety_alert", referral.patient_id)


def test_anonymous_requests_are_not_logged(referral):
    response = Client().get(reverse("patients:detail", args=[referral.patient_id]))

    assert response.status_code == 302
    assert not AccessLog.objects.exists()


def test_pages_without_patient_data_are_not_logged(manager, gp):
    signed_in(manager).get(reverse("dashboard:page"))
    signed_in(gp).get(reverse("home"))

    assert not AccessLog.objects.exists()


def test_the_log_keeps_the_url_name_never_the_path_or_query_string(referral, gp):
    signed_in(gp).get(
        reverse("patients:detail", args=[referral.patient_id]) + "?bsn=999999990&q=Jansen"
    )

    stored = " ".join(
        str(value) for row in AccessLog.objects.values_list() for value in row if value
    )
    assert "999999990" not in stored
    assert "Jansen" not in stored
    assert "/patients/" not in stored


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(referral, gp):
    url = reverse("patients:detail", args=[referral.patient_id])
    client = signed_in(gp)

    client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1")
    with override_settings(ACCESS_LOG_TRUSTED_PROXIES=1):
        client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.1")

    rows = AccessLog.objects.filter(url_name="patients:detail", part="patient").order_by("pk")
    assert [row.client_address for row in rows] == [CLIENT_ADDRESS, "198.51.100.1"]


# --- Who looked at this record -------------------------------------------------------------------


def test_gp_sees_who_looked_at_the_record_and_that_look_is_logged(referral, gp, therapist):
    signed_in(therapist).get(reverse("patients:detail", args=[referral.patient_id]))

    response = signed_in(gp).get(reverse("patients:detail", args=[referral.patient_id]))

    shown = response.context["access_log"]
    assert [(row.user_email, row.action, row.part) for row in shown] == [
        (therapist.email, "view", "patient")
    ]
    html = response.content.decode()
    assert 'id="access-log"' in html
    assert therapist.email in html
    looked = only_row(part="access_log")
    assert_row_of(looked, gp)
    assert (looked.action, looked.patient_id) == ("view", referral.patient_id)
    # The page view itself is logged too.
    assert AccessLog.objects.filter(user=gp, part="patient", action="view").count() == 1


def test_the_record_shows_at_most_fifty_rows_newest_first(referral, gp):
    for n in range(60):
        audit.access_log_write(user=gp, action="view", part=f"p{n}", patient_id=referral.patient_id)

    shown = (
        signed_in(gp)
        .get(reverse("patients:detail", args=[referral.patient_id]))
        .context["access_log"]
    )

    assert len(shown) == 50
    assert shown[0].part == "p59"


def test_therapist_does_not_see_who_looked_at_the_record(referral, therapist):
    response = signed_in(therapist).get(reverse("patients:detail", args=[referral.patient_id]))

    assert response.status_code == 200
    assert response.context.get("access_log") is None
    assert 'id="access-log"' not in response.content.decode()
    assert not AccessLog.objects.filter(part="access_log").exists()


# --- Append-only ---------------------------------------------------------------------------------


@pytest.fixture
def log_row(gp) -> AccessLog:
    return audit.access_log_write(user=gp, action="view", part="patient", patient_id=1)


def test_a_saved_row_cannot_be_changed(log_row):
    log_row.part = "referral"
    with pytest.raises(AppendOnlyError):
        log_row.save()
    assert AccessLog.objects.get().part == "patient"


def test_a_row_cannot_be_deleted(log_row):
    with pytest.raises(AppendOnlyError):
        log_row.delete()
    assert AccessLog.objects.count() == 1


def test_the_queryset_refuses_update_and_delete(log_row):
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log_row.pk).update(part="referral")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.bulk_update([log_row], ["part"])
    assert AccessLog.objects.get().part == "patient"


def test_deleting_a_user_keeps_their_rows_with_the_email(db):
    user = UserFactory(role=User.Role.THERAPIST, email="vertrokken@example.org")
    audit.access_log_write(user=user, action="view", part="patient", patient_id=7)

    user.delete()

    row = AccessLog.objects.get()
    assert (row.user_id, row.user_email, row.patient_id) == (None, "vertrokken@example.org", 7)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_accesslog SET part = 'referral'",
        "UPDATE accounts_accesslog SET user_id = NULL, part = 'referral'",
        "DELETE FROM accounts_accesslog",
    ],
)
def test_the_database_refuses_raw_update_and_delete(sql, log_row):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)

    assert AccessLog.objects.get().part == "patient"


# --- The admin -----------------------------------------------------------------------------------


def test_admin_reads_the_log_and_that_is_logged(log_row, admin):
    client = signed_in(admin)

    response = client.get(reverse("admin:accounts_accesslog_changelist"))

    assert response.status_code == 200
    row = AccessLog.objects.exclude(pk=log_row.pk).get()
    assert_row_of(row, admin)
    assert (row.action, row.part, row.outcome) == ("view", "access_log", "ok")


def test_admin_can_filter_and_search_the_log(log_row, admin):
    client = signed_in(admin)
    url = reverse("admin:accounts_accesslog_changelist")

    for query in ({"q": "gp@example.org"}, {"q": "1"}, {"action__exact": "view"}, {"q": "x y"}):
        assert client.get(url, query).status_code == 200


def test_admin_opens_a_row_read_only_and_that_is_logged(log_row, admin):
    url = reverse("admin:accounts_accesslog_change", args=[log_row.pk])

    response = signed_in(admin).get(url)

    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    row = AccessLog.objects.exclude(pk=log_row.pk).get()
    assert (row.part, row.patient_id, row.action) == ("access_log", log_row.patient_id, "view")


def test_admin_cannot_add_change_or_delete_rows(log_row, admin):
    client = signed_in(admin)

    assert client.get(reverse("admin:accounts_accesslog_add")).status_code == 403
    change = reverse("admin:accounts_accesslog_change", args=[log_row.pk])
    assert client.post(change, {"part": "referral"}).status_code == 403
    delete = reverse("admin:accounts_accesslog_delete", args=[log_row.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessLog.objects.get(pk=log_row.pk).part == "patient"
    refused = AccessLog.objects.filter(part="access_log", outcome="denied")
    assert refused.count() == 2  # the add page and the change POST


# --- Every URL is classified ---------------------------------------------------------------------


def url_patterns(patterns=None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    """Every URL name of the project outside the admin (the admin logs reads of the log itself),
    with its pattern."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if str(pattern.pattern).startswith("static/"):
                continue
            name = f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern}>"
            found.append((name, pattern))
    return found


def test_every_url_touches_patient_data_or_is_declared_not_to():
    names = {name for name, _pattern in url_patterns()}

    unclassified = names - set(audit.PATIENT_DATA) - audit.NO_PATIENT_DATA
    assert unclassified == set(), (
        "add these URLs to accounts.audit.PATIENT_DATA (with the part of the record they show) "
        "or to NO_PATIENT_DATA"
    )
    assert set(audit.PATIENT_DATA) & audit.NO_PATIENT_DATA == set()
    gone = (set(audit.PATIENT_DATA) | audit.NO_PATIENT_DATA) - names
    assert gone == set(), "these URLs are gone: remove them from accounts.audit"


def test_every_logged_url_with_a_pk_says_what_the_pk_points_at():
    for name, pattern in url_patterns():
        arguments = pattern.pattern.converters
        if name in audit.PATIENT_DATA and "pk" in arguments and "patient_pk" not in arguments:
            assert audit.pk_kind(name) is not None, name


def test_every_part_has_a_label():
    assert set(audit.PATIENT_DATA.values()) | {"access_log"} <= set(audit.PART_LABELS)


@pytest.mark.parametrize(
    ("name", "method", "action"),
    [
        ("patients:detail", "GET", "view"),
        ("patients:list", "POST", "search"),
        ("patients:create", "POST", "create"),
        ("referrals:edit", "POST", "change"),
        ("referrals:letter", "GET", "print"),
        ("referrals:preview", "GET", "print"),
        ("referrals:information_sheet", "GET", "print"),
        ("referrals:document", "GET", "print"),
        ("patients:export", "GET", "view"),
        ("patients:export", "POST", "export"),
        ("patients:erase", "POST", "erase"),
    ],
)
def test_the_action_follows_from_url_and_method(name, method, action):
    assert audit.action_for(name, method) == action


@pytest.mark.parametrize(
    ("status", "outcome"), [(200, "ok"), (302, "ok"), (403, "denied"), (404, "not_found")]
)
def test_the_outcome_follows_from_the_status(status, outcome):
    assert audit.outcome_for(status) == outcome
