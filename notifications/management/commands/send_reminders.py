import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from notifications.models import Notification
from notifications.sweep import sweep

KIND_LABELS = dict(Notification.Kind.choices)


def _stop(signum, frame) -> None:
    # SIGTERM (a deploy, `kill`) as SystemExit, so the sweep gives back what it had not sent.
    sys.exit(128 + signum)


class Command(BaseCommand):
    help = "Find due and overdue items, send each reminder once, and print how many of each kind."

    def handle(self, *args, **options) -> None:
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            run = sweep(trigger="command")
        except (KeyboardInterrupt, SystemExit):
            self.stderr.write(
                "Stopped. What was not sent stays in the outbox and is sent by the next run "
                "or the outbox flush (an e-mail in flight may arrive twice, with one Message-ID)."
            )
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)
        if not run.counts:
            self.stdout.write("Sent 0 reminders.")
        for kind, count in run.counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(f"Total: {run.total}; failures: {run.failures}")
        waiting = Notification.objects.filter(sent_at__isnull=True)
        if waiting.exists():
            gave_up = waiting.filter(gave_up_at__isnull=False).count()
            self.stdout.write(
                f"Still unsent: {waiting.count()} (gave up: {gave_up}; the rest is retried)"
            )
        if run.failures:
            first = run.errors.splitlines()[0] if run.errors else ""
            raise CommandError(
                f"{run.failures} e-mail(s) failed ({first}). A mail server that cannot be reached "
                "stops the run after its first failure. Unsent e-mails stay in the outbox and are "
                "tried again by the next run or the outbox flush."
            )
