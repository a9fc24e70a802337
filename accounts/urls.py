from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import passkeys, two_factor, views
from .forms import NewPasswordChangeForm, NewSetPasswordForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        login_not_required(views.LoginView.as_view()),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("two-factor/link/", two_factor.enrolment_pending, name="enrolment_pending"),
    path("two-factor/enrol/<str:token>/", two_factor.enrol, name="enrol"),
    # The user's own passkeys: only in a session that passed two factors (the middleware).
    path("passkeys/", passkeys.passkey_list, name="passkeys"),
    # A GP confirms (or refuses) a new colleague the administrator added to the practice.
    path("colleagues/", views.colleagues, name="colleagues"),
    path("colleagues/<id:pk>/confirm/", views.colleague_confirm, name="colleague_confirm"),
    path("colleagues/<id:pk>/refuse/", views.colleague_refuse, name="colleague_refuse"),
    path("passkeys/<id:pk>/name/", passkeys.passkey_name, name="passkey_name"),
    path("passkeys/<id:pk>/remove/", passkeys.passkey_remove, name="passkey_remove"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            form_class=NewPasswordChangeForm,
            template_name="accounts/password_change.html",
            success_url="/accounts/password/done/",
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_change_done",
    ),
    # The links the administrator can only send, to the user's own address (accounts.services).
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=NewSetPasswordForm,
            template_name="accounts/password_reset_confirm.html",
            success_url="/accounts/password/reset/done/",
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
