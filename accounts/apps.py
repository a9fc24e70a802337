from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    verbose_name = _("Accounts and practices")
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.utils import timezone

        from . import (
            checks,  # noqa: F401 - registers the passkey deploy check
            throttle,
        )
        from .audit.registry import register_accounts
        from .middleware import SIGNED_IN_AT

        def start_the_clock(sender, request, user, **kwargs) -> None:
            # The 12-hour limit counts from the moment of signing in.
            if request is not None and hasattr(request, "session"):
                request.session[SIGNED_IN_AT] = timezone.now().isoformat()

        user_logged_in.connect(start_the_clock, dispatch_uid="loopbaan_session_clock")
        register_accounts()
        throttle.connect()
