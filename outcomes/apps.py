from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"

    def ready(self) -> None:
        from . import access, pages  # noqa: F401  (pages registers its parts of the referral page)

        access.register()
