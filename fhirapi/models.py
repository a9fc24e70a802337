"""Who may use the FHIR interface: an OAuth application registered for one practice, or for a
therapist organisation (a set of therapists)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from therapists.models import Therapist

#: SMART backend-services scopes (system/...): reading every resource the interface serves,
#: and writing (a transaction Bundle that starts a draft referral).
READ_SCOPE = "system/*.read"
WRITE_SCOPE = "system/*.write"
SCOPES = {
    READ_SCOPE: "Read the referrals, scores and letters of the client's practice or therapists",
    WRITE_SCOPE: "Start draft referrals for the client's practice",
}


class ApiClient(models.Model):
    """An OAuth client (client credentials grant) of exactly one practice, or of a therapist
    organisation. The administrator registers it; it sees only what its practice or its
    therapists may see (fhirapi.scope)."""

    class Kind(models.TextChoices):
        PRACTICE = "practice", _("GP practice (its GP information system)")
        THERAPISTS = "therapists", _("Therapist organisation")

    application = models.OneToOneField(
        "oauth2_provider.Application",
        on_delete=models.CASCADE,
        related_name="fhir_client",
        verbose_name=_("OAuth application"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    practice = models.ForeignKey(
        Practice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fhir_clients",
        verbose_name=_("practice"),
    )
    therapists = models.ManyToManyField(
        Therapist, blank=True, related_name="fhir_clients", verbose_name=_("therapists")
    )
    scopes = models.CharField(
        _("allowed scopes"),
        max_length=100,
        default=READ_SCOPE,
        help_text=_("Separated by spaces: system/*.read, system/*.write."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("FHIR client")
        verbose_name_plural = _("FHIR clients")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="practice", practice__isnull=False)
                | models.Q(kind="therapists", practice__isnull=True),
                name="apiclient_practice_or_therapists",
            ),
            # A therapist organisation reads what was sent to its therapists; it starts nothing.
            models.CheckConstraint(
                condition=models.Q(kind="practice") | ~models.Q(scopes__contains=WRITE_SCOPE),
                name="apiclient_therapists_read_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_scopes(self) -> set[str]:
        return {s for s in self.scopes.split() if s in SCOPES}

    def clean(self) -> None:
        unknown = set(self.scopes.split()) - set(SCOPES)
        if unknown:
            raise ValidationError({"scopes": _("Unknown scope: %s") % ", ".join(sorted(unknown))})
        if self.kind == self.Kind.PRACTICE and self.practice_id is None:
            raise ValidationError({"practice": _("A practice's client needs its practice.")})
        if self.kind == self.Kind.THERAPISTS and self.practice_id is not None:
            raise ValidationError({"practice": _("A therapist organisation has no practice.")})
        if self.kind == self.Kind.THERAPISTS and WRITE_SCOPE in self.scopes.split():
            raise ValidationError({"scopes": _("A therapist organisation's client only reads.")})
