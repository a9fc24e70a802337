"""The administrator can never act as another user: no authenticator key or recovery code is
shown, nobody's password is set in the admin, links go only to the user's own address, and every
look at a user's account is in the access log."""

from base64 import b32encode

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessLog, EnrolmentLink, User
from therapists.models import Therapist

from .factories import TEST_PASSWORD, TherapistFactory
from .mails import mailed_link

pytestmark = pytest.mark.django_db

ATTACKER_PASSWORD = "Overname-Door-Beheerder-1"


@pytest.fixture
def gp_devices(gp):
    totp = TOTPDevice.objects.create(user=gp, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=gp, name="recovery", confirmed=True)
    codes = [f"rcv{n:05d}" for n in range(10)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return totp, codes


def secrets_of(totp: TOTPDevice, codes: list[str]) -> list[str]:
    return [totp.key, b32encode(totp.bin_key).decode().rstrip("="), *codes]


def run_action(client: Client, action: str, *users: User):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [u.pk for u in users]},
    )


def test_no_admin_page_shows_a_gps_authenticator_key_or_recovery_codes(
    admin, gp, gp_devices, client_for
):
    totp, codes = gp_devices
    client = client_for(admin)
    pages = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[gp.pk]),
        reverse("admin:accounts_user_history", args=[gp.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert [s for s in secrets_of(totp, codes) if s in response.text] == [], url
    assert "otp_totp" not in client.get(reverse("admin:index")).text


def test_the_device_pages_of_django_otp_are_not_in_the_admin(admin, gp_devices, client_for):
    totp, _codes = gp_devices
    for name in (
        "admin:otp_totp_totpdevice_changelist",
        "admin:otp_static_staticdevice_changelist",
    ):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    client = client_for(admin)
    for path in (
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{totp.pk}/change/",
        f"/admin/otp_totp/totpdevice/{totp.pk}/config/",
        f"/admin/otp_totp/totpdevice/{totp.pk}/qrcode/",
        "/admin/otp_static/staticdevice/",
    ):
        assert client.get(path).status_code == 404, path


def test_the_admin_cannot_set_a_gps_password(admin, gp, client_for):
    client = client_for(admin)
    url = reverse("admin:auth_user_password_change", args=[gp.pk])
    data = {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD}

    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403

    gp.refresh_from_db()
    assert gp.check_password(TEST_PASSWORD)
    change_page = client.get(reverse("admin:accounts_user_change", args=[gp.pk]))
    assert url not in change_page.text


def test_the_admin_cannot_steer_the_gps_links_to_another_address(admin, gp, client_for):
    url = reverse("admin:accounts_user_change", args=[gp.pk])
    data = {
        "email": admin.email.replace("@", "+gp@"),
        "first_name": gp.first_name,
        "last_name": gp.last_name,
        "role": gp.role,
        "practice": gp.practice_id,
        "is_active": "on",
        "gp_profile-TOTAL_FORMS": "1",
        "gp_profile-INITIAL_FORMS": "1",
        "gp_profile-0-id": gp.gp_profile.pk,
        "gp_profile-0-user": gp.pk,
        "gp_profile-0-agb_code": gp.gp_profile.agb_code,
        "gp_profile-0-big_number": gp.gp_profile.big_number,
    }

    response = client_for(admin).post(url, data)

    assert response.status_code == 302
    gp.refresh_from_db()
    assert gp.email == "gp@example.org"


def test_the_takeover_sequence_fails(
    admin, gp, gp_devices, referral, client_for, django_capture_on_commit_callbacks
):
    """What the attacker did: read the key, set the password, sign in as the GP."""
    totp, codes = gp_devices
    client = client_for(admin)
    change_page = client.get(reverse("admin:accounts_user_change", args=[gp.pk])).text
    assert [s for s in secrets_of(totp, codes) if s in change_page] == []
    set_password = reverse("admin:auth_user_password_change", args=[gp.pk])
    refused = client.post(
        set_password, {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD}
    )
    assert refused.status_code == 403
    # The links the admin may send go to the GP's own address, never to the admin's.
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "send_password_reset_link", gp)
        run_action(client, "reset_two_factors", gp)
    assert {address for m in mail.outbox for address in m.to} == {gp.email}

    attacker = Client()
    signed_in = attacker.post(
        reverse("accounts:login"), {"username": gp.email, "password": ATTACKER_PASSWORD}
    )

    assert signed_in.status_code == 200
    assert SESSION_KEY not in attacker.session
    detail = reverse("patients:detail", args=[referral.patient_id])
    assert attacker.get(detail).status_code == 302
    assert not AccessLog.objects.filter(part="patient", user=gp).exists()


def test_send_password_reset_link_mails_the_user_a_link_that_sets_their_password(
    admin, gp, client, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client_for(admin), "send_password_reset_link", gp)

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [gp.email]
    assert "wachtwoord" in message.subject.lower() or "account" in message.subject.lower()
    assert gp.last_name not in message.body
    form = client.get(mailed_link(gp.email, "/accounts/password/reset/"), follow=True)
    assert form.context["validlink"]
    new = "Eigen-Gekozen-Wachtwoord-7"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    gp.refresh_from_db()
    assert gp.check_password(new)


def test_reset_two_factors_removes_the_devices_ends_the_sessions_mails_and_logs(
    admin, gp, gp_devices, client_for, django_capture_on_commit_callbacks
):
    gp_session = client_for(gp)
    worklist = reverse("referrals:worklist")
    assert gp_session.get(worklist).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client_for(admin), "reset_two_factors", gp)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=gp).exists()
    assert not StaticDevice.objects.filter(user=gp).exists()
    assert not StaticToken.objects.filter(device__user=gp).exists()
    ended = gp_session.get(worklist)
    assert ended.status_code == 302
    assert ended.url.startswith(reverse("accounts:login"))
    (message,) = mail.outbox
    assert message.to == [gp.email]
    assert mailed_link(gp.email, "/accounts/two-factor/enrol/")
    assert EnrolmentLink.objects.filter(user=gp, used_at=None).count() == 1
    row = AccessLog.objects.get(part="two_factor")
    assert (row.user, row.action, row.outcome, row.subject_user_id, row.patient_id) == (
        admin,
        "change",
        "ok",
        gp.pk,
        None,
    )


