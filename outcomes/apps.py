from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    verbose_name = _("Questionnaires and safety alerts")
    name = "outcomes"

    def ready(self) -> None:
        from . import access, pages  # noqa: F401  (pages registers its parts of the referral page)

        access.register()
