"""Intake, Screening and TherapySession (from therapists) and TherapyReport (from referrals,
now TherapyLetter) move here; their tables and rows stay as they were."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.moves import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('referrals', '0004_report_cells'),
        ('therapists', '0002_intake_screening_therapysession'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already, with their rows: only Django's picture of them moves.
            state_operations=[
                migrations.CreateModel(
                    name='Intake',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='intake date')),
                        ('goals', models.TextField(verbose_name='goals')),
                        ('running_experience', models.TextField(blank=True, verbose_name='running experience')),
                        ('motivation', models.TextField(blank=True, verbose_name='motivation')),
                        ('current_activity', models.TextField(blank=True, verbose_name='current physical activity')),
                        ('plan', models.TextField(blank=True, help_text='Shared with the GP in the report after intake.', verbose_name='plan')),
                        ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('referral', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='intake', to='referrals.referral')),
                    ],
                    options={
                        'verbose_name': 'intake',
                        'verbose_name_plural': 'intakes',
                        'db_table': 'therapists_intake',
                    },
                ),
                migrations.CreateModel(
                    name='Screening',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('resting_heart_rate', models.PositiveSmallIntegerField(verbose_name='resting heart rate (bpm)')),
                        ('systolic', models.PositiveSmallIntegerField(verbose_name='blood pressure, systolic (mmHg)')),
                        ('diastolic', models.PositiveSmallIntegerField(verbose_name='blood pressure, diastolic (mmHg)')),
                        ('height_cm', models.PositiveSmallIntegerField(verbose_name='height (cm)')),
                        ('weight_kg', models.DecimalField(decimal_places=1, max_digits=5, verbose_name='weight (kg)')),
                        ('injuries', models.TextField(blank=True, verbose_name='injuries')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('outcome', models.CharField(choices=[('cleared', 'Cleared'), ('restricted', 'Cleared with restrictions'), ('not_cleared', 'Not cleared')], max_length=20, verbose_name='outcome')),
                        ('restrictions', models.TextField(blank=True, verbose_name='restrictions')),
                        ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('referral', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='screening', to='referrals.referral')),
                    ],
                    options={
                        'verbose_name': 'sports-medical screening',
                        'verbose_name_plural': 'sports-medical screenings',
                        'db_table': 'therapists_screening',
                        'constraints': [models.CheckConstraint(condition=models.Q(('outcome__in', ['cleared', 'restricted', 'not_cleared'])), name='screening_outcome_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='TherapyLetter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('intake_report', 'Report after intake'), ('progress_report', 'Progress report'), ('end_report', 'End report')], max_length=20, verbose_name='kind')),
                        ('summary', models.TextField(verbose_name='summary for the GP')),
                        ('fitness_progress', models.TextField(blank=True, verbose_name='fitness progress')),
                        ('runs_independently', models.CharField(blank=True, choices=[('yes', 'Yes'), ('with_support', 'With some support'), ('no', 'No')], max_length=20, verbose_name='can keep running on their own')),
                        ('advice', models.TextField(blank=True, verbose_name="advice for the GP's follow-up")),
                        ('sent_at', models.DateTimeField(auto_now_add=True, verbose_name='sent')),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='therapy_letters', to='referrals.referral', verbose_name='referral')),
                        ('written_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'report to the GP',
                        'verbose_name_plural': 'reports to the GP',
                        'db_table': 'referrals_therapyreport',
                        'ordering': ['sent_at'],
                        'constraints': [models.UniqueConstraint(fields=('referral', 'kind'), name='report_once_per_kind')],
                    },
                ),
                migrations.CreateModel(
                    name='TherapySession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('mode', models.CharField(choices=[('supervised', 'Supervised'), ('own', 'On their own')], default='supervised', max_length=12, verbose_name='supervision')),
                        ('attendance', models.CharField(choices=[('attended', 'Attended'), ('no_show', 'No-show'), ('cancelled', 'Cancelled')], default='attended', max_length=12, verbose_name='attendance')),
                        ('minutes_running', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='minutes running')),
                        ('minutes_walking', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='minutes walking')),
                        ('distance_km', models.DecimalField(blank=True, decimal_places=1, max_digits=4, null=True, verbose_name='distance (km)')),
                        ('average_heart_rate', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='average heart rate')),
                        ('rpe', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='exertion (Borg 6-20)')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('group', models.UUIDField(blank=True, db_index=True, null=True, verbose_name='group session')),
                        ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sessions', to='referrals.referral')),
                    ],
                    options={
                        'verbose_name': 'session',
                        'verbose_name_plural': 'sessions',
                        'db_table': 'therapists_therapysession',
                        'ordering': ['-date', '-pk'],
                        'indexes': [models.Index(fields=['referral', 'date'], name='session_referral_date')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('rpe__isnull', True), models.Q(('rpe__gte', 6), ('rpe__lte', 20)), _connector='OR'), name='session_rpe_borg_range'), models.CheckConstraint(condition=models.Q(('attendance__in', ['attended', 'no_show', 'cancelled'])), name='session_attendance_valid')],
                    },
                ),
            ],
            database_operations=[],
        ),
        move_content_types(
            "therapy",
            [
                ("therapists", "intake", "intake"),
                ("therapists", "screening", "screening"),
                ("therapists", "therapysession", "therapysession"),
                ("referrals", "therapyreport", "therapyletter"),
            ],
        ),
    ]
