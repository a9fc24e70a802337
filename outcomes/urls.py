from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("referrals/<int:pk>/<str:code>/<int:week>/", views.enter, name="enter"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
