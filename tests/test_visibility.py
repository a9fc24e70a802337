"""Who sees a referral after it changed hands: only the therapist it was sent to, while it is with
them, and the one who treated it (read only); never one the GP only chose, nor one who declined.

H1 (an attacker's finding): GP sends to therapist A, A declines, the GP chooses therapist B
(the referral's `therapist` now names B, its `sent_at` is A's), the GP cancels. B could open
the referral (writing the "opened by the therapist" receipt on the GP's timeline), the letter
written to A, and the patient. Visibility now follows the ReferralRecipient rows written at
each send (referrals.recipients).
"""

import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dashboard.scope import referrals_for_dashboard
from patients.selectors import patients_visible_to
from referrals import selectors, services
from referrals.models import FollowUp, Referral, ReferralDocument, ReferralRecipient, Status
from therapy import services as therapy_services
from therapy.models import Intake, Screening, TherapyLetter

from .factories import (
    FitnessCheckFactory,
    PatientFactory,
    ReferralDocumentFactory,
    ReferralEventFactory,
    ReferralFactory,
    TherapistFactory,
)

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(data))).pages)


@pytest.fixture
def therapist_b(db):
    return TherapistFactory(verified=True, user__email="therapist-b@example.org").user


@pytest.fixture
def ready(gp, therapist):
    """A draft of `gp`, ready to be sent to `therapist` (therapist A)."""
    referral = referral_of(
        gp,
        therapist,
        uses_antidepressant=False,
        medication="Sertraline 50 mg",
        history="Depressieve episode in 2019.",
    )
    FitnessCheckFactory(referral=referral)
    return referral


def referral_of(gp, therapist, status: str = Status.DRAFT, **extra) -> Referral:
    """A referral of a new patient of `gp`'s practice, `therapist` (a user) its therapist."""
    return ReferralFactory(
        gp=gp,
        patient=PatientFactory(practice=gp.practice),
        therapist=therapist.therapist,
        status=status,
        **extra,
    )


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def h1_by_services(ready, gp, therapist, therapist_b) -> Referral:
    """Sent to A, declined by A, B chosen, cancelled by the GP: never sent to B."""
    services.referral_send(referral=ready, by=gp)
    services.referral_decline(referral=fresh(ready), by=therapist, reason="Groep zit vol.")
    services.referral_choose_therapist(
        referral=fresh(ready), therapist=therapist_b.therapist, by=gp
    )
    return services.referral_cancel(referral=fresh(ready), by=gp, reason="Toch niet nodig.")


def pages_of(referral: Referral) -> dict[str, str]:
    return {
        "referral": reverse("referrals:detail", args=[referral.pk]),
        "letter": reverse("referrals:letter", args=[referral.pk]),
        "patient": reverse("patients:detail", args=[referral.patient_id]),
    }


# --- H1 ------------------------------------------------------------------------------------------


def test_h1_a_therapist_only_chosen_after_a_decline_gets_404_and_writes_no_receipt(
    ready, gp, therapist, therapist_b, client_for
):
    referral = h1_by_services(ready, gp, therapist, therapist_b)
    assert referral.therapist.user == therapist_b  # the field names B: the old hole's premise
    assert referral.sent_at is not None

    client = client_for(therapist_b)
    for name, url in pages_of(referral).items():
        assert client.get(url).status_code == 404, name

    assert fresh(referral).opened_at is None  # no "opened by the therapist" for the GP
    timeline = selectors.timeline(fresh(referral))
    assert "Opened by the therapist" not in [str(entry["label"]) for entry in timeline]
    assert not selectors.referrals_visible_to(therapist_b).filter(pk=referral.pk).exists()
    assert not patients_visible_to(therapist_b).filter(pk=referral.patient_id).exists()
    assert not referrals_for_dashboard(therapist_b).filter(pk=referral.pk).exists()
    # The receipt service refuses B on its own, whatever the view asks.
    assert not services.referral_mark_opened(referral=fresh(referral), by=therapist_b)
    assert fresh(referral).opened_at is None


