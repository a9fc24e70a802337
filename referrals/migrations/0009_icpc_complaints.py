"""The referral's complaints become the ICPC-1 codes the GP meant (referrals.icpc).

Until now a complaint was a word ("depressive") that the letter printed with a code of its
own choosing, and for the two commonest complaints that code was a disorder the GP never
diagnosed. Each word becomes the code of what the GP chose:

- "depressive" (Depressieve klachten, printed as P76 Depressie) -> P03, the symptom code of
  depressive feelings: the GP chose "complaints", not the disorder.
- "anxiety" (printed as P74 Angststoornis) -> P01, the symptom code of feeling anxious,
  nervous or tense, for the same reason.
- "stress" (printed as P02 Acute stressreactie) -> P01 as well. P02 is a reaction to an acute
  event, which the word "stress" on a running-therapy referral rarely means, and P78
  (overspanning/burn-out) is a diagnosis with criteria of its own that the GP did not assert.
  Stress without a diagnosis is, at the level of symptoms, a tense feeling: the "gespannen"
  of P01. It is the lowest code that still says what the GP wrote, and a GP who meant more
  can choose P02 or P78 on a draft; the GP's own words stay in complaint_notes.
- "burnout" -> P78, "sleep" -> P06, "other" -> P29: unchanged, these were what was printed.

The secondary complaints are moved the same way, the main code and repeats left out. Letters
already sent are stored documents and keep the bytes they were sent with. Backwards, each
code goes to the nearest old word (P01 to "anxiety", so "stress" cannot come back; P74 and
P76, which no referral had before, to "anxiety" and "depressive").
"""

from django.db import migrations, models


FORWARD = {
    "depressive": "P03",
    "anxiety": "P01",
    "stress": "P01",
    "burnout": "P78",
    "sleep": "P06",
    "other": "P29",
}
BACKWARD = {
    "P03": "depressive",
    "P76": "depressive",
    "P01": "anxiety",
    "P74": "anxiety",
    "P02": "stress",
    "P78": "burnout",
    "P06": "sleep",
    "P29": "other",
}


def _move(apps, mapping):
    Referral = apps.get_model("referrals", "Referral")
    changed = []
    for referral in Referral.objects.only("pk", "complaint", "other_complaints").iterator(
        chunk_size=2000
    ):
        main = mapping.get(referral.complaint, referral.complaint)
        others = [mapping.get(value, value) for value in referral.other_complaints or []]
        others = [code for code in dict.fromkeys(others) if code and code != main]
        if main != referral.complaint or others != (referral.other_complaints or []):
            referral.complaint, referral.other_complaints = main, others
            changed.append(referral)
    Referral.objects.bulk_update(changed, ["complaint", "other_complaints"], batch_size=2000)


def forward(apps, schema_editor):
    _move(apps, FORWARD)


def backward(apps, schema_editor):
    _move(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0008_recipients_from_history"),
    ]
    operations = [
        migrations.AlterField(
            model_name="referral",
            name="complaint",
            field=models.CharField(
                blank=True,
                choices=[
                    ("P01", "Feeling anxious/nervous/tense"),
                    ("P02", "Acute stress reaction"),
                    ("P03", "Feeling depressed"),
                    ("P06", "Sleep disturbance"),
                    ("P29", "Psychological symptoms/complaints, other"),
                    ("P74", "Anxiety disorder/anxiety state"),
                    ("P76", "Depressive disorder"),
                    ("P78", "Neurasthenia/surmenage (overstrain, burn-out)"),
                ],
                max_length=20,
                verbose_name="main complaint (ICPC)",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="other_complaints",
            field=models.JSONField(
                blank=True, default=list, verbose_name="secondary complaints (ICPC)"
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
