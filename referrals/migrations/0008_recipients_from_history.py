"""A ReferralRecipient row for every send that happened before the rows were written.

From the history: each "sent" event of a referral is one send. Whom it went to is told by the
first answer after it (the accept or decline event, by the therapist's own user); a send that
was not answered (still waiting, or cancelled while it waited) went to the referral's current
therapist, because the therapist can only be changed after a decline. A send whose answer was
a decline by someone who is not a therapist cannot be told: it gets no row, so nobody gains
access from a guess.

Where the history has no "sent" event at all (referrals written by hand or by a bulk import),
a referral past draft that has a stored letter and no decline in its history is taken to
have been sent to its current therapist, when the referral was sent.

The letter of a send is the stored referral letter made for it: referrals.services makes the
letter just before the event, so a letter belongs to the first send at or after it; a letter
made after the last send (the demo data did that) belongs to the last send.
"""

from django.db import migrations

BATCH = 2000


def _rows_for(referral, events, letters, therapist_of_user):
    sends = [i for i, e in enumerate(events) if e["to_status"] == "sent"]
    found = []  # (sent_at, therapist_id, send number or None)
    if sends:
        for n, index in enumerate(sends):
            end = sends[n + 1] if n + 1 < len(sends) else len(events)
            window = events[index + 1 : end]
            answer = next(
                (e for e in window if e["to_status"] in ("accepted", "declined")), None
            )
            therapist = None
            if answer is not None and answer["actor_id"] in therapist_of_user:
                therapist = therapist_of_user[answer["actor_id"]]
            elif (
                n == len(sends) - 1
                and not any(e["to_status"] == "declined" for e in window)
                and referral["therapist_id"] is not None
            ):
                therapist = referral["therapist_id"]
            if therapist is not None:
                found.append((events[index]["created_at"], therapist, n))
        moments = [events[index]["created_at"] for index in sends]
        letter_of: dict[int, int] = {}
        for letter in letters:  # oldest first: a later letter of the same send wins
            n = next((k for k, at in enumerate(moments) if at >= letter["created_at"]), None)
            letter_of[len(moments) - 1 if n is None else n] = letter["id"]
        return [(at, therapist, letter_of.get(n)) for at, therapist, n in found]
    declined = any(e["to_status"] == "declined" for e in events)
    if (
        referral["status"] != "draft"
        and referral["therapist_id"] is not None
        and letters
        and not declined
    ):
        at = referral["sent_at"] or letters[-1]["created_at"]
        return [(at, referral["therapist_id"], letters[-1]["id"])]
    return []


def forward(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    ReferralDocument = apps.get_model("referrals", "ReferralDocument")
    ReferralRecipient = apps.get_model("referrals", "ReferralRecipient")
    Therapist = apps.get_model("therapists", "Therapist")
    db = schema_editor.connection.alias

    therapist_of_user = dict(Therapist.objects.using(db).values_list("user_id", "pk"))
    ids = list(
        Referral.objects.using(db).exclude(status="draft").order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        referrals = Referral.objects.using(db).filter(pk__in=chunk).values(
            "pk", "status", "therapist_id", "sent_at"
        )
        events: dict[int, list[dict]] = {pk: [] for pk in chunk}
        for event in (
            ReferralEvent.objects.using(db)
            .filter(referral_id__in=chunk, to_status__in=("sent", "accepted", "declined"))
            .order_by("created_at", "pk")
            .values("referral_id", "to_status", "actor_id", "created_at")
        ):
            events[event["referral_id"]].append(event)
        letters: dict[int, list[dict]] = {pk: [] for pk in chunk}
        for letter in (
            ReferralDocument.objects.using(db)
            .filter(referral_id__in=chunk, kind="letter")
            .order_by("created_at", "pk")
            .values("id", "referral_id", "created_at")
        ):
            letters[letter["referral_id"]].append(letter)
        rows = [
            ReferralRecipient(
                referral_id=referral["pk"], therapist_id=therapist, sent_at=at, letter_id=letter
            )
            for referral in referrals
            for at, therapist, letter in _rows_for(
                referral, events[referral["pk"]], letters[referral["pk"]], therapist_of_user
            )
        ]
        ReferralRecipient.objects.using(db).bulk_create(rows, batch_size=BATCH)


def backward(apps, schema_editor):
    ReferralRecipient = apps.get_model("referrals", "ReferralRecipient")
    ReferralRecipient.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("referrals", "0007_referral_recipients"),
        ("therapists", "0003_models_moved_to_therapy"),
    ]

    operations = [migrations.RunPython(forward, backward)]
