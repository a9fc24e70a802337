"""Mounted at the root: the therapy's pages kept the paths they had under /referrals/ and
/therapists/ before this app existed."""

from django.urls import path

from . import group_views, views

app_name = "therapy"

urlpatterns = [
    path("referrals/<id:pk>/intake/", views.intake, name="intake"),
    path("referrals/<id:pk>/screening/", views.screening, name="screening"),
    path("referrals/<id:pk>/report/<str:kind>/", views.letter, name="letter_back"),
    path("referrals/<id:pk>/close/", views.close, name="close"),
    path("therapists/referrals/<id:pk>/sessions/new/", views.session_add, name="session_add"),
    path("therapists/sessions/group/", views.session_group, name="session_group"),
    path("therapists/groups/", group_views.group_list, name="groups"),
    path("therapists/groups/new/", group_views.group_add, name="group_add"),
    path("therapists/groups/<id:group_pk>/", group_views.group_edit, name="group_edit"),
    path("therapists/groups/<id:group_pk>/delete/", group_views.group_delete, name="group_delete"),
]
