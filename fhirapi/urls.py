from django.contrib.auth.decorators import login_not_required
from django.urls import path
from oauth2_provider.views import TokenView

from . import views

app_name = "fhirapi"

# The write side (POST Bundle) goes above the generic type patterns.
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("oauth/token/", login_not_required(TokenView.as_view()), name="token"),
    path("<str:resource_type>", views.search_type, name="search"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
