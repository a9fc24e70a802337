from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from accounts import views as account_views
from core.converters import IdConverter

# Before the apps' URLs are included: they use <id:...> for every database id.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    # The passkey ceremonies, in the library's own namespace (its template tags look there).
    path("accounts/two-factor/passkey/", include("accounts.passkey_urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("patients/", include("patients.urls")),
    path("referrals/", include("referrals.urls")),
    path("", include("therapy.urls")),
    path("therapists/", include("therapists.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("referrals/reminders/", include("notifications.urls")),
    path("reports/", include("dashboard.urls")),
    path("", include("patientlinks.urls")),
    path("fhir/", include("fhirapi.urls")),
    path("admin/", admin.site.urls),
]
