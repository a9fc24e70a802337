"""Signing in with email and password, and signing out."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import User

from .factories import TEST_PASSWORD, UserFactory
from .mails import mailed_link

NEW_PASSWORD = "Hardloop-Wachtwoord-2025"

pytestmark = pytest.mark.django_db


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_sign_in_page_opens_anonymously(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text


def test_correct_password_signs_in_and_goes_home(client, gp):
    response = sign_in(client, gp.email)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session[SESSION_KEY] == str(gp.pk)


def test_wrong_password_shows_an_error_and_starts_no_session(client, gp):
    response = sign_in(client, gp.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert 'id="login-errors"' in response.text
    assert SESSION_KEY not in client.session


def test_unknown_email_shows_the_same_error_as_a_wrong_password(client, gp):
    wrong_password = sign_in(client, gp.email, "not-the-password")
    unknown_email = sign_in(client, "nobody@example.org")

    assert unknown_email.status_code == 200
    assert (
        unknown_email.context["form"].non_field_errors()
        == wrong_password.context["form"].non_field_errors()
    )
    assert SESSION_KEY not in client.session


def test_email_is_case_insensitive_when_signing_in(client):
    user = UserFactory(email="anne.devries@example.org")

    response = sign_in(client, "Anne.DeVries@Example.ORG")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_inactive_user_cannot_sign_in(client):
    user = UserFactory(is_active=False)

    response = sign_in(client, user.email)

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_sign_in_follows_next_to_the_requested_page(client, gp):
    worklist = reverse("referrals:worklist")
    assert client.get(worklist).url == f"{reverse('accounts:login')}?next={worklist}"

    response = client.post(
        reverse("accounts:login"),
        {"username": gp.email, "password": TEST_PASSWORD, "next": worklist},
    )

    assert response.url == worklist


def test_sign_in_ignores_next_to_another_site(client, gp):
    response = client.post(
        reverse("accounts:login"),
        {"username": gp.email, "password": TEST_PASSWORD, "next": "https://evil.example.com/"},
    )

    assert response.url == reverse("home")


def test_sign_out_by_post_ends_the_session(client, gp):
    sign_in(client, gp.email)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("referrals:worklist")).status_code == 302


def test_sign_out_by_get_is_refused_and_keeps_the_session(client, gp):
    sign_in(client, gp.email)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert client.session[SESSION_KEY] == str(gp.pk)


def test_user_added_in_the_admin_with_capitals_in_the_email_can_sign_in(
    client, admin, practice, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        added = client_for(admin).post(
            reverse("admin:accounts_user_add"),
            {
                "email": "Jan.Jansen@Example.org",
                "first_name": "Jan",
                "last_name": "Jansen",
                "role": User.Role.GP,
                "practice": practice.pk,
                "gp_profile-TOTAL_FORMS": "0",
                "gp_profile-INITIAL_FORMS": "0",
            },
        )
    assert added.status_code == 302
    assert User.objects.filter(email="jan.jansen@example.org").exists()
    # The administrator set no password: the new user chooses one from the link e-mailed to them.
    choose = client.get(mailed_link("jan.jansen@example.org", "/accounts/password/reset/"))
    client.post(choose.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = sign_in(client, "Jan.Jansen@Example.org", NEW_PASSWORD)

    assert response.status_code == 302


def change_password(client, new: str):
    data = {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    return client.post(reverse("accounts:password_change"), data)


def test_a_password_change_to_the_current_password_is_refused_next_to_the_field(client, gp):
    sign_in(client, gp.email)
    before = User.objects.get(pk=gp.pk).password

    response = change_password(client, TEST_PASSWORD)

    assert response.status_code == 200
    assert response.context["form"].errors["new_password1"] == [
        "Het nieuwe wachtwoord moet anders zijn dan uw huidige."
    ]
    assert "invalid-feedback" in response.text
    assert User.objects.get(pk=gp.pk).password == before


def test_a_password_change_to_a_new_password_still_works(client, gp):
    sign_in(client, gp.email)

    response = change_password(client, NEW_PASSWORD)

    assert response.status_code == 302
    assert User.objects.get(pk=gp.pk).check_password(NEW_PASSWORD)


def test_a_reset_link_refuses_the_current_password_too(client, gp):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    url = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(gp.pk)),
            "token": default_token_generator.make_token(gp),
        },
    )
    form_url = client.get(url).url

    response = client.post(
        form_url, {"new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password1"]
