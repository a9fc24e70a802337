from django.core.management.base import BaseCommand

from referrals import report_cells


class Command(BaseCommand):
    help = "Recompute the reports' pre-aggregated figures from the referrals (after a bulk import)."

    def handle(self, *args, **options):
        written = report_cells.rebuild()
        self.stdout.write(f"{written['facts']} referrals counted, {written['cells']} report cells.")