def test_the_admins_looks_at_users_are_in_the_access_log(admin, gp, client_for):
    client = client_for(admin)
    client.get(reverse("admin:accounts_user_changelist"))
    client.get(reverse("admin:accounts_user_change", args=[gp.pk]))
    client.get(reverse("admin:accounts_user_history", args=[gp.pk]))
    client.get(reverse("admin:auth_user_password_change", args=[gp.pk]))

    rows = AccessLog.objects.filter(user=admin, part="user").order_by("pk")
    assert [(r.url_name, r.action, r.outcome, r.subject_user_id) for r in rows] == [
        ("admin:accounts_user_changelist", "view", "ok", None),
        ("admin:accounts_user_change", "view", "ok", gp.pk),
        ("admin:accounts_user_history", "view", "ok", gp.pk),
        ("admin:auth_user_password_change", "denied", "denied", gp.pk),
    ]
    assert all(r.user_email == admin.email and r.role == "admin" for r in rows)


def test_a_user_added_in_the_admin_has_no_password_and_gets_both_links(
    admin, practice, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("admin:accounts_user_add"),
            {
                "email": "nieuw@example.org",
                "first_name": "Nina",
                "last_name": "Nieuw",
                "role": User.Role.THERAPIST,
                "password1": ATTACKER_PASSWORD,
                "password2": ATTACKER_PASSWORD,
                "gp_profile-TOTAL_FORMS": "0",
                "gp_profile-INITIAL_FORMS": "0",
            },
        )

    assert response.status_code == 302
    user = User.objects.get(email="nieuw@example.org")
    assert not user.has_usable_password()
    assert mailed_link(user.email, "/accounts/password/reset/")
    assert mailed_link(user.email, "/accounts/two-factor/enrol/")
    assert {address for m in mail.outbox for address in m.to} == {user.email}
    assert AccessLog.objects.filter(user=admin, url_name="admin:accounts_user_add").exists()


# --- Found in an attacker's try-out: the administrator made themselves a GP or a therapist ------


def test_the_admin_cannot_make_their_own_account_a_gp(admin, practice, client_for):
    client = client_for(admin)
    url = reverse("admin:accounts_user_change", args=[admin.pk])
    page = client.get(url).content.decode()
    assert 'name="role"' not in page and 'name="practice"' not in page
    client.post(
        url,
        {
            "first_name": admin.first_name,
            "last_name": admin.last_name,
            "role": User.Role.GP,
            "practice": practice.pk,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "gpprofile-TOTAL_FORMS": "0",
            "gpprofile-INITIAL_FORMS": "0",
        },
    )
    admin.refresh_from_db()
    assert admin.role == User.Role.ADMIN and admin.practice_id is None


