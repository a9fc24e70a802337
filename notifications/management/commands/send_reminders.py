from django.core.management.base import BaseCommand

from notifications.sweep import sweep


class Command(BaseCommand):
    help = "Find due and overdue items, send each reminder once, and print how many of each kind."

    def handle(self, *args, **options) -> None:
        run = sweep(trigger="command")
        if not run.counts:
            self.stdout.write("Sent 0 reminders.")
        for kind, count in run.counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(f"Total: {run.total}; failures: {run.failures}")
