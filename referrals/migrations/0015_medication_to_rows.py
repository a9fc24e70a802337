"""The free-text medication of existing referrals: a one-line text that fits a row becomes one
ReferralMedication row (its name; dose and since left empty, as the GP never split them) and
the note is emptied; a longer text stays as it is, the note beside the rows. Nothing is lost
either way, and going back puts a single row's name back into the note."""

from django.db import migrations

NAME_LENGTH = 100


def fits_a_row(text: str) -> bool:
    text = text.strip()
    return bool(text) and "\n" not in text and len(text) <= NAME_LENGTH


def forwards(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    ReferralMedication = apps.get_model("referrals", "ReferralMedication")
    for referral in Referral.objects.exclude(medication="").only("pk", "medication").iterator():
        if fits_a_row(referral.medication) and not ReferralMedication.objects.filter(
            referral_id=referral.pk
        ).exists():
            ReferralMedication.objects.create(
                referral_id=referral.pk, name=referral.medication.strip()
            )
            Referral.objects.filter(pk=referral.pk).update(medication="")


def backwards(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    ReferralMedication = apps.get_model("referrals", "ReferralMedication")
    for row in ReferralMedication.objects.all().iterator():
        Referral.objects.filter(pk=row.referral_id, medication="").update(medication=row.name)
    ReferralMedication.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0014_hasp_letter")]

    operations = [migrations.RunPython(forwards, backwards)]
