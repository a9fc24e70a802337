"""ReportFact and ReportCell move here from referrals as CountFact and CountCell; their tables
and rows stay."""


from django.db import migrations, models

from core.moves import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('referrals', '0004_report_cells'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already, with their rows: only Django's picture of them moves.
            state_operations=[
                migrations.CreateModel(
                    name='CountFact',
                    fields=[
                        ('referral_id', models.BigIntegerField(primary_key=True, serialize=False)),
                        ('practice_id', models.BigIntegerField()),
                        ('gp_id', models.BigIntegerField()),
                        ('therapist_id', models.BigIntegerField(null=True)),
                        ('month', models.DateField()),
                        ('status', models.CharField(max_length=20)),
                        ('complaint', models.CharField(max_length=20)),
                        ('purpose', models.CharField(max_length=20)),
                        ('funding', models.CharField(max_length=20)),
                        ('accepted', models.BooleanField()),
                        ('started', models.BooleanField()),
                        ('completed', models.BooleanField()),
                        ('stopped', models.BooleanField()),
                        ('intake_days', models.IntegerField(null=True)),
                        ('complete_weeks', models.PositiveSmallIntegerField(default=0)),
                        ('scores', models.JSONField(default=dict)),
                        ('antidepressant', models.CharField(blank=True, max_length=10)),
                    ],
                    options={
                        'db_table': 'referrals_reportfact',
                    },
                ),
                migrations.CreateModel(
                    name='CountCell',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(max_length=1)),
                        ('scope_id', models.BigIntegerField()),
                        ('dimension', models.CharField(max_length=20)),
                        ('month', models.DateField()),
                        ('value', models.CharField(max_length=40)),
                        ('n', models.BigIntegerField()),
                    ],
                    options={
                        'db_table': 'referrals_reportcell',
                        'constraints': [models.UniqueConstraint(fields=('scope', 'scope_id', 'dimension', 'month', 'value'), name='report_cell_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
        move_content_types(
            "dashboard",
            [
                ("referrals", "reportfact", "countfact"),
                ("referrals", "reportcell", "countcell"),
            ],
        ),
    ]
