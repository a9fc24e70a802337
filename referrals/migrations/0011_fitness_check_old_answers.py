"""The fitness checks from before the PAR-Q+ screen keep their answers, readably.

Their seven yes/no questions were a paraphrase of the PAR-Q+'s general questions without the
qualifiers: each maps onto its general question (q1..q7), and the check is marked as the old
version (`version = "legacy"`), so it is shown with the wording the GP answered and the
follow-up, pregnancy and illness questions as never asked. Its clearance note stays. A draft
with an old check must do the beweegcheck again before it can be sent.
"""

from django.db import migrations

OLD_TO_NEW = {
    "heart_condition": "q1",
    "chest_pain": "q2",
    "dizziness": "q3",
    "chronic_condition": "q4",
    "chronic_medication": "q5",
    "bone_joint_problem": "q6",
    "supervised_only": "q7",
}


def forwards(apps, schema_editor):
    FitnessCheck = apps.get_model("referrals", "FitnessCheck")
    for check in FitnessCheck.objects.all().iterator(chunk_size=2000):
        check.answers = {new: getattr(check, old) for old, new in OLD_TO_NEW.items()}
        check.version = "legacy"
        check.save(update_fields=["answers", "version"])


def backwards(apps, schema_editor):
    FitnessCheck = apps.get_model("referrals", "FitnessCheck")
    for check in FitnessCheck.objects.all().iterator(chunk_size=2000):
        answers = check.answers or {}
        for old, new in OLD_TO_NEW.items():
            setattr(check, old, bool(answers.get(new)))
        check.save(update_fields=list(OLD_TO_NEW))


class Migration(migrations.Migration):
    dependencies = [("referrals", "0010_fitness_check_parq_plus")]

    operations = [migrations.RunPython(forwards, backwards)]
