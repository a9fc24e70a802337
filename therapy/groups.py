"""Saved groups for group sessions: a therapist's named group with its usual participants.

Reads and writes in one module (both small): every read is the owner's own (another therapist's
group is a 404), and a participant is always a referral in therapy with the owner now
(`selectors.referrals_in_therapy`, from referrals.recipients), never chosen by a raw id.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from referrals.models import Referral

from .exceptions import TherapyError
from .models import SavedGroup, TherapySession
from .selectors import referrals_in_therapy


def saved_groups_of(*, user: User) -> QuerySet[SavedGroup]:
    """The therapist's groups by name, each with `current` (its members in therapy now)."""
    current = referrals_in_therapy(user=user).select_related("patient")
    return SavedGroup.objects.filter(owner=user).prefetch_related(
        Prefetch("members", queryset=current, to_attr="current")
    )


def saved_group_for(*, user: User, pk: int) -> SavedGroup:
    """The user's own group, or 404: another therapist's group does not exist for them."""
    group = saved_groups_of(user=user).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def _members_checked(*, owner: User, members: list[Referral]) -> list[Referral]:
    ids = {r.pk for r in members}
    allowed = set(referrals_in_therapy(user=owner).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        raise TherapyError(_("A group can only hold patients in therapy with you."))
    return members


def saved_group_save(
    *, owner: User, name: str, members: list[Referral], group: SavedGroup | None = None
) -> SavedGroup:
    """Create a group, or rename it and set its participants. A name is used once per therapist."""
    name = name.strip()
    if not name:
        raise TherapyError(_("Give the group a name."))
    members = _members_checked(owner=owner, members=members)
    try:
        with transaction.atomic():
            if group is None:
                group = SavedGroup.objects.create(owner=owner, name=name)
            else:
                group = SavedGroup.objects.select_for_update().get(pk=group.pk, owner=owner)
                group.name = name
                group.save(update_fields=["name"])
            # Members whose therapy ended stay out of sight; only the current ones are replaced.
            current = referrals_in_therapy(user=owner).filter(saved_groups=group)
            group.members.remove(*current)
            group.members.add(*members)
    except IntegrityError:
        raise TherapyError(
            _("You already have a group called %(name)s.") % {"name": name}
        ) from None
    return group


def saved_group_delete(*, owner: User, group: SavedGroup) -> None:
    """Delete the group; the sessions logged with it stay (they never pointed at it)."""
    SavedGroup.objects.filter(pk=group.pk, owner=owner).delete()


def patients_with_a_group_session_on(*, referrals: list[Referral], day: date) -> list[Referral]:
    """Of these referrals, those that already have a group session on `day`: a second one on the
    same day is most often the same session entered twice (found in a first week of use)."""
    ids = set(
        TherapySession.objects.filter(
            referral__in=[r.pk for r in referrals], date=day, group__isnull=False
        ).values_list("referral_id", flat=True)
    )
    return [r for r in referrals if r.pk in ids]
