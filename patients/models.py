from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from core import limits

from .validators import validate_bsn, validate_uzovi


class Patient(models.Model):
    """A patient of one practice. The BSN is unique within the practice."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other / unknown")

    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="patients", verbose_name=_("practice")
    )
    bsn = models.CharField(_("BSN"), max_length=9, validators=[validate_bsn])
    initials = models.CharField(_("initials"), max_length=20)
    first_name = models.CharField(_("first name"), max_length=100)
    tussenvoegsel = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    surname = models.CharField(_("surname"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # The insurer, as the HASP envelope of a referral names it (NHG/LHV HASP, see
    # referrals.letters): UZOVI code (Vektis' four-digit register of insurers), name, policy.
    insurer_uzovi = models.CharField(
        _("insurer's UZOVI code"), max_length=4, blank=True, validators=[validate_uzovi]
    )
    insurer_name = models.CharField(_("health insurer"), max_length=100, blank=True)
    policy_number = models.CharField(_("policy number"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["surname", "first_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "bsn"], name="patient_bsn_unique_in_practice"
            ),
            models.CheckConstraint(
                condition=models.Q(sex__in=["female", "male", "other"]), name="patient_sex_valid"
            ),
        ]
        indexes = [models.Index(fields=["practice", "surname"], name="patient_practice_surname")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """The name as a Dutch letter writes it: 'Jan van der Berg'."""
        return " ".join(p for p in (self.first_name, self.tussenvoegsel, self.surname) if p)

    @property
    def formal_name(self) -> str:
        """Surname first, as in a patient list: 'Berg, J. van der'."""
        rest = " ".join(p for p in (self.initials, self.tussenvoegsel) if p)
        return f"{self.surname}, {rest}"


@limits.length_checked
class Correction(models.Model):
    """One correction of something recorded about a patient: the patient's details, or a row of
    a room above (an intake, a screening, a session, a questionnaire), found by content type and
    id. Written once, never changed: the record keeps what the slip was (patients.corrections).

    `changes` is a list of {"field", "label", "old", "new"}: the values as the page showed them
    (text), so a later change of a label or a choice does not rewrite the history. Kept here, the
    lowest room with the patient, so every room can write one and the patient's export and
    erasure take them along (patients.privacy walks the foreign keys to the patient).
    """

    class Action(models.TextChoices):
        CHANGED = "changed", _("Corrected")
        WITHDRAWN = "withdrawn", _("Withdrawn (logged by mistake)")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("patient")
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    action = models.CharField(
        _("action"), max_length=12, choices=Action.choices, default=Action.CHANGED
    )
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.TextField(_("reason"), max_length=limits.REASON)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    at = models.DateTimeField(_("corrected"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["changed", "withdrawn"]),
                name="correction_action_valid",
            ),
            # A correction without a reason is what the trail exists to prevent.
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="correction_reason_required"
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="correction_target"),
        ]

    def __str__(self) -> str:
        return f"Correction {self.content_type_id}:{self.object_id} {self.at:%Y-%m-%d}"
