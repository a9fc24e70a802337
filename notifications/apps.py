from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import access, checks, health, pages, receivers, tasks  # noqa: F401  (pages and checks register; tasks for Celery)

        access.register()
        health.register()
        receivers.connect()
