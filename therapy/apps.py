from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TherapyConfig(AppConfig):
    name = "therapy"
    verbose_name = _("Therapy")

    def ready(self) -> None:
        from . import access, pages  # noqa: F401  (pages registers its parts of the referral page)

        access.register()
