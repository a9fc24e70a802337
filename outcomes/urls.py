from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("referrals/<id:pk>/<str:code>/<id:week>/", views.enter, name="enter"),
    path("alerts/<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
