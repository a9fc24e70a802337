"""Mounted at /referrals/reminders/, the path the reminder runs had before this app existed."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.reminder_runs, name="reminder_runs"),
    path("resend/", views.resend, name="resend"),
]