def test_h1_the_therapist_who_declined_sees_nothing_after_the_decline(
    ready, gp, therapist, therapist_b, client_for
):
    referral = h1_by_services(ready, gp, therapist, therapist_b)

    client = client_for(therapist)
    for name, url in pages_of(referral).items():
        assert client.get(url).status_code == 404, name
    assert not selectors.past_clients(user=therapist).exists()


def test_h1_through_the_views_with_the_test_client(ready, gp, therapist, therapist_b, client_for):
    """The same sequence, every step an HTTP request: GP sends, A declines, GP chooses B, GP
    cancels; then B asks for the referral page, the letter, the patient page and the lists."""
    gp_client, a_client, b_client = client_for(gp), client_for(therapist), client_for(therapist_b)
    pk = ready.pk

    assert gp_client.post(reverse("referrals:send", args=[pk])).status_code == 302
    assert fresh(ready).status == Status.SENT
    assert a_client.get(reverse("referrals:detail", args=[pk])).status_code == 200
    assert fresh(ready).opened_at is not None  # A's receipt, while it was A's
    response = a_client.post(reverse("referrals:decline", args=[pk]), {"reason": "Vol."})
    assert response.status_code == 302
    assert fresh(ready).status == Status.DECLINED
    response = gp_client.post(
        reverse("referrals:therapist", args=[pk]), {"therapist": str(therapist_b.therapist.pk)}
    )
    assert response.status_code == 302
    assert fresh(ready).therapist.user == therapist_b
    response = gp_client.post(reverse("referrals:cancel", args=[pk]), {"reason": "Verhuisd."})
    assert response.status_code == 302
    referral = fresh(ready)
    assert referral.status == Status.CANCELLED
    opened_by_a = referral.opened_at

    for client in (b_client, a_client):
        for name, url in pages_of(referral).items():
            assert client.get(url).status_code == 404, name
        incoming = client.get(reverse("referrals:incoming"))
        past = client.get(reverse("referrals:past_clients"))
        assert incoming.status_code == past.status_code == 200
        assert referral.patient.surname not in incoming.content.decode()
        assert referral.patient.surname not in past.content.decode()
    assert fresh(referral).opened_at == opened_by_a  # B's requests wrote no receipt
    # The GP still has everything.
    for name, url in pages_of(referral).items():
        assert gp_client.get(url).status_code == 200, name


def test_after_a_decline_and_a_resend_each_therapist_sees_only_their_own_letter(
    ready, gp, therapist, therapist_b, client_for
):
    services.referral_send(referral=ready, by=gp)
    services.referral_decline(referral=fresh(ready), by=therapist, reason="Vol.")
    services.referral_choose_therapist(
        referral=fresh(ready), therapist=therapist_b.therapist, by=gp
    )
    # Before the new send, B has nothing: being chosen is not being sent.
    for name, url in pages_of(ready).items():
        assert client_for(therapist_b).get(url).status_code == 404, name
    services.referral_send(referral=fresh(ready), by=gp)

    letters = {
        row.therapist.user: row.letter
        for row in ReferralRecipient.objects.filter(referral=ready).select_related("letter")
    }
    assert set(letters) == {therapist, therapist_b}
    b_client = client_for(therapist_b)
    response = b_client.get(reverse("referrals:letter", args=[ready.pk]))
    assert response.status_code == 200
    assert bytes(response.content) == bytes(letters[therapist_b].content)
    text = pdf_text(response.content)
    assert therapist_b.therapist.organisation in text
    assert therapist.therapist.organisation not in text
    page = b_client.get(reverse("referrals:detail", args=[ready.pk]))
    assert page.context["letter"].pk == letters[therapist_b].pk
    assert fresh(ready).opened_at is not None  # B's receipt: the referral is B's now
    for name, url in pages_of(ready).items():
        assert client_for(therapist).get(url).status_code == 404, name


