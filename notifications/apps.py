from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import access, health, pages, receivers, tasks  # noqa: F401  (pages registers; tasks for Celery)

        access.register()
        health.register()
        receivers.connect()
