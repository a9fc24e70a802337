from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        from . import access, parts, selectors  # noqa: F401  (parts registers on the patient page)

        access.register()
        selectors.register_patient_scope()
