from django.core.management.base import BaseCommand, CommandError

from notifications import delivery
from notifications.sweep import send_unsent


class Command(BaseCommand):
    help = (
        "Send again every e-mail that gave up (after the mail server or an address was fixed); "
        "the same as 'Send all again' on the reminder-runs page."
    )

    def handle(self, *args, **options) -> None:
        count = delivery.resend(delivery.given_up())
        sent = send_unsent()
        self.stdout.write(f"Given up: {count}; sent now: {sum(sent.values())}")
        unsent = delivery.Notification.objects.filter(sent_at__isnull=True).count()
        if unsent:
            raise CommandError(
                f"{unsent} e-mail(s) are still unsent ({delivery.given_up().count()} gave up "
                "again). Is the mail server reachable? See the reminder-runs page."
            )
