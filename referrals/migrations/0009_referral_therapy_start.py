from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0008_recipients_from_history'),
    ]

    operations = [
        migrations.AddField(
            model_name='referral',
            name='therapy_start',
            field=models.DateField(blank=True, null=True, verbose_name='start of therapy (week 0)'),
        ),
    ]
