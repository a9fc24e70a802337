from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("incoming/", views.incoming, name="incoming"),
    path("dashboard/", views.dashboard, name="dashboard"),
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
]
