from django.urls import path

from . import privacy, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("retention/", privacy.retention, name="retention"),
    path("<id:pk>/", views.patient_detail, name="detail"),
    path("<id:pk>/correct/", views.patient_correct_details, name="correct"),
    path("<id:pk>/export/", privacy.export, name="export"),
    path("<id:pk>/erase/", privacy.erase, name="erase"),
]
