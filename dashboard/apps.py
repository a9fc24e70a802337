from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        from accounts import homes
        from accounts.models import User

        from . import access, receivers

        access.register()
        homes.register(User.Role.PRACTICE_MANAGER, "dashboard:page")
        receivers.connect()