def test_a_therapist_sent_it_who_accepted_but_never_held_the_intake_loses_it_on_cancel(
    ready, gp, therapist, client_for
):
    services.referral_send(referral=ready, by=gp)
    services.referral_accept(referral=fresh(ready), by=therapist)
    services.referral_cancel(referral=fresh(ready), by=gp, reason="Patiënt ziet ervan af.")

    for name, url in pages_of(ready).items():
        assert client_for(therapist).get(url).status_code == 404, name
    assert not selectors.past_clients(user=therapist).exists()


# --- Past clients ------------------------------------------------------------------------------


def treat(referral: Referral, gp, therapist, *, close: str | None = Status.COMPLETED) -> Referral:
    """Send, accept, intake, screening cleared and, unless `close` is None, close."""
    services.referral_send(referral=referral, by=gp)
    services.referral_accept(referral=fresh(referral), by=therapist)
    today = timezone.localdate()
    therapy_services.intake_record(
        referral=fresh(referral), intake=Intake(date=today, goals="Hardlopen."), by=therapist
    )
    therapy_services.screening_record(
        referral=fresh(referral),
        screening=Screening(
            resting_heart_rate=60,
            systolic=120,
            diastolic=80,
            height_cm=180,
            weight_kg=75,
            outcome=Screening.Outcome.CLEARED,
        ),
        by=therapist,
    )
    if close:
        therapy_services.therapy_close(
            referral=fresh(referral),
            outcome=close,
            letter=TherapyLetter(summary="Goed gelopen."),
            by=therapist,
        )
    return fresh(referral)


