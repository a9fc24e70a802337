from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirApiConfig(AppConfig):
    verbose_name = _("FHIR interface")
    name = "fhirapi"

    def ready(self) -> None:
        from . import access, resources  # noqa: F401  (resources fills the registry)

        access.register()
