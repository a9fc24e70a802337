from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("incoming/", views.incoming, name="incoming"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.detail, name="detail"),
]
