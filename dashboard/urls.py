"""The practice dashboard: mounted at /reports/ (its path from before it had a room of its own)."""

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.page, name="page"),
    path("monthly.csv", views.monthly_csv, name="monthly_csv"),
    path("outcomes.csv", views.outcomes_csv, name="outcomes_csv"),
    path("dashboard.pdf", views.pdf, name="pdf"),
]
