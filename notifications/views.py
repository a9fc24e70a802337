from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import role_required

from . import delivery
from .models import Notification, ReminderRun
from .tasks import dispatch

KIND_LABELS = dict(Notification.Kind.choices)
TRIGGER_LABELS = {
    "beat": _("every morning (Celery beat)"),
    "command": _("by hand (send_reminders)"),
}


@role_required(User.Role.ADMIN)
def reminder_runs(request: HttpRequest) -> HttpResponse:
    runs = list(ReminderRun.objects.all()[:50])
    for run in runs:
        run.kinds = [(KIND_LABELS.get(kind, kind), n) for kind, n in run.counts.items()]
        run.trigger_label = TRIGGER_LABELS.get(run.trigger, run.trigger)
    # Waiting: unsent and still being tried (what gave up is listed on its own, below).
    waiting = Notification.objects.filter(sent_at__isnull=True, gave_up_at__isnull=True)
    unsent = waiting.count()
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    latest_error = (
        waiting.exclude(last_error="").order_by("-pk").values_list("last_error", flat=True).first()
    )
    failed = delivery.given_up().select_related("recipient").order_by("-created_at")
    context = {
        "runs": runs,
        "unsent": unsent,
        "oldest_waiting": oldest,
        "latest_error": latest_error,
        "given_up": failed[:50],
        "given_up_count": failed.count(),
    }
    return render(request, "notifications/reminder_runs.html", context)


@role_required(User.Role.ADMIN)
@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    """Send again what gave up: one row (`notification`) or all of them."""
    rows = delivery.given_up()
    one = request.POST.get("notification", "")
    if one:
        if not one.isdigit():
            raise Http404
        rows = rows.filter(pk=int(one))
    ids = list(rows.values_list("pk", flat=True))
    count = delivery.resend(Notification.objects.filter(pk__in=ids))
    for pk in ids:
        dispatch(pk)
    messages.success(
        request,
        ngettext("%(n)d e-mail will be sent again.", "%(n)d e-mails will be sent again.", count)
        % {"n": count},
    )
    return redirect("notifications:reminder_runs")