def test_a_treated_referral_stays_readable_in_past_clients_read_only(
    ready, gp, therapist, client_for
):
    referral = treat(ready, gp, therapist)
    services.follow_up_record(
        referral=referral,
        follow_up=FollowUp(
            date=timezone.localdate(),
            wellbeing=FollowUp.Wellbeing.BETTER,
            antidepressant=FollowUp.Antidepressant.REDUCED,
            work_status=FollowUp.Work.WORKING,
            runs_per_week=2,
            minutes_per_week=60,
            notes="Loopt nog met de vereniging.",
        ),
        by=gp,
    )
    referral = fresh(referral)
    assert referral.status == Status.FOLLOWED_UP
    client = client_for(therapist)

    home = client.get(reverse("referrals:incoming"))
    assert reverse("referrals:past_clients") in home.content.decode()  # reachable from home
    past = client.get(reverse("referrals:past_clients"))
    assert past.status_code == 200
    assert [r.pk for r in past.context["page"].object_list] == [referral.pk]
    assert reverse("referrals:detail", args=[referral.pk]) in past.content.decode()
    assert referral.pk not in [r.pk for r in selectors.therapist_worklist(user=therapist)]

    for name, url in pages_of(referral).items():
        assert client.get(url).status_code == 200, name
    end = reverse("referrals:document", args=[referral.pk, "end_report"])
    assert client.get(end).status_code == 200  # the letter back they wrote
    page = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert page.context["follow_up"] is None  # the GP's own consultation is not theirs
    assert "Loopt nog met de vereniging." not in page.content.decode()
    # Read only: the therapist's steps answer 404, not a form.
    for url in (
        reverse("therapy:session_add", args=[referral.pk]),
        reverse("therapy:close", args=[referral.pk]),
        reverse("outcomes:enter", args=[referral.pk, "PHQ-9", 10]),
        reverse("referrals:decline", args=[referral.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


def test_a_referral_cancelled_during_the_therapy_is_a_past_client(
    ready, gp, therapist, therapist_other, client_for
):
    referral = treat(ready, gp, therapist, close=None)
    services.referral_cancel(referral=referral, by=gp, reason="Verhuisd.")

    assert [r.pk for r in selectors.past_clients(user=therapist)] == [referral.pk]
    assert client_for(therapist).get(pages_of(referral)["referral"]).status_code == 200
    assert not selectors.referrals_in_care_of(therapist).filter(pk=referral.pk).exists()
    assert not selectors.past_clients(user=therapist_other).exists()
    response = client_for(therapist_other).get(reverse("referrals:past_clients"))
    assert referral.patient.surname not in response.content.decode()


def test_past_clients_lists_only_the_therapists_own_treated_referrals(
    gp, therapist, therapist_other
):
    now = timezone.now()
    own = referral_of(gp, therapist, Status.NOT_CLEARED, intake_done_at=now, not_cleared_at=now)
    referral_of(gp, therapist, Status.IN_THERAPY, intake_done_at=now)  # the caseload
    referral_of(gp, therapist, Status.CANCELLED)  # cancelled before any intake: gone
    referral_of(gp, therapist_other, Status.FOLLOWED_UP, intake_done_at=now)  # not theirs

    assert [r.pk for r in selectors.past_clients(user=therapist)] == [own.pk]


# --- The data migration: rows for the sends made before the rows existed -----------------------

migration = importlib.import_module("referrals.migrations.0008_recipients_from_history")


def rows() -> set[tuple]:
    return set(ReferralRecipient.objects.values_list("referral_id", "therapist_id", "letter_id"))


def test_the_data_migration_rebuilds_from_the_history_what_the_sends_wrote(
    ready, gp, therapist, therapist_b, therapist_other
):
    h1 = h1_by_services(ready, gp, therapist, therapist_b)
    resent = referral_of(gp, therapist, uses_antidepressant=False)
    FitnessCheckFactory(referral=resent)
    services.referral_send(referral=resent, by=gp)
    services.referral_decline(referral=fresh(resent), by=therapist, reason="Vol.")
    services.referral_choose_therapist(
        referral=fresh(resent), therapist=therapist_other.therapist, by=gp
    )
    services.referral_send(referral=fresh(resent), by=gp)
    services.referral_accept(referral=fresh(resent), by=therapist_other)
    written = rows()
    assert {(r, t) for r, t, _letter in written} == {
        (h1.pk, therapist.therapist.pk),
        (resent.pk, therapist.therapist.pk),
        (resent.pk, therapist_other.therapist.pk),
    }

    ReferralRecipient.objects.all().delete()
    migration.forward(apps, SimpleNamespace(connection=connection))

    assert rows() == written


def test_the_data_migration_without_history_trusts_only_a_referral_with_a_letter(gp, therapist):
    def legacy(status):  # written by hand or imported: no recipient row, no history
        return referral_of(gp, therapist, status, recipient=False)

    with_letter = legacy(Status.IN_THERAPY)
    letter = ReferralDocumentFactory(referral=with_letter)
    without_letter = legacy(Status.SENT)
    declined_then_cancelled = legacy(Status.CANCELLED)
    ReferralDocumentFactory(referral=declined_then_cancelled)
    ReferralEventFactory(
        referral=declined_then_cancelled,
        from_status=Status.SENT,
        to_status=Status.DECLINED,
        actor=therapist,
    )
    unknown_decliner = legacy(Status.CANCELLED)
    ReferralDocumentFactory(referral=unknown_decliner)
    ReferralEventFactory(referral=unknown_decliner, from_status=Status.DRAFT, to_status="sent")
    ReferralEventFactory(
        referral=unknown_decliner, from_status=Status.SENT, to_status=Status.DECLINED, actor=None
    )
    assert not ReferralRecipient.objects.exists()

    migration.forward(apps, SimpleNamespace(connection=connection))

    assert rows() == {(with_letter.pk, therapist.therapist.pk, letter.pk)}
    assert without_letter.pk not in ReferralRecipient.objects.values_list("referral", flat=True)


def test_the_data_migration_gives_a_letter_made_after_the_last_send_to_that_send(gp, therapist):
    """The demo data stored its letters after the (back-dated) history."""
    referral = referral_of(gp, therapist, Status.ACCEPTED, recipient=False)
    ReferralEventFactory(referral=referral, from_status=Status.DRAFT, to_status=Status.SENT)
    ReferralEventFactory(
        referral=referral, from_status=Status.SENT, to_status=Status.ACCEPTED, actor=therapist
    )
    letter = ReferralDocumentFactory(referral=referral, kind=ReferralDocument.Kind.LETTER)

    migration.forward(apps, SimpleNamespace(connection=connection))

    assert rows() == {(referral.pk, therapist.therapist.pk, letter.pk)}
