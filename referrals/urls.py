from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("incoming/", views.incoming, name="incoming"),
    path("incoming/past/", views.past_clients, name="past_clients"),
    path("start/<int:patient_pk>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/fitness/", views.fitness, name="fitness"),
    path("<int:pk>/therapist/", views.choose_therapist, name="therapist"),
    path("<int:pk>/therapist/<int:therapist_pk>/network/", views.network, name="network"),
    path("<int:pk>/preview.pdf", views.preview, name="preview"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/letter.pdf", views.letter, name="letter"),
    path("<int:pk>/information.pdf", views.information_sheet, name="information_sheet"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/documents/<str:kind>.pdf", views.document, name="document"),
]
