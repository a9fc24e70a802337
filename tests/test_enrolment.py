"""Enrolment is not trust on first use: the authenticator is set up only by whoever has the
password *and* the one-time link e-mailed to the user's own address (24 hours, once)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EnrolmentLink
from accounts.services import enrolment_link_send

from .factories import TEST_PASSWORD, enrolment_path
from .mails import mailed_link
from .test_security import current_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:two_factor_setup")
PENDING = reverse("accounts:enrolment_pending")


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.LOOPBAAN_REQUIRE_2FA = True


def sign_in(client: Client, user):
    return client.post(LOGIN, {"username": user.email, "password": TEST_PASSWORD})


def enrol(client: Client, user) -> list[str]:
    """Type the code of the new authenticator on the setup page; the recovery codes shown."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(SETUP, {"token": current_code(device)}).context["codes"]


def test_the_password_alone_shows_the_link_was_sent_never_a_qr_code(client, gp):
    sign_in(client, gp)

    page = client.get(reverse("referrals:worklist"), follow=True)

    assert page.redirect_chain[-1][0] == PENDING
    assert "e-mail" in page.text
    assert gp.email in page.text
    assert "<svg" not in page.text
    assert client.post(SETUP, {"token": "123456"}).url == PENDING
    assert not TOTPDevice.objects.filter(user=gp).exists()


def test_the_link_from_the_email_after_signing_in_shows_the_qr_code_and_enrols(
    client, gp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_link_send(user=gp)
    link = mailed_link(gp.email, "/accounts/two-factor/enrol/")

    opened = client.get(link)  # not signed in yet: sign in first, then set up
    assert opened.url == f"{LOGIN}?next={SETUP.replace('/', '%2F')}"
    signed_in = client.post(
        opened.url, {"username": gp.email, "password": TEST_PASSWORD}, follow=True
    )

    assert signed_in.redirect_chain[-1][0] == SETUP
    assert "<svg" in signed_in.text
    assert len(enrol(client, gp)) == 10
    assert TOTPDevice.objects.get(user=gp).confirmed
    assert client.get(reverse("referrals:worklist")).status_code == 200


def test_a_used_link_is_refused(client, gp):
    link = enrolment_path(gp)
    sign_in(client, gp)
    client.get(link)
    enrol(client, gp)

    again = client.get(link)
    other_browser = Client()
    sign_in(other_browser, gp)

    assert again.status_code == 404
    assert "<svg" not in again.text
    assert other_browser.get(link).status_code == 404
    assert EnrolmentLink.objects.get(user=gp).used_at is not None


def test_an_expired_link_is_refused(client, gp):
    link = enrolment_path(gp)
    sign_in(client, gp)

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        sign_in(client, gp)
        response = client.get(link)
        setup = client.get(SETUP)

    assert response.status_code == 404
    assert setup.url == PENDING
    assert not TOTPDevice.objects.filter(user=gp).exists()


def test_a_link_opened_before_it_expired_does_not_enrol_after(client, gp):
    sign_in(client, gp)
    client.get(enrolment_path(gp, hours=0.1))  # six minutes left
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=gp)

    with time_machine.travel(timezone.now() + timedelta(minutes=7)):
        response = client.post(SETUP, {"token": current_code(device)})

    assert response.url == PENDING
    device.refresh_from_db()
    assert not device.confirmed


def test_a_wrong_code_keeps_the_link(client, gp):
    sign_in(client, gp)
    client.get(enrolment_path(gp))

    client.post(SETUP, {"token": "000000"})

    assert EnrolmentLink.objects.get(user=gp).used_at is None
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # django-otp's throttle
        assert len(enrol(client, gp)) == 10


def test_another_users_link_signs_the_current_user_out(client, gp, therapist):
    sign_in(client, gp)

    response = client.get(enrolment_path(therapist))

    assert response.url.startswith(LOGIN)
    assert SESSION_KEY not in client.session
    assert not TOTPDevice.objects.exists()


def test_a_new_link_can_be_asked_for_but_not_too_often(
    client, gp, django_capture_on_commit_callbacks
):
    sign_in(client, gp)

    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(PENDING, follow=True)
        too_soon = client.post(PENDING, follow=True)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [gp.email]
    first = mailed_link(gp.email, "/accounts/two-factor/enrol/")
    assert "alert-success" in asked.text
    assert "alert-success" not in too_soon.text
    assert "alert-danger" in too_soon.text or "alert-error" in too_soon.text
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        sign_in(client, gp)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(PENDING)
        assert len(mail.outbox) == 2
        assert client.get(first).status_code == 404  # the newest link replaces the earlier one
        assert client.get(mailed_link(gp.email, "/accounts/two-factor/enrol/")).url == SETUP


def test_only_a_hash_of_the_token_is_stored(gp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_link_send(user=gp)
    token = mailed_link(gp.email, "/accounts/two-factor/enrol/").rstrip("/").rsplit("/", 1)[1]

    stored = " ".join(str(v) for v in EnrolmentLink.objects.values_list().get())

    assert len(token) >= 40
    assert token not in stored


def test_the_enrolment_email_holds_only_the_request_and_the_link(
    gp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_link_send(user=gp)

    (message,) = mail.outbox
    assert message.to == [gp.email]
    assert gp.last_name not in message.body
    assert "http" in message.body
    assert "<svg" not in message.alternatives[0][0]


def test_the_embedded_default_still_signs_in_with_the_password_alone(settings, client, gp):
    settings.LOOPBAAN_REQUIRE_2FA = False
    sign_in(client, gp)

    assert client.get(reverse("referrals:worklist")).status_code == 200
