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
        except KeyboardInterrupt:
            raise CommandError(
                "Stopped. What was not sent stays in the outbox and is sent by the next run."
            ) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        if not run.counts:
            self.stdout.write("Sent 0 reminders.")
        for kind, count in run.counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(f"Total: {run.total}; failures: {run.failures}")
        if run.failures:
            first = run.errors.splitlines()[0] if run.errors else ""
            raise CommandError(
                f"{run.failures} e-mail(s) could not be sent ({first}). They stay in the outbox "
                "and are tried again by the next run or the outbox flush."
            )
