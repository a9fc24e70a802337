"""Corrections with a trail: what was recorded, what it became, who changed it, when and why.

Every room corrects its own rows with its own rules (who may, until when: therapy.corrections,
outcomes.services, and `patient_correct` here for the patient's details); all of them write
their trail through `correction_write`, one `Correction` row per correction, never changed.
The referral's timeline shows them with `correction_entries` (therapy.pages).
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import DomainError

from .models import Correction, Patient

#: The patient's details a GP may correct (the form's fields).
PATIENT_FIELDS = (
    "bsn",
    "initials",
    "first_name",
    "tussenvoegsel",
    "surname",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "postcode",
    "city",
)


class CorrectionError(DomainError):
    """A correction that may not be made (no reason, nothing changed, not the author)."""


def _raw(value):
    """A value as JSON keeps it: dates as ISO text, decimals as text, the rest as it is."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 2.40 and 2.4 are one value
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields) -> dict:
    """The instance's values of `fields`, as `changes_between` compares them."""
    return {name: _raw(getattr(instance, name)) for name in fields}


def changes_between(before: dict, after: dict) -> list[dict]:
    """[{"field", "old", "new"}] for each field whose value differs."""
    return [
        {"field": name, "old": before[name], "new": after.get(name)}
        for name in before
        if before[name] != after.get(name)
    ]


def correction_write(
    *,
    patient: Patient,
    target: models.Model,
    changes: list[dict],
    reason: str,
    by: User,
    action: str = Correction.Action.CHANGED,
) -> Correction:
    """The trail of one correction; call it inside the transaction that saves the change."""
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError(_("Give the reason for the correction."))
    if action == Correction.Action.CHANGED and not changes:
        raise CorrectionError(_("Nothing was changed: correct a value, or cancel."))
    return Correction.objects.create(
        patient=patient,
        content_type=ContentType.objects.get_for_model(type(target)),
        object_id=target.pk,
        action=action,
        changes=changes,
        reason=reason,
        by=by,
    )


def row_correct(
    *,
    patient: Patient,
    row: models.Model,
    values: dict,
    reason: str,
    by: User,
    skip_unchanged: bool = False,
) -> Correction | None:
    """Set `values` on the (locked) row, write its trail and save the fields that changed: the
    one way every room corrects a row. `skip_unchanged`: None when the values leave the row as
    it was, instead of refusing ("Nothing was changed")."""
    before = snapshot(row, values)
    for name, value in values.items():
        setattr(row, name, value)
    changes = changes_between(before, snapshot(row, values))
    if skip_unchanged and not changes:
        return None
    correction = correction_write(
        patient=patient, target=row, changes=changes, reason=reason, by=by
    )
    row.save(update_fields=[change["field"] for change in changes])
    return correction


def patient_correction_refusal(*, patient: Patient, by: User) -> str:
    """Why `by` may not correct this patient's details, or "": any GP of the practice may."""
    if by.role != User.Role.GP or by.practice_id != patient.practice_id:
        return _("Only a GP of the patient's practice can correct the patient's details.")
    return ""


def patient_correct(*, patient: Patient, corrected: Patient, reason: str, by: User) -> Correction:
    """Save the corrected details (`corrected`: the patient with the form's values, unsaved)
    and their trail, or neither."""
    refusal = patient_correction_refusal(patient=patient, by=by)
    if refusal:
        raise CorrectionError(refusal)
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        changes = changes_between(
            snapshot(current, PATIENT_FIELDS), snapshot(corrected, PATIENT_FIELDS)
        )
        correction = correction_write(
            patient=current, target=current, changes=changes, reason=reason, by=by
        )
        corrected.save()
    return correction


# --- Reading the trail -------------------------------------------------------------------------


def corrections_of(targets: Q) -> list[Correction]:
    """The corrections matching `targets` (see `target_q`), oldest first, in one query."""
    return list(Correction.objects.filter(targets).select_related("by", "content_type"))


def target_q(model: type[models.Model], ids) -> Q:
    """The corrections of rows of `model` with these ids (a list or a subquery)."""
    return Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)


def shown(model: type[models.Model] | None, field: str, value) -> str:
    """A stored value as the page shows it: a choice by its label, a date and a number the
    language's way, an empty value as a dash."""
    if value in (None, ""):
        return "—"
    try:
        model_field = model._meta.get_field(field) if model else None
    except FieldDoesNotExist:
        model_field = None
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(model_field, models.DateField):
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if isinstance(model_field, models.DecimalField):
        return number_format(Decimal(value), decimal_pos=model_field.decimal_places)
    return str(value)


def field_label(model: type[models.Model] | None, field: str) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name) if model else field
    except FieldDoesNotExist:
        return field


def changes_shown(correction: Correction) -> list[dict]:
    """The correction's changes with the field's label and both values as the page shows them."""
    model = correction.content_type.model_class()
    return [
        {
            "label": field_label(model, change["field"]),
            "old": shown(model, change["field"], change["old"]),
            "new": shown(model, change["field"], change["new"]),
        }
        for change in correction.changes
    ]


def correction_entries(corrections: list[Correction], names: dict) -> list[dict]:
    """Timeline entries (referrals.pages): "<what> gecorrigeerd", by whom, the reason as the note
    and the changes from what to what. `names` maps (model class, id) to what the entry calls
    the row ("Session of 02-12-2026"); a row not in it is called by its model's name."""
    entries = []
    for correction in corrections:
        model = correction.content_type.model_class()
        what = names.get((model, correction.object_id)) or capfirst(model._meta.verbose_name)
        if correction.action == Correction.Action.WITHDRAWN:
            label = _("%(what)s withdrawn (logged by mistake)") % {"what": what}
        else:
            label = _("%(what)s corrected") % {"what": what}
        entries.append(
            {
                "label": label,
                "when": correction.at,
                "by": correction.by.get_full_name(),
                "note": _("Reason: %(reason)s") % {"reason": correction.reason},
                "changes": changes_shown(correction),
            }
        )
    return entries
