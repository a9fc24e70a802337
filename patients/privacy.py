"""A patient's privacy rights (AVG/GDPR) within the retention duty of the WGBO.

- Export (AVG art. 15 and 20): every row that belongs to the patient, as Django's JSON
  serialisation in `patient.json`, plus every stored PDF, in one ZIP file.
- Erasure (AVG art. 17): only once the record has been untouched for RETENTION_YEARS (the WGBO
  keeps a medical record for 20 years after the last change); everything linked goes in one
  transaction, and the access log keeps a row with the patient number.
- Retention review: the practice's records that are past that period.

Which rows belong to a patient is found by walking the models, not listed by hand: every model
with a foreign key to Patient, then every model with a foreign key to one of those, and so on.
A new model with a foreign key to Patient or Referral is exported, counted as activity and
erased without a change here; tests/test_privacy.py checks that it is.
"""

import functools
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.contrib import messages
from django.core import serializers
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import access_log_for_request, access_log_write, client_address, mark_logged
from accounts.models import AccessLog, Practice, User
from accounts.permissions import gp_required

from .models import Patient
from .selectors import patient_for_user

# The WGBO keeps a medical record for 20 years, counted from the last change to it.
RETENTION_YEARS = 20

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RetentionNotOver(Exception):
    """The record was changed within the retention period; it may not be erased yet."""

    def __init__(self, erasable_from: datetime) -> None:
        self.erasable_from = erasable_from
        super().__init__(f"The record may be erased from {erasable_from:%Y-%m-%d}.")


def years_later(moment: datetime, years: int) -> datetime:
    """`moment` shifted by whole years; 29 February becomes 28 February when it must."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Records whose last activity is before this moment are past the retention period."""
    return years_later(now or timezone.now(), -RETENTION_YEARS)


# --- Which rows belong to a patient ------------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    """A model whose rows belong to a patient, and how its rows are reached."""

    model: type[models.Model]
    links: tuple[models.Field, ...]  # foreign keys to Patient or to another owned model
    patient_path: str  # lookup from this model to the patient's id, e.g. "referral__patient"


def _links_to(model: type[models.Model], targets) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model in targets
        and not getattr(field.remote_field, "parent_link", False)
    ]


@functools.cache
def owned_models() -> tuple[Owned, ...]:
    """Patient first, then every model that points at an owned model, parents before children."""
    found: dict[type[models.Model], Owned] = {Patient: Owned(Patient, (), "pk")}
    while True:
        new = {}
        for model in apps.get_models():
            if model in found:
                continue
            links = _links_to(model, found)
            if links:
                first = links[0]
                parent_path = found[first.related_model].patient_path
                path = first.name if parent_path == "pk" else f"{first.name}__{parent_path}"
                new[model] = Owned(model, (), path)
        if not new:
            break
        found.update(new)
    # Links are collected once every owned model is known: a model may point at several.
    return tuple(
        Owned(model, tuple(_links_to(model, found)), owned.patient_path)
        for model, owned in found.items()
    )


def linked_rows(patient: Patient) -> dict[type[models.Model], list[models.Model]]:
    """Every row that belongs to `patient`, per model, in owned_models() order."""
    pks: dict[type[models.Model], set] = {Patient: {patient.pk}}
    changed = True
    while changed:  # until a pass finds nothing new: a row may hang off a model found later
        changed = False
        for owned in owned_models()[1:]:
            condition = models.Q()
            for field in owned.links:
                condition |= models.Q(**{f"{field.name}__in": pks.get(field.related_model, ())})
            found = set(owned.model._base_manager.filter(condition).values_list("pk", flat=True))
            if found != pks.get(owned.model):
                pks[owned.model] = found
                changed = True
    rows: dict[type[models.Model], list[models.Model]] = {Patient: [patient]}
    for owned in owned_models()[1:]:
        rows[owned.model] = list(
            owned.model._base_manager.filter(pk__in=pks[owned.model]).order_by("pk")
        )
    return rows


# --- Last activity and the retention period ----------------------------------------------------


def _latest_of(fields: list[str]):
    stamps = [Coalesce(name, Value(_EPOCH)) for name in fields]
    return stamps[0] if len(stamps) == 1 else Greatest(*stamps)


def _timestamp_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]


