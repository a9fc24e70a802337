from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from oauth2_provider.apps import DOTConfig


class FhirApiConfig(AppConfig):
    default = True  # "fhirapi" in INSTALLED_APPS (this module also holds OAuthConfig)
    verbose_name = _("FHIR interface")
    name = "fhirapi"

    def ready(self) -> None:
        from . import access, resources  # noqa: F401  (resources fills the registry)

        access.register()


class OAuthConfig(DOTConfig):
    """The OAuth library under our own name: its pages in the admin are the FHIR clients' keys."""

    verbose_name = _("FHIR client keys (OAuth)")
