"""The outbox in /healthz (accounts.health): how old the oldest unsent e-mail is (safety alerts
included), and how many gave up. The answer is 503 past settings.HEALTHZ_OUTBOX_MAX_AGE_SECONDS,
and while any e-mail has given up, so monitoring pages someone: a safety net that has stopped
sending must not go unnoticed. Sending those again (the reminder-runs page) clears it."""

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from accounts import health

from .delivery import given_up
from .models import Notification


def outbox_state() -> tuple[bool, dict]:
    oldest = Notification.objects.filter(sent_at__isnull=True).aggregate(at=Min("created_at"))["at"]
    age = int((timezone.now() - oldest).total_seconds()) if oldest else None
    gave_up = given_up().count()
    healthy = (age is None or age <= settings.HEALTHZ_OUTBOX_MAX_AGE_SECONDS) and not gave_up
    return healthy, {"oldest_unsent_seconds": age, "gave_up": gave_up}


def register() -> None:
    health.register("outbox", outbox_state)