def with_last_activity(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate `last_activity`: the newest timestamp on the patient or any row of theirs.

    Reading the record is not activity: the access log is not part of it. One query, with a
    subquery per owned model.
    """
    latest = [_latest_of(_timestamp_fields(Patient))]
    for owned in owned_models()[1:]:
        fields = _timestamp_fields(owned.model)
        if not fields:
            continue
        newest = (
            owned.model._base_manager.filter(**{owned.patient_path: OuterRef("pk")})
            .annotate(stamp=_latest_of(fields))
            .order_by("-stamp")
            .values("stamp")[:1]
        )
        latest.append(Coalesce(Subquery(newest), Value(_EPOCH)))
    return patients.annotate(last_activity=Greatest(*latest) if len(latest) > 1 else latest[0])


def patient_last_activity(patient: Patient) -> datetime:
    return with_last_activity(Patient.objects.filter(pk=patient.pk)).get().last_activity


def patients_past_retention(*, practice: Practice) -> QuerySet[Patient]:
    """The practice's patients whose record has been untouched for RETENTION_YEARS or longer."""
    return (
        with_last_activity(Patient.objects.filter(practice=practice))
        .filter(last_activity__lt=retention_cutoff())
        .order_by("last_activity", "pk")
    )


# --- Services ----------------------------------------------------------------------------------


def _document_name(row: models.Model, field: models.BinaryField) -> str:
    """A model that stores files names them itself (`export_file_name`), else a generic name."""
    name = getattr(row, "export_file_name", None)
    if callable(name):
        return name()
    return f"files/{row._meta.label_lower}-{row.pk}-{field.name}.bin"


# What the patient has no use for and should not see of the staff: their e-mail addresses,
# internal user ids and the addresses they worked from; and the outbox's machinery.
_LEFT_OUT = {
    "accounts.accesslog": {"user_email", "client_address", "practice_id"},
    "notifications.notification": {"claimed_at", "claimed_by", "last_error", "key", "retry_at"},
    # The link's hash is the key to it: of no use to the patient, and nothing to hand out.
    "patientlinks.patientlink": {"token_hash"},
}


def _staff_by_name_and_role(serialised: list[dict], rows: dict) -> None:
    """Each member of staff in the export as their name and role, e.g. "Anna de Vries
    (huisarts)", never their e-mail address, user id or IP address."""
    user_fields = {
        model._meta.label_lower: [
            f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is User
        ]
        for model in rows
    }
    ids = {
        row["fields"].get(name) for row in serialised for name in user_fields.get(row["model"], ())
    } - {None}
    labels = {
        user.pk: f"{user.get_full_name() or '—'} ({user.get_role_display()})"
        for user in User.objects.filter(pk__in=ids)
    }
    for row in serialised:
        fields = row["fields"]
        for name in user_fields.get(row["model"], ()):
            if fields.get(name) is not None:
                fields[name] = labels.get(fields[name], "—")
        for name in _LEFT_OUT.get(row["model"], ()):
            fields.pop(name, None)


def patient_export_zip(*, patient: Patient) -> bytes:
    """A ZIP with `patient.json` (every row of the patient and the access log about them) and
    every stored file: the PDFs as `documents/<referral>-<kind>-<id>.pdf`."""
    rows = linked_rows(patient)
    rows[AccessLog] = list(AccessLog.objects.filter(patient_id=patient.pk).order_by("pk"))
    serialised: list[dict] = []
    files: dict[str, bytes] = {}
    for model, objects in rows.items():
        if not objects:
            continue
        binary = [f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)]
        fields = None
        if binary:
            # Files go into the ZIP as themselves, not base64 inside the JSON.
            fields = [
                f.name for f in model._meta.concrete_fields if not f.primary_key and f not in binary
            ]
            for row in objects:
                for field in binary:
                    files[_document_name(row, field)] = bytes(getattr(row, field.attname))
        serialised += json.loads(serializers.serialize("json", objects, fields=fields))
    _staff_by_name_and_role(serialised, rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("patient.json", json.dumps(serialised, indent=2, ensure_ascii=False))
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def patient_erase(*, patient: Patient, by: User, client_address: str | None = None) -> None:
    """Erase the patient and every row of theirs, once the retention period is over.

    Raises RetentionNotOver otherwise. The access log keeps its rows and gains one more.
    """
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        last_activity = patient_last_activity(patient)
        if last_activity >= retention_cutoff():
            raise RetentionNotOver(years_later(last_activity, RETENTION_YEARS))
        rows = linked_rows(patient)
        # Children before parents: a row that protects its parent (a referral protects its
        # patient) is gone before the parent, and a foreign key that sets NULL or does nothing
        # leaves no row behind.
        for owned in reversed(owned_models()[1:]):
            pks = [row.pk for row in rows[owned.model]]
            if pks:
                owned.model._base_manager.filter(pk__in=pks).delete()
        patient_id = patient.pk
        patient.delete()
        access_log_write(
            user=by,
            action=AccessLog.Action.ERASE,
            part="patient",
            patient_id=patient_id,
            client_address=client_address,
            method="POST",
            url_name="patients:erase",
        )


# --- Views -------------------------------------------------------------------------------------


@gp_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the export holds. POST: the ZIP (the access log records it as an export)."""
    patient = patient_for_user(request.user, pk)
    if request.method != "POST":
        return render(request, "patients/export_confirm.html", {"patient": patient})
    response = HttpResponse(
        patient_export_zip(patient=patient),
        content_type="application/zip",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
    # No name or BSN in the file name: it shows in download lists and browser history.
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.zip"'
    return response


@gp_required
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a confirm page that says what goes and that it cannot be undone. POST: erase."""
    patient = patient_for_user(request.user, pk)
    if request.method == "POST":
        try:
            patient_erase(patient=patient, by=request.user, client_address=client_address(request))
        except RetentionNotOver as exc:
            access_log_for_request(
                request,
                action=AccessLog.Action.DENIED,
                part="patient",
                patient_id=patient.pk,
                outcome=AccessLog.Outcome.DENIED,
            )
            mark_logged(request)
            messages.error(
                request,
                _(
                    "This record cannot be erased yet: the law keeps a medical record for "
                    "%(years)d years after its last change. It can be erased from %(date)s."
                )
                % {
                    "years": RETENTION_YEARS,
                    "date": date_format(timezone.localtime(exc.erasable_from), "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("patients:erase", pk=patient.pk)
        mark_logged(request)  # patient_erase wrote the row, inside its transaction
        messages.success(request, _("The record has been erased."))
        return redirect("patients:retention")
    last_activity = patient_last_activity(patient)
    context = {
        "patient": patient,
        "last_activity": last_activity,
        "erasable_from": years_later(last_activity, RETENTION_YEARS),
        "erasable": last_activity < retention_cutoff(),
        "years": RETENTION_YEARS,
    }
    return render(request, "patients/erase_confirm.html", context)


@gp_required
def retention(request: HttpRequest) -> HttpResponse:
    """The practice's records untouched for RETENTION_YEARS or longer, for review."""
    patients = patients_past_retention(practice=request.user.practice)
    page = Paginator(patients, 25).get_page(request.GET.get("page"))
    return render(request, "patients/retention.html", {"page": page, "years": RETENTION_YEARS})
