from django.core.management.base import BaseCommand

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
        still = delivery.given_up().count()
        if still:
            self.stdout.write(f"Gave up again: {still} (see the reminder-runs page)")
