from django.core.management.base import BaseCommand

from dashboard import counts


class Command(BaseCommand):
    help = "Recompute the dashboard's counts from the referrals (after a bulk import)."

    def handle(self, *args, **options):
        written = counts.rebuild()
        self.stdout.write(f"{written['facts']} referrals counted, {written['cells']} count cells.")
