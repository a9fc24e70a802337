from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientLinksConfig(AppConfig):
    verbose_name = _("Patient links")
    name = "patientlinks"

    def ready(self) -> None:
        from . import access

        access.register()
