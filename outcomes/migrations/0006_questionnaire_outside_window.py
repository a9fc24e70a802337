from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outcomes', '0005_questionnaire_functioning_question'),
    ]

    operations = [
        migrations.AddField(
            model_name='questionnaireresponse',
            name='outside_window',
            field=models.BooleanField(default=False, verbose_name='outside the window'),
        ),
        migrations.AddField(
            model_name='questionnaireresponse',
            name='outside_window_reason',
            field=models.TextField(blank=True, max_length=2000, verbose_name='reason for a date outside the window'),
        ),
        migrations.AddConstraint(
            model_name='questionnaireresponse',
            constraint=models.CheckConstraint(condition=models.Q(('outside_window', False), models.Q(('outside_window_reason', ''), _negated=True), _connector='OR'), name='questionnaire_outside_window_reason'),
        ),
    ]
