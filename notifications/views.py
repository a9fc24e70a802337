from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import role_required

from .delivery import MAX_ATTEMPTS, given_up
from .models import Notification, ReminderRun


@role_required(User.Role.ADMIN)
def reminder_runs(request: HttpRequest) -> HttpResponse:
    runs = ReminderRun.objects.all()[:50]
    unsent = Notification.objects.filter(sent_at__isnull=True).count()
    failed = given_up().order_by("-created_at")
    context = {
        "runs": runs,
        "unsent": unsent,
        "given_up": failed[:50],
        "given_up_count": failed.count(),
        "attempts": MAX_ATTEMPTS,
    }
    return render(request, "notifications/reminder_runs.html", context)
