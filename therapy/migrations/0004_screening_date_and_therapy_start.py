"""The screening gets a date (and a reason when it is late); the referral its start of therapy.

Existing screenings are dated the day they were recorded: the day the referral entered therapy
(or was not cleared), else the day the row was written, never before the intake. Existing
referrals in therapy or after start on the later of the intake date and that screening date
(referrals.schedule.therapy_start); a therapy with no screening row starts on its intake date.
A therapy still open gets the GP's follow-up date: three months after its start. A closed one
keeps the due date it was given (the GP may have seen it).
"""

import calendar
from datetime import date
from zoneinfo import ZoneInfo

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

import core.limits

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _day(moment):
    return moment.astimezone(AMSTERDAM).date() if moment else None


def _add_months(day, months):
    # A copy of referrals.schedule.add_months as it is now: a migration keeps its own rule.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def forward(apps, schema_editor):
    Screening = apps.get_model("therapy", "Screening")
    Referral = apps.get_model("referrals", "Referral")
    screenings = Screening.objects.select_related("referral").order_by("pk")
    for screening in screenings.iterator(chunk_size=2000):
        referral = screening.referral
        day = (
            _day(referral.therapy_started_at)
            or _day(referral.not_cleared_at)
            or _day(screening.recorded_at)
        )
        if referral.intake_date and day < referral.intake_date:
            day = referral.intake_date
        Screening.objects.filter(pk=screening.pk).update(date=day)
    started = Referral.objects.filter(therapy_started_at__isnull=False, intake_date__isnull=False)
    dates = dict(Screening.objects.values_list("referral_id", "date"))
    for referral in started.only("pk", "intake_date", "status", "follow_up_due").iterator(
        chunk_size=2000
    ):
        start = max(referral.intake_date, dates.get(referral.pk) or referral.intake_date)
        changes = {"therapy_start": start}
        if referral.status == "in_therapy" and referral.follow_up_due is None:
            changes["follow_up_due"] = _add_months(start, 3)
        Referral.objects.filter(pk=referral.pk).update(**changes)


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0013_referral_therapy_start'),
        ('therapy', '0003_dose_and_plausibility'),
    ]

    operations = [
        migrations.AddField(
            model_name='screening',
            name='date',
            field=models.DateField(null=True, verbose_name='screening date'),
        ),
        migrations.AddField(
            model_name='screening',
            name='late_reason',
            field=models.TextField(blank=True, max_length=core.limits.REASON, verbose_name='reason for a screening more than 28 days after the intake'),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name='screening',
            name='date',
            field=models.DateField(verbose_name='screening date'),
        ),
        migrations.AddConstraint(
            model_name='screening',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('late_reason'), 2000), name='therapists_screening_late_reason_length'),
        ),
    ]
