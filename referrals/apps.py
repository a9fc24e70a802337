from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    verbose_name = _("Referrals")
    name = "referrals"

    def ready(self) -> None:
        from accounts import homes
        from accounts.models import User

        from . import access, parts, selectors  # noqa: F401  (parts registers on the patient page)

        access.register()
        selectors.register_patient_scope()
        homes.register(User.Role.GP, "referrals:worklist")
        homes.register(User.Role.THERAPIST, "referrals:incoming")
