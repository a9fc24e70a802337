"""Intake, Screening and TherapySession left for the therapy app; their tables and rows stay."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('therapists', '0002_intake_screening_therapysession'),
        ('therapy', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already, with their rows: only Django's picture of them moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='screening',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='screening',
                    name='referral',
                ),
                migrations.RemoveField(
                    model_name='therapysession',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='therapysession',
                    name='referral',
                ),
                migrations.DeleteModel(
                    name='Intake',
                ),
                migrations.DeleteModel(
                    name='Screening',
                ),
                migrations.DeleteModel(
                    name='TherapySession',
                ),
            ],
            database_operations=[],
        ),
    ]