def test_another_administrator_account_cannot_become_a_gp(admin, practice, client_for):
    other = User.objects.create_user(
        email="beheer2@example.org",
        password=TEST_PASSWORD,
        role=User.Role.ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    response = client_for(admin).post(
        reverse("admin:accounts_user_change", args=[other.pk]),
        {
            "first_name": "Twee",
            "last_name": "Beheer",
            "role": User.Role.GP,
            "practice": practice.pk,
            "is_active": "on",
            "gpprofile-TOTAL_FORMS": "0",
            "gpprofile-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 302)
    other.refresh_from_db()
    assert other.role == User.Role.ADMIN and other.practice_id is None


def test_a_therapists_profile_cannot_be_moved_to_another_account(admin, therapist, client_for):
    client = client_for(admin)
    profile = therapist.therapist
    url = reverse("admin:therapists_therapist_change", args=[profile.pk])
    page = client.get(url).content.decode()
    assert 'name="user"' not in page
    client.post(url, {"user": admin.pk, "profession": profile.profession})
    profile.refresh_from_db()
    assert profile.user_id == therapist.pk


def test_the_admins_looks_at_referrals_and_the_register_are_logged(
    admin, referral, therapist, client_for
):
    client = client_for(admin)
    client.get(reverse("admin:referrals_referral_changelist"))
    client.get(reverse("admin:referrals_referral_change", args=[referral.pk]))
    client.get(reverse("admin:therapists_therapist_change", args=[therapist.therapist.pk]))
    parts = list(AccessLog.objects.filter(user=admin).values_list("part", "url_name"))
    assert ("referral", "admin:referrals_referral_changelist") in parts
    assert ("referral", "admin:referrals_referral_change") in parts
    assert ("therapist_register", "admin:therapists_therapist_change") in parts


# --- Found in the second attacker's try-out: a new account, a changed role, a profile ----------


def add_in_admin(client: Client, **fields) -> None:
    data = {"gp_profile-TOTAL_FORMS": "0", "gp_profile-INITIAL_FORMS": "0", **fields}
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.content[:2000]


def test_a_gp_the_admin_adds_to_a_practice_sees_nothing_until_a_gp_of_it_confirms(
    admin, gp, referral, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add_in_admin(
            client_for(admin),
            email="evil-gp@attacker.test",
            first_name="Eef",
            last_name="Vals",
            role=User.Role.GP,
            practice=gp.practice_id,
        )
    newcomer = User.objects.get(email="evil-gp@attacker.test")
    assert newcomer.awaits_practice_confirmation
    assert mailed_link(gp.email, reverse("accounts:colleagues"))

    evil = client_for(newcomer)
    waiting = evil.get(reverse("patients:list"))
    assert waiting.status_code == 403
    assert "bevestigen" in waiting.content.decode()
    assert evil.get(reverse("patients:detail", args=[referral.patient_id])).status_code in (
        403,
        404,
    )
    assert evil.get(reverse("referrals:detail", args=[referral.pk])).status_code in (403, 404)
    assert evil.get(reverse("referrals:letter", args=[referral.pk])).status_code in (403, 404)

    colleague = client_for(gp)
    page = colleague.get(reverse("accounts:colleagues")).content.decode()
    assert "evil-gp@attacker.test" in page
    colleague.post(reverse("accounts:colleague_confirm", args=[newcomer.pk]))
    newcomer.refresh_from_db()
    assert newcomer.practice_confirmed_by == gp
    assert evil.get(reverse("patients:detail", args=[referral.patient_id])).status_code == 200
    assert AccessLog.objects.filter(
        user=gp, url_name="accounts:colleague_confirm", subject_user_id=newcomer.pk
    ).exists()


def test_a_gp_who_does_not_know_the_newcomer_switches_the_account_off(admin, gp, client_for):
    add_in_admin(
        client_for(admin), email="onbekend@example.org", role=User.Role.GP, practice=gp.practice_id
    )
    newcomer = User.objects.get(email="onbekend@example.org")
    client_for(gp).post(reverse("accounts:colleague_refuse", args=[newcomer.pk]))
    newcomer.refresh_from_db()
    assert not newcomer.is_active and newcomer.practice_confirmed_at is None


def test_only_a_confirmed_gp_of_the_same_practice_confirms(
    admin, gp, gp_other_practice, manager, client_for
):
    add_in_admin(
        client_for(admin), email="nieuw@example.org", role=User.Role.GP, practice=gp.practice_id
    )
    newcomer = User.objects.get(email="nieuw@example.org")
    url = reverse("accounts:colleague_confirm", args=[newcomer.pk])
    assert client_for(gp_other_practice).post(url).status_code == 404
    assert client_for(manager).post(url).status_code == 403
    assert client_for(newcomer).post(url).status_code == 403  # not themselves
    newcomer.refresh_from_db()
    assert newcomer.awaits_practice_confirmation


def test_the_first_gp_of_a_new_practice_is_confirmed_by_being_added(admin, client_for):
    from .factories import PracticeFactory

    practice = PracticeFactory()
    add_in_admin(
        client_for(admin), email="eerste@example.org", role=User.Role.GP, practice=practice.pk
    )
    first = User.objects.get(email="eerste@example.org")
    assert not first.awaits_practice_confirmation and first.practice_confirmed_by == admin


def test_a_therapists_account_cannot_be_turned_into_a_gp(admin, therapist, practice, client_for):
    client_for(admin).post(
        reverse("admin:accounts_user_change", args=[therapist.pk]),
        {
            "first_name": therapist.first_name,
            "last_name": therapist.last_name,
            "role": User.Role.GP,
            "practice": practice.pk,
            "is_active": "on",
        },
    )
    therapist.refresh_from_db()
    assert therapist.role == User.Role.THERAPIST and therapist.practice_id is None


@pytest.mark.parametrize("whose", ["own", "gp", "manager"])
def test_no_therapist_profile_on_the_admins_own_or_a_non_therapists_account(
    whose, admin, gp, manager, client_for
):
    account = {"own": admin, "gp": gp, "manager": manager}[whose]
    response = client_for(admin).post(
        reverse("admin:therapists_therapist_add"),
        {"user": account.pk, "profession": "running_therapist", "city": "Utrecht"},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Therapist.objects.filter(user=account).exists()


def test_verifying_skips_a_profile_on_a_non_therapists_account(admin, gp, client_for):
    profile = TherapistFactory(user=gp)
    client_for(admin).post(
        reverse("admin:therapists_therapist_changelist"),
        {"action": "verify_certification", "_selected_action": [profile.pk]},
    )
    profile.refresh_from_db()
    assert not profile.is_verified


def test_no_gp_profile_inline_on_the_admins_own_account(admin, client_for):
    page = client_for(admin).get(reverse("admin:accounts_user_change", args=[admin.pk]))
    assert "gp_profile-TOTAL_FORMS" not in page.content.decode()


# --- Found in the third attacker's try-out ------------------------------------------------------


def test_switching_the_practices_gps_off_does_not_make_the_next_gp_the_first(
    admin, client_for, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from .factories import PracticeFactory

    practice = PracticeFactory(email="praktijk@example.org")
    solo = User.objects.create_user(
        email="enige.huisarts@example.org",
        role=User.Role.GP,
        practice=practice,
        practice_confirmed_at=timezone.now(),
    )
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_user_change", args=[solo.pk]),
            {  # no is_active: switched off
                "first_name": "Enige",
                "last_name": "Huisarts",
                "gp_profile-TOTAL_FORMS": "0",
                "gp_profile-INITIAL_FORMS": "0",
            },
        )
    solo.refresh_from_db()
    assert not solo.is_active
    assert any("praktijk@example.org" in m.to for m in mail.outbox)  # the practice hears of it
    add_in_admin(client, email="evil2@attacker.test", role=User.Role.GP, practice=practice.pk)
    assert User.objects.get(email="evil2@attacker.test").awaits_practice_confirmation


def test_the_referral_list_in_the_admin_takes_only_its_own_filters(admin, referral, client_for):
    client = client_for(admin)
    url = reverse("admin:referrals_referral_changelist")
    assert client.get(url, {"status__exact": referral.status}).status_code == 200
    for lookup in ("medication__startswith", "history__contains", "patient", "complaint"):
        assert client.get(url, {"id": referral.pk, lookup: "a"}).status_code == 400, lookup


def test_the_admin_adds_a_therapist_profile_to_a_therapists_account(admin, client_for):
    account = User.objects.create_user(
        email="nieuwe.therapeut@example.org", role=User.Role.THERAPIST
    )
    response = client_for(admin).post(
        reverse("admin:therapists_therapist_add"),
        {
            "user": account.pk,
            "profession": "physiotherapist",
            "organisation": "Loopgroep Oost",
            "certificate_number": "RT-9999",
            "certificate_date": "2025-03-01",
            "address": "Biltstraat 1",
            "postcode": "3572 AA",
            "city": "Utrecht",
            "accepting_new_patients": "on",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert Therapist.objects.filter(user=account, is_verified=False).exists()


def test_the_admin_deletes_no_sign_in_record(admin, gp, client_for):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username=gp.email, ip_address="192.0.2.1", failures_since_start=3, user_agent="x"
    )
    client_for(admin).post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_gp_waiting_for_confirmation_sees_no_count_of_the_practices_work(
    admin, gp, referral, client_for
):
    add_in_admin(
        client_for(admin), email="wacht@example.org", role=User.Role.GP, practice=gp.practice_id
    )
    newcomer = User.objects.get(email="wacht@example.org")
    page = client_for(newcomer).get(reverse("accounts:password_change"))
    assert page.context["due_badge"] == 0
