from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TherapistsConfig(AppConfig):
    verbose_name = _("Running therapists")
    name = "therapists"

    def ready(self) -> None:
        from . import access

        access.register()
