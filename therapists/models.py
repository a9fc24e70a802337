from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from core import limits

# The note shows on every row of the GP's choice: a few lines, not a brochure.
NOTE_FOR_GPS_LENGTH = 400
CAPACITY_MAX = 99


@limits.length_checked
class Therapist(models.Model):
    """An entry in the register of running therapists. Only verified entries receive referrals."""

    class Profession(models.TextChoices):
        PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
        SPV = "spv", _("Social-psychiatric nurse")
        GP = "gp", _("GP")
        EXERCISE_THERAPIST = "exercise_therapist", _("Exercise therapist")
        # The 2024 Dutch depression guideline names the psychomotorisch therapeut for running
        # therapy (therapy.dose).
        PSYCHOMOTOR_THERAPIST = "psychomotor_therapist", _("Psychomotor therapist")
        OTHER = "other", _("Other care professional")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="therapist",
        verbose_name=_("user"),
    )
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    organisation = models.CharField(_("organisation"), max_length=200)
    certificate_number = models.CharField(_("certificate number"), max_length=50, unique=True)
    certificate_date = models.DateField(_("certificate date"))
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    accepting_new_patients = models.BooleanField(_("accepting new patients"), default=True)
    # What the therapist keeps up to date themselves (therapists.forms.ProfileForm); shown to GPs
    # in the therapist choice. Empty: not said.
    capacity = models.PositiveSmallIntegerField(
        _("room for new patients"),
        null=True,
        blank=True,
        help_text=_("How many new patients you can take on now."),
    )
    note_for_gps = models.TextField(
        _("a short note for GPs"), blank=True, max_length=NOTE_FOR_GPS_LENGTH
    )
    network_of = models.ManyToManyField(
        Practice,
        through="NetworkMembership",
        related_name="network_therapists",
        blank=True,
        verbose_name=_("in the network of"),
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("running therapist")
        verbose_name_plural = _("running therapists")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_verified=False)
                | models.Q(verified_by__isnull=False, verified_at__isnull=False),
                name="therapist_verified_has_verifier",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(capacity__gte=1, capacity__lte=CAPACITY_MAX),
                name="therapist_capacity_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_verified", "accepting_new_patients", "city"], name="therapist_findable"
            ),
            models.Index(fields=["postcode"], name="therapist_postcode"),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} ({self.organisation})"

    @property
    def can_receive_referrals(self) -> bool:
        return self.is_verified and self.accepting_new_patients


class NetworkMembership(models.Model):
    """A practice marks a therapist as part of its network; network therapists are listed first."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, verbose_name=_("practice"))
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, verbose_name=_("therapist"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "therapist"], name="network_unique")
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} -> {self.therapist_id}"
