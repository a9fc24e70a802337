"""The dashboard's counts follow the referrals to their ICPC codes (referrals 0009).

The facts and the "complaint" cells held the old words; they get the codes the referral
migration gave the referrals, with the same mapping. "anxiety" and "stress" both become P01, so
their cells are added together. `manage.py rebuild_counts` would give the same result.
"""

from collections import defaultdict
from importlib import import_module

from django.db import migrations

# The mapping of the referral migration, so the counts follow exactly what the referrals did.
_referrals = import_module("referrals.migrations.0009_icpc_complaints")
FORWARD, BACKWARD = _referrals.FORWARD, _referrals.BACKWARD


def _move(apps, mapping):
    """Facts get the new code; cells too, in place: where two old words become one code in the
    same scope and month, the cell with the lowest id keeps the sum and the other goes."""
    CountFact = apps.get_model("dashboard", "CountFact")
    CountCell = apps.get_model("dashboard", "CountCell")
    for old, new in mapping.items():
        CountFact.objects.filter(complaint=old).update(complaint=new)
    groups = defaultdict(list)
    cells = CountCell.objects.filter(dimension="complaint", value__in=list(mapping))
    for cell in cells.order_by("pk"):
        groups[cell.scope, cell.scope_id, cell.month, mapping[cell.value]].append(cell)
    for (scope, scope_id, month, value), found in groups.items():
        # A cell that already holds the new code (it cannot, before this migration) keeps it.
        keep, *merged = found
        CountCell.objects.filter(pk__in=[cell.pk for cell in merged]).delete()
        keep.value, keep.n = value, sum(cell.n for cell in found)
        keep.save(update_fields=["value", "n"])


def forward(apps, schema_editor):
    _move(apps, FORWARD)


def backward(apps, schema_editor):
    _move(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("referrals", "0009_icpc_complaints"),
    ]

    operations = [migrations.RunPython(forward, backward)]
