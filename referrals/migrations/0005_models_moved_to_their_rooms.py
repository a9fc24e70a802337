"""TherapyReport, Notification, ReminderRun, ReportFact and ReportCell left for their own apps
(therapy, notifications, dashboard); their tables and rows stay."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0004_report_cells'),
        ('therapy', '0001_initial'),
        ('notifications', '0001_initial'),
        ('dashboard', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already, with their rows: only Django's picture of them moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='notification',
                    name='recipient',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='referral',
                ),
                migrations.DeleteModel(
                    name='ReminderRun',
                ),
                migrations.DeleteModel(
                    name='ReportCell',
                ),
                migrations.DeleteModel(
                    name='ReportFact',
                ),
                migrations.RemoveField(
                    model_name='therapyreport',
                    name='referral',
                ),
                migrations.RemoveField(
                    model_name='therapyreport',
                    name='written_by',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='TherapyReport',
                ),
            ],
            database_operations=[],
        ),
    ]
