from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the report cells' receivers)
