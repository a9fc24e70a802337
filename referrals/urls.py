from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("incoming/", views.incoming, name="incoming"),
    path("incoming/past/", views.past_clients, name="past_clients"),
    path("start/<id:patient_pk>/", views.start, name="start"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/fitness/", views.fitness, name="fitness"),
    path("<id:pk>/therapist/", views.choose_therapist, name="therapist"),
    path("<id:pk>/therapist/<id:therapist_pk>/network/", views.network, name="network"),
    path("<id:pk>/preview.pdf", views.preview, name="preview"),
    path("<id:pk>/send/", views.send, name="send"),
    path("<id:pk>/letter.pdf", views.letter, name="letter"),
    path("<id:pk>/information.pdf", views.information_sheet, name="information_sheet"),
    path("<id:pk>/cancel/", views.cancel, name="cancel"),
    path("<id:pk>/accept/", views.accept, name="accept"),
    path("<id:pk>/decline/", views.decline, name="decline"),
    path("<id:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<id:pk>/follow-up/correct/", views.follow_up_correct, name="follow_up_correct"),
    path("<id:pk>/documents/addenda/<id:document>.pdf", views.addendum, name="addendum"),
    path("<id:pk>/documents/<str:kind>.pdf", views.document, name="document"),
]
