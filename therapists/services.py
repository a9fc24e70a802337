import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Practice, User
from referrals.exceptions import ReferralError
from referrals.models import Referral, Status

from .models import NetworkMembership, Therapist, TherapySession


@transaction.atomic
def therapist_verify(*, therapist: Therapist, by: User) -> Therapist:
    """Record that an administrator checked the therapist's certification."""
    therapist = Therapist.objects.select_for_update().get(pk=therapist.pk)
    if not therapist.is_verified:
        therapist.is_verified = True
        therapist.verified_by = by
        therapist.verified_at = timezone.now()
        therapist.save(update_fields=["is_verified", "verified_by", "verified_at"])
    return therapist


def network_toggle(*, practice: Practice, therapist: Therapist, by: User) -> bool:
    """Add the therapist to the practice's network, or take them out; True when now in it."""
    deleted, _rows = NetworkMembership.objects.filter(
        practice=practice, therapist=therapist
    ).delete()
    if deleted:
        return False
    NetworkMembership.objects.get_or_create(
        practice=practice, therapist=therapist, defaults={"added_by": by}
    )
    return True


# --- Sessions ---------------------------------------------------------------------------------

# What a session form may set; anything else in `data` (the attendance radio, say) is ignored.
SESSION_FIELDS = (
    "date",
    "mode",
    "minutes_running",
    "minutes_walking",
    "distance_km",
    "average_heart_rate",
    "rpe",
    "notes",
)
# A patient who did not come did not run: these stay empty on a no-show or cancelled row.
EXERCISE_FIELDS = ("minutes_running", "minutes_walking", "distance_km", "average_heart_rate", "rpe")


def session_refusal(*, referral: Referral, by: User) -> str:
    """Why `by` cannot log a session for this referral now, or "" when they can."""
    therapist = getattr(by, "therapist", None)
    if therapist is None or referral.therapist_id != therapist.pk:
        return _("Only the patient's own running therapist can log sessions.")
    if referral.status != Status.IN_THERAPY:
        return _("Sessions can be logged once therapy has started (status now: %(status)s).") % {
            "status": referral.get_status_display()
        }
    return ""


def session_log(
    *, referrals: list[Referral], by: User, data: dict, attendance: dict[int, str] | None = None
) -> list[TherapySession]:
    """One session row per referral; a group session's rows share one `group` uuid.

    `attendance` maps referral id -> TherapySession.Attendance (attended when missing). All rows
    are written or none: one refused referral refuses the whole group.
    """
    attendance = attendance or {}
    day = data.get("date")
    if not referrals:
        raise ReferralError(_("Choose at least one patient."))
    if day is None:
        raise ReferralError(_("Enter the date of the session."))
    if day > timezone.localdate():
        raise ReferralError(_("A session cannot be logged for a date in the future."))
    ids = list(dict.fromkeys(r.pk for r in referrals))
    with transaction.atomic():
        # Locked in a fixed order, so that a status change cannot slip in between check and write.
        locked = {
            r.pk: r
            for r in Referral.objects.select_for_update(of=("self",))
            .select_related("patient")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        group = uuid.uuid4() if len(ids) > 1 else None
        fields = {name: data[name] for name in SESSION_FIELDS if name in data}
        fields["notes"] = fields.get("notes") or ""
        rows = []
        for pk in ids:
            referral = locked.get(pk)
            if referral is None:
                raise ReferralError(_("This referral does not exist."))
            name = referral.patient.full_name
            refusal = session_refusal(referral=referral, by=by)
            if refusal:
                raise ReferralError(f"{name}: {refusal}")
            if referral.intake_date and day < referral.intake_date:
                raise ReferralError(
                    _("%(name)s: the session date lies before the intake on %(intake)s.")
                    % {
                        "name": name,
                        "intake": date_format(referral.intake_date, "SHORT_DATE_FORMAT"),
                    }
                )
            present = attendance.get(pk) or TherapySession.Attendance.ATTENDED
            if present not in TherapySession.Attendance.values:
                raise ReferralError(_("Choose attended, no-show or cancelled."))
            row = TherapySession(
                referral=referral, attendance=present, group=group, recorded_by=by, **fields
            )
            if present != TherapySession.Attendance.ATTENDED:
                for field in EXERCISE_FIELDS:
                    setattr(row, field, None)
            rows.append(row)
        return TherapySession.objects.bulk_create(rows)
