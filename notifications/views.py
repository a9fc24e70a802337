from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import role_required

from .models import Notification, ReminderRun


@role_required(User.Role.ADMIN)
def reminder_runs(request: HttpRequest) -> HttpResponse:
    runs = ReminderRun.objects.all()[:50]
    unsent = Notification.objects.filter(sent_at__isnull=True).count()
    return render(request, "notifications/reminder_runs.html", {"runs": runs, "unsent": unsent})
