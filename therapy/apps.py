from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "therapy"
    verbose_name = "Therapy"

    def ready(self) -> None:
        from . import access, pages  # noqa: F401  (pages registers its parts of the referral page)

        access.register()
