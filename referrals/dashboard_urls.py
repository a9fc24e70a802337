"""The reports: mounted at /reports/ as the `reports` namespace."""

from django.urls import path

from . import dashboard_views

app_name = "reports"

urlpatterns = [
    path("", dashboard_views.dashboard_page, name="dashboard"),
    path("monthly.csv", dashboard_views.monthly_csv, name="monthly_csv"),
    path("outcomes.csv", dashboard_views.outcomes_csv, name="outcomes_csv"),
    path("dashboard.pdf", dashboard_views.dashboard_pdf, name="dashboard_pdf"),
]
