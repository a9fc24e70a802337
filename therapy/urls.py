"""Mounted at the root: the therapy's pages kept the paths they had under /referrals/ and
/therapists/ before this app existed."""

from django.urls import path

from . import correction_views, group_views, views

app_name = "therapy"

urlpatterns = [
    path("referrals/<id:pk>/intake/", views.intake, name="intake"),
    path("referrals/<id:pk>/screening/", views.screening, name="screening"),
    path("referrals/<id:pk>/report/<str:kind>/", views.letter, name="letter_back"),
    path("referrals/<id:pk>/close/", views.close, name="close"),
    path("therapists/referrals/<id:pk>/sessions/new/", views.session_add, name="session_add"),
    path("therapists/sessions/group/", views.session_group, name="session_group"),
    # Corrections (therapy.corrections): the form as recorded, with a required reason.
    path(
        "referrals/<id:pk>/intake/correct/",
        correction_views.intake_correct,
        name="intake_correct",
    ),
    path(
        "referrals/<id:pk>/screening/correct/",
        correction_views.screening_correct,
        name="screening_correct",
    ),
    path(
        "referrals/<id:pk>/questionnaires/<id:response>/correct/",
        correction_views.questionnaire_correct,
        name="questionnaire_correct",
    ),
    path(
        "therapists/referrals/<id:pk>/sessions/<id:session>/correct/",
        correction_views.session_correct,
        name="session_correct",
    ),
    path(
        "therapists/referrals/<id:pk>/sessions/<id:session>/group/correct/",
        correction_views.group_session_correct,
        name="group_session_correct",
    ),
    path(
        "therapists/referrals/<id:pk>/sessions/<id:session>/withdraw/",
        correction_views.session_withdraw,
        name="session_withdraw",
    ),
    path("therapists/groups/", group_views.group_list, name="groups"),
    path("therapists/groups/new/", group_views.group_add, name="group_add"),
    path("therapists/groups/<id:group_pk>/", group_views.group_edit, name="group_edit"),
    path("therapists/groups/<id:group_pk>/delete/", group_views.group_delete, name="group_delete"),
]
