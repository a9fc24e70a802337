from django.urls import path

from . import views

app_name = "therapists"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
]
