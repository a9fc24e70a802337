from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0012_fitness_check_old_columns_removed'),
    ]

    operations = [
        migrations.AddField(
            model_name='referral',
            name='therapy_start',
            field=models.DateField(blank=True, null=True, verbose_name='start of therapy (week 0)'),
        ),
    ]
