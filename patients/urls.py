from django.urls import path

from . import privacy, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("retention/", privacy.retention, name="retention"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/export/", privacy.export, name="export"),
    path("<int:pk>/erase/", privacy.erase, name="erase"),
]
