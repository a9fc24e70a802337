"""Saved groups: a therapist's named group with its usual participants, the group session
started from it, and a second group session on one day asking for confirmation."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from referrals.models import Status
from therapy import groups
from therapy.exceptions import TherapyError
from therapy.models import SavedGroup, TherapySession

from .factories import PatientFactory, ReferralFactory, SavedGroupFactory, TherapySessionFactory

pytestmark = pytest.mark.django_db

GROUP_URL = "/therapists/sessions/group/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def in_therapy(therapist, surname="Testpersoon", **kwargs):
    return ReferralFactory(
        therapist=therapist.therapist,
        status=Status.IN_THERAPY,
        intake_date=timezone.localdate() - timedelta(days=28),
        patient=PatientFactory(surname=surname),
        **kwargs,
    )


def session_post(referrals, attendance, **overrides) -> dict:
    values = {
        "date": timezone.localdate().isoformat(),
        "mode": "supervised",
        "minutes_running": "24",
        "minutes_walking": "12",
        "distance_km": "3,8",
        "notes": "",
    }
    for referral in referrals:
        values[f"patient_{referral.pk}"] = attendance.get(referral.pk, "")
    return values | overrides


# --- Managing groups ---------------------------------------------------------------------------


def test_therapist_creates_a_group_of_their_patients_in_therapy(therapist, client_for):
    anna, bert = in_therapy(therapist, "Aalbers"), in_therapy(therapist, "Bakker")
    response = client_for(therapist).post(
        reverse("therapy:group_add"), {"name": "Dinsdag park", "members": [anna.pk, bert.pk]}
    )
    assert response.status_code == 302
    group = SavedGroup.objects.get()
    assert (group.owner, group.name) == (therapist, "Dinsdag park")
    assert set(group.members.all()) == {anna, bert}


def test_group_cannot_hold_another_therapists_patient(therapist, therapist_other, client_for):
    mine, foreign = in_therapy(therapist), in_therapy(therapist_other, "Vreemd")
    response = client_for(therapist).post(
        reverse("therapy:group_add"), {"name": "Dinsdag", "members": [mine.pk, foreign.pk]}
    )
    assert response.status_code == 200
    assert "members" in response.context["form"].errors
    assert not SavedGroup.objects.exists()
    # The service holds the rule too, whatever the form offers.
    with pytest.raises(TherapyError):
        groups.saved_group_save(owner=therapist, name="Dinsdag", members=[foreign])
    assert not SavedGroup.objects.exists()


def test_group_cannot_hold_a_patient_not_in_therapy(therapist):
    waiting = ReferralFactory(therapist=therapist.therapist, status=Status.ACCEPTED)
    with pytest.raises(TherapyError):
        groups.saved_group_save(owner=therapist, name="Dinsdag", members=[waiting])


def test_a_name_is_used_once_per_therapist(therapist, therapist_other, client_for):
    SavedGroupFactory(owner=therapist, name="Dinsdag park")
    SavedGroupFactory(owner=therapist_other, name="Woensdag")
    response = client_for(therapist).post(reverse("therapy:group_add"), {"name": "dinsdag PARK"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "You already have a group called dinsdag PARK."
    ]
    assert SavedGroup.objects.filter(owner=therapist).count() == 1
    # Another therapist's name is no obstacle.
    client_for(therapist).post(reverse("therapy:group_add"), {"name": "Woensdag"})
    assert SavedGroup.objects.filter(owner=therapist).count() == 2


def test_therapist_renames_a_group_and_changes_its_participants(therapist, client_for):
    anna, bert, cor = (in_therapy(therapist, name) for name in ("Aalbers", "Bakker", "Claes"))
    group = SavedGroupFactory(owner=therapist, name="Dinsdag", members=[anna, bert])
    url = reverse("therapy:group_edit", kwargs={"group_pk": group.pk})
    page = client_for(therapist).get(url)
    assert page.context["form"].initial["members"] == [str(anna.pk), str(bert.pk)]
    response = client_for(therapist).post(url, {"name": "Donderdag", "members": [bert.pk, cor.pk]})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Donderdag"
    assert set(group.members.all()) == {bert, cor}


def test_a_member_whose_therapy_ended_is_hidden_and_kept_out_of_the_edit(therapist, client_for):
    anna, bert = in_therapy(therapist, "Aalbers"), in_therapy(therapist, "Bakker")
    group = SavedGroupFactory(owner=therapist, members=[anna, bert])
    ReferralFactory._meta.model.objects.filter(pk=bert.pk).update(status=Status.COMPLETED)
    (shown,) = groups.saved_groups_of(user=therapist)
    assert shown.current == [anna]
    response = client_for(therapist).get(reverse("therapy:groups"))
    assert "Aalbers" in response.text and "Bakker" not in response.text
    # Saving the group again changes only who is in therapy now; the ended one is not offered.
    url = reverse("therapy:group_edit", kwargs={"group_pk": group.pk})
    form = client_for(therapist).get(url).context["form"]
    assert [pk for pk, _label in form.fields["members"].choices] == [str(anna.pk)]
    client_for(therapist).post(url, {"name": group.name, "members": []})
    assert list(group.members.all()) == [bert]


def test_therapist_deletes_a_group_and_its_sessions_stay(therapist, client_for):
    anna = in_therapy(therapist)
    group = SavedGroupFactory(owner=therapist, members=[anna])
    TherapySessionFactory(referral=anna)
    url = reverse("therapy:group_delete", kwargs={"group_pk": group.pk})
    assert client_for(therapist).get(url).status_code == 405
    response = client_for(therapist).post(url)
    assert response.status_code == 302
    assert not SavedGroup.objects.exists()
    assert TherapySession.objects.count() == 1


def test_another_therapists_group_is_a_404(therapist, therapist_other, client_for):
    group = SavedGroupFactory(owner=therapist_other, members=[in_therapy(therapist_other)])
    client = client_for(therapist)
    for name in ("therapy:group_edit", "therapy:group_delete"):
        url = reverse(name, kwargs={"group_pk": group.pk})
        assert client.post(url, {"name": "Overgenomen"}).status_code == 404
    assert client.get(f"{GROUP_URL}?group={group.pk}").status_code == 404
    assert client.get(f"{GROUP_URL}?group=abc").status_code == 404
    group.refresh_from_db()
    assert group.name != "Overgenomen"


def test_groups_page_lists_only_the_therapists_own_groups(therapist, therapist_other, client_for):
    SavedGroupFactory(owner=therapist, name="Mijn groep")
    SavedGroupFactory(owner=therapist_other, name="Andermans groep")
    response = client_for(therapist).get(reverse("therapy:groups"))
    assert "Mijn groep" in response.text and "Andermans groep" not in response.text


def test_gp_may_not_manage_groups(gp, client_for):
    assert client_for(gp).get(reverse("therapy:groups")).status_code == 403
    assert client_for(gp).post(reverse("therapy:group_add"), {"name": "x"}).status_code == 403
    assert not SavedGroup.objects.exists()


def queries(client, url: str) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["therapy:groups", "therapy:session_group"])
def test_group_lists_cost_the_same_queries_with_1_and_20_rows(name, therapist, client_for):
    client = client_for(therapist)
    first = in_therapy(therapist)
    SavedGroupFactory(owner=therapist, members=[first])
    one = queries(client, reverse(name))
    for _i in range(19):
        SavedGroupFactory(owner=therapist, members=[in_therapy(therapist), first])
    assert queries(client, reverse(name)) == one


def test_group_form_query_count_does_not_grow_with_the_caseload(therapist, client_for):
    client = client_for(therapist)
    group = SavedGroupFactory(owner=therapist, members=[in_therapy(therapist)])
    url = reverse("therapy:group_edit", kwargs={"group_pk": group.pk})
    one = queries(client, url)
    group.members.add(*(in_therapy(therapist) for _i in range(19)))
    assert queries(client, url) == one


# --- A group session from a saved group ----------------------------------------------------------


def test_starting_from_a_saved_group_ticks_its_participants_first(therapist, client_for):
    anna, bert, cor = (in_therapy(therapist, name) for name in ("Aalbers", "Bakker", "Claes"))
    group = SavedGroupFactory(owner=therapist, name="Dinsdag", members=[cor, bert])
    response = client_for(therapist).get(f"{GROUP_URL}?group={group.pk}")
    form = response.context["form"]
    assert [r.pk for r in form.referrals] == [bert.pk, cor.pk, anna.pk]
    initial = {r.pk: form[form.patient_field(r)].value() for r in form.referrals}
    assert initial == {bert.pk: "attended", cor.pk: "attended", anna.pk: ""}
    assert f'id="id_patient_{bert.pk}_1" value="attended" autocomplete="off" checked' in (
        response.text
    )


def test_a_saved_group_session_saves_who_came(therapist, client_for):
    anna, bert, cor = (in_therapy(therapist, name) for name in ("Aalbers", "Bakker", "Claes"))
    group = SavedGroupFactory(owner=therapist, members=[anna, bert, cor])
    attendance = {anna.pk: "attended", bert.pk: "no_show", cor.pk: "attended"}
    response = client_for(therapist).post(
        f"{GROUP_URL}?group={group.pk}", session_post([anna, bert, cor], attendance)
    )
    assert response.status_code == 302
    rows = {r.referral_id: r for r in TherapySession.objects.all()}
    assert {pk: r.attendance for pk, r in rows.items()} == attendance
    assert len({r.group for r in rows.values()}) == 1


def test_a_second_group_session_on_one_day_asks_for_confirmation(therapist, client_for):
    anna, bert = in_therapy(therapist, "Aalbers"), in_therapy(therapist, "Bakker")
    client = client_for(therapist)
    attendance = {anna.pk: "attended", bert.pk: "attended"}
    assert client.post(GROUP_URL, session_post([anna, bert], attendance)).status_code == 302
    again = client.post(GROUP_URL, session_post([anna, bert], attendance))
    assert again.status_code == 200
    errors = again.context["form"].errors["confirm_second"]
    assert errors[0].startswith(f"{anna.patient.formal_name}, {bert.patient.formal_name} already")
    assert 'name="confirm_second"' in again.text
    assert TherapySession.objects.count() == 2
    confirmed = client.post(GROUP_URL, session_post([anna, bert], attendance, confirm_second="on"))
    assert confirmed.status_code == 302
    assert TherapySession.objects.count() == 4


def test_a_group_session_on_another_day_or_for_others_needs_no_confirmation(therapist, client_for):
    anna, bert = in_therapy(therapist, "Aalbers"), in_therapy(therapist, "Bakker")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    client = client_for(therapist)
    client.post(GROUP_URL, session_post([anna, bert], {anna.pk: "attended"}, date=yesterday))
    # A single session of Bert today is not a group session.
    TherapySessionFactory(referral=bert)
    response = client.post(GROUP_URL, session_post([anna, bert], {bert.pk: "attended"}))
    assert response.status_code == 302
    response = client.post(GROUP_URL, session_post([anna, bert], {anna.pk: "attended"}))
    assert response.status_code == 302
