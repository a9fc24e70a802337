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
    CountFact = apps.get_model("dashboard", "CountFact")
    CountCell = apps.get_model("dashboard", "CountCell")
    for old, new in mapping.items():
        CountFact.objects.filter(complaint=old).update(complaint=new)
    cells = CountCell.objects.filter(dimension="complaint", value__in=list(mapping))
    sums = defaultdict(int)
    for cell in cells:
        sums[cell.scope, cell.scope_id, cell.month, mapping[cell.value]] += cell.n
    cells.delete()
    for (scope, scope_id, month, value), n in sums.items():
        cell, created = CountCell.objects.get_or_create(
            scope=scope,
            scope_id=scope_id,
            dimension="complaint",
            month=month,
            value=value,
            defaults={"n": n},
        )
        if not created:
            cell.n += n
            cell.save(update_fields=["n"])


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
