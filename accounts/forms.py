from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import throttle


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The email address or password is not correct."),
        "inactive": _("This account is inactive."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].lower()

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and not throttle.known_device(self.request, username):
            wait = throttle.seconds_to_wait(username)
            if wait and not throttle.locked(self.request, username):
                # Before the password is checked: an early attempt neither counts nor tells.
                # (A locked address gets axes' lockout page instead, from authenticate.)
                raise forms.ValidationError(
                    ngettext(
                        "Too many attempts for this account. Try again in %(n)d second.",
                        "Too many attempts for this account. Try again in %(n)d seconds.",
                        wait,
                    )
                    % {"n": wait},
                    code="throttled",
                )
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                throttle.device_failed(self.request, username)
            raise


class _NotTheCurrentPassword:
    """The new password must differ from the one it replaces (a 'change' that keeps it is none)."""

    def clean_new_password1(self) -> str:
        password = self.cleaned_data.get("new_password1", "")
        if password and self.user.check_password(password):
            raise forms.ValidationError(
                _("The new password must differ from your current one."), code="password_unchanged"
            )
        return password


class NewPasswordChangeForm(_NotTheCurrentPassword, PasswordChangeForm):
    pass


class NewSetPasswordForm(_NotTheCurrentPassword, SetPasswordForm):
    pass
