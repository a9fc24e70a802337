from django.urls import path

from . import views

app_name = "patientlinks"

urlpatterns = [
    path("p/<str:token>/", views.patient_open, name="open"),
    path("referrals/<id:pk>/patient-links/", views.links, name="links"),
]
