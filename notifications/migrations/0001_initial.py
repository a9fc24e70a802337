"""Notification and ReminderRun move here from referrals; their tables and rows stay."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.moves import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('referrals', '0004_report_cells'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already, with their rows: only Django's picture of them moves.
            state_operations=[
                migrations.CreateModel(
                    name='ReminderRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('started_at', models.DateTimeField(auto_now_add=True, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('trigger', models.CharField(default='beat', max_length=20, verbose_name='started by')),
                        ('counts', models.JSONField(default=dict, verbose_name='sent per kind')),
                        ('failures', models.PositiveIntegerField(default=0, verbose_name='failures')),
                        ('errors', models.TextField(blank=True, verbose_name='errors')),
                    ],
                    options={
                        'verbose_name': 'reminder run',
                        'verbose_name_plural': 'reminder runs',
                        'db_table': 'referrals_reminderrun',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('new_referral', 'New referral'), ('referral_answered', 'Referral answered'), ('not_cleared', 'Returned after screening'), ('report_ready', 'Report ready'), ('referral_unanswered', 'Referral not answered'), ('intake_overdue', 'Intake overdue'), ('questionnaire_due', 'Questionnaires due'), ('questionnaire_overdue', 'Questionnaires overdue'), ('report_due', 'Report due'), ('follow_up_due', 'Follow-up due'), ('follow_up_overdue', 'Follow-up overdue')], max_length=30, verbose_name='kind')),
                        ('due_date', models.DateField(verbose_name='due date')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='referrals.referral')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'referrals_notification',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='notification_unsent')],
                        'constraints': [models.UniqueConstraint(fields=('referral', 'kind', 'due_date', 'recipient'), name='notification_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
        move_content_types(
            "notifications",
            [
                ("referrals", "notification", "notification"),
                ("referrals", "reminderrun", "reminderrun"),
            ],
        ),
    ]
