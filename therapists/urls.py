from django.urls import path

from . import views

app_name = "therapists"

urlpatterns = [
    path("referrals/<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path("sessions/group/", views.session_group, name="session_group"),
]
