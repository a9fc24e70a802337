"""The outbox in /healthz (accounts.health): how old the oldest unsent e-mail is, and how many
gave up. Past settings.HEALTHZ_OUTBOX_MAX_AGE_SECONDS the answer is 503, so monitoring pages
someone: a safety net that has stopped sending must not go unnoticed."""

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from accounts import health

from .delivery import given_up
from .models import Notification


def outbox_state() -> tuple[bool, dict]:
    oldest = Notification.objects.filter(sent_at__isnull=True).aggregate(at=Min("created_at"))["at"]
    age = int((timezone.now() - oldest).total_seconds()) if oldest else None
    healthy = age is None or age <= settings.HEALTHZ_OUTBOX_MAX_AGE_SECONDS
    return healthy, {"oldest_unsent_seconds": age, "gave_up": given_up().count()}


def register() -> None:
    health.register("outbox", outbox_state)
