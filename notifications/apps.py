from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import access, checks, health, pages, receivers, tasks  # noqa: F401  (pages and checks register; tasks for Celery)

        access.register()
        health.register()
        receivers.connect()
