"""Nobody can lock a GP out from elsewhere, and guessing from many addresses gets slower.

django-axes locks an account together with the address the failures came from; failures for one
account from any address add up to a growing delay (accounts.throttle); the user is e-mailed when
locked. Found by the attacker: five wrong passwords from anywhere locked any GP."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
STRANGER = "203.0.113.9"
PRACTICE = "198.51.100.7"


def sign_in(user, password: str = TEST_PASSWORD, *, address: str, client: Client | None = None):
    client = client or Client()
    response = client.post(
        LOGIN, {"username": user.email, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def test_a_stranger_locks_only_their_own_address_out(gp):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(5):
            sign_in(gp, "wrong-password", address=STRANGER)
        _client, locked = sign_in(gp, address=STRANGER)
        assert locked.status_code == 429

        clock.shift(timedelta(seconds=3))  # past the delay the five failures earned
        client, response = sign_in(gp, address=PRACTICE)

        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(gp.pk)


def test_failures_from_many_addresses_earn_a_growing_delay_that_early_attempts_do_not_push(gp):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(5):
            sign_in(gp, "wrong-password", address=f"192.0.2.{n + 1}")

        _client, early = sign_in(gp, address="192.0.2.50")
        assert early.status_code == 200
        assert "Probeer het over 2 seconden opnieuw" in early.text
        for _attempt in range(10):  # hammering while waiting neither counts nor extends it
            sign_in(gp, "wrong-password", address="192.0.2.51")

        clock.shift(timedelta(seconds=2))
        sign_in(gp, "wrong-password", address="192.0.2.52")  # the 6th failure: 4 seconds now
        clock.shift(timedelta(seconds=3))
        _client, waiting = sign_in(gp, address="192.0.2.53")
        assert "Probeer het over 1 seconde opnieuw" in waiting.text

        clock.shift(timedelta(seconds=1))
        client, opened = sign_in(gp, address="192.0.2.53")
        assert opened.status_code == 302
        assert client.session[SESSION_KEY] == str(gp.pk)


def test_the_delay_is_at_most_a_minute(gp, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(20):
            clock.shift(timedelta(seconds=61))
            sign_in(gp, "wrong-password", address=f"192.0.2.{n + 1}")
        clock.shift(timedelta(seconds=settings.LOGIN_DELAY_MAX_SECONDS))
        client, opened = sign_in(gp, address=PRACTICE)
        assert opened.status_code == 302


def test_the_user_is_emailed_when_their_account_is_locked(gp, mailoutbox):
    for _attempt in range(5):
        sign_in(gp, "wrong-password", address=STRANGER)

    [email] = mailoutbox
    assert email.to == [gp.email]
    assert "15 minuten" in email.subject
    assert reverse("accounts:login") in email.body
    assert STRANGER not in email.body
    assert gp.last_name not in email.body


def test_no_email_for_an_account_that_does_not_exist(db, mailoutbox):
    client = Client()
    for _attempt in range(5):
        client.post(
            LOGIN, {"username": "nobody@example.org", "password": "x"}, REMOTE_ADDR=STRANGER
        )
    assert mailoutbox == []


def test_a_stranger_timing_failures_to_the_delay_does_not_keep_the_gp_out_of_a_known_browser(gp):
    """Found by the second attacker's try-out: one failure from a fresh address each time the
    wait ended kept the GP waiting for good. A browser that signed in before is not delayed."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        known, first = sign_in(gp, address=PRACTICE)
        assert first.status_code == 302
        known.post(reverse("accounts:logout"))
        for n in range(12):
            sign_in(gp, "wrong-password", address=f"192.0.2.{n + 1}")
            clock.shift(timedelta(seconds=1))
        _stranger, delayed = sign_in(gp, address="192.0.2.99")
        assert "Probeer het over" in delayed.text  # a new browser still waits

        client, response = sign_in(gp, address=PRACTICE, client=known)
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(gp.pk)


def test_a_forged_known_device_cookie_gives_no_way_around_the_delay(gp):
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(6):
            sign_in(gp, "wrong-password", address=f"192.0.2.{n + 1}")
        forger = Client()
        forger.cookies["loopbaan_device"] = f'["{gp.email}"]:forged:signature'
        _client, response = sign_in(gp, address="192.0.2.77", client=forger)
        assert "Probeer het over" in response.text


def test_a_copied_known_device_cookie_stops_skipping_the_delay_after_five_wrong_passwords(gp):
    """Found by the third attacker's try-out: a copied cookie guessed without ever waiting."""
    with time_machine.travel(timezone.now(), tick=False):
        known, _first = sign_in(gp, address=PRACTICE)
        cookie = known.cookies["loopbaan_device"].value
        known.post(reverse("accounts:logout"))
        for n in range(6):
            sign_in(gp, "wrong-password", address=f"192.0.2.{n + 1}")
        copied = Client()
        copied.cookies["loopbaan_device"] = cookie
        answers = [
            sign_in(gp, "wrong-password", address=f"198.51.100.{n + 20}", client=copied)[1]
            for n in range(6)
        ]
        assert "Probeer het over" not in answers[0].text  # the cookie's first tries: no wait
        assert "Probeer het over" in answers[-1].text  # past five wrong ones: the delay again
