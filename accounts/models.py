from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.validators import validate_phone

agb_validator = RegexValidator(r"^\d{8}$", _("An AGB code has 8 digits."))
big_validator = RegexValidator(r"^\d{11}$", _("A BIG number has 11 digits."))


class Practice(models.Model):
    """A GP practice (huisartsenpraktijk)."""

    name = models.CharField(_("name"), max_length=200)
    agb_code = models.CharField(
        _("AGB code"), max_length=8, unique=True, validators=[agb_validator]
    )
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address; `role` decides what they may do."""

    class Role(models.TextChoices):
        GP = "gp", _("GP")
        THERAPIST = "therapist", _("Running therapist")
        PRACTICE_MANAGER = "practice_manager", _("Practice manager")
        ADMIN = "admin", _("Administrator")

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    practice = models.ForeignKey(
        Practice,
        verbose_name=_("practice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("The practice a GP or practice manager works for."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Four eyes on a practice's patients: a GP or practice manager the administrator adds to a
    # practice that already has GPs sees nothing until one of those GPs confirms them (found by
    # an attacker's try-out: the administrator made a GP account at an address they held and read
    # the practice's patients). The first GP of a practice is confirmed by being added.
    practice_confirmed_at = models.DateTimeField(
        _("confirmed by the practice at"), null=True, blank=True, editable=False
    )
    practice_confirmed_by = models.ForeignKey(
        "self",
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Part of every session's check (see `_get_session_auth_hash`): a new value ends them all.
    session_stamp = models.CharField(max_length=32, blank=True, default="", editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            models.CheckConstraint(
                condition=models.Q(role__in=["gp", "therapist", "practice_manager", "admin"]),
                name="user_role_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["gp", "practice_manager"])
                | models.Q(practice__isnull=False),
                name="user_gp_and_manager_have_practice",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        # Sign-in lowercases the address, so store it lowercased however it was typed.
        self.email = User.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_gp(self) -> bool:
        return self.role == self.Role.GP

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST

    @property
    def is_practice_manager(self) -> bool:
        return self.role == self.Role.PRACTICE_MANAGER

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def awaits_practice_confirmation(self) -> bool:
        """A practice's GP or manager whom no GP of the practice has confirmed yet."""
        return (
            self.role in (self.Role.GP, self.Role.PRACTICE_MANAGER)
            and self.practice_confirmed_at is None
        )

    @property
    def is_clinical(self) -> bool:
        """A GP, therapist or practice manager: a user whose account reaches patient data."""
        return self.role != self.Role.ADMIN

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django signs each session with a hash of the password, so a password change ends the
        # other sessions. The stamp lets us end them without one (two factors reset). Empty, it
        # leaves Django's hash as it was, so existing sessions stay valid.
        if not self.session_stamp:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}:{self.session_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class GPProfile(models.Model):
    """A GP's professional details, printed on referral letters."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="gp_profile", verbose_name=_("user")
    )
    agb_code = models.CharField(
        _("personal AGB code"), max_length=8, unique=True, validators=[agb_validator]
    )
    big_number = models.CharField(
        _("BIG number"), max_length=11, unique=True, validators=[big_validator]
    )
    # HASP asks for the referrer's direct number (not the practice's line): the therapist
    # calls the GP about an urgent concern without the queue of the practice's phone.
    direct_phone = models.CharField(
        _("direct phone number"), max_length=20, blank=True, validators=[validate_phone]
    )

    class Meta:
        verbose_name = _("GP details")
        verbose_name_plural = _("GP details")

    def __str__(self) -> str:
        return f"{self.user} ({self.agb_code})"


class EnrolmentLink(models.Model):
    """A one-time link to set up the authenticator app, e-mailed to the user's own address.

    Only a hash of the token is stored: the link works for whoever holds the e-mail, never for
    whoever reads the database. Used once (`used_at`), or never after `expires_at`.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="enrolment_links", verbose_name=_("user")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enrolment link")
        verbose_name_plural = _("enrolment links")
        indexes = [models.Index(fields=["user", "-created_at"], name="enrolmentlink_user_created")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


# --- The access log (NEN 7513) ----------------------------------------------------------------


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove a row of the access log."""


class AccessLogQuerySet(models.QuerySet):
    """Rows can be added and read, never changed or deleted.

    The one change allowed is the one Django makes when a user is deleted: `user` is set to NULL
    (the row keeps `user_email`). The PostgreSQL trigger allows exactly the same.
    """

    def update(self, **kwargs) -> int:
        if kwargs.keys() == {"user"} and kwargs["user"] is None:
            return super().update(**kwargs)
        raise AppendOnlyError("The access log is append-only: rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only: rows cannot be deleted.")

    delete.queryset_only = True  # as on QuerySet: not copied onto the manager

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("The access log is append-only: rows cannot be updated.")


class AccessLog(models.Model):
    """One row per access to patient data: who, when, from where, what, about whom, with what end.

    NEN 7513 asks for this log. `patient_id` is a plain number, not a foreign key, so the log
    outlives an erased record; `user_email`, `role` and `practice_id` are copies for the same
    reason. Written by accounts.audit; append-only here and, on PostgreSQL, in the database.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        SEARCH = "search", _("Searched")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        PRINT = "print", _("Printed (PDF)")
        EXPORT = "export", _("Exported")
        ERASE = "erase", _("Erased")
        DENIED = "denied", _("Refused")

    class Outcome(models.TextChoices):
        OK = "ok", _("OK")
        DENIED = "denied", _("Refused")
        NOT_FOUND = "not_found", _("Not found")
        INVALID = "invalid", _("Invalid input, nothing saved")
        ERROR = "error", _("Error")

    when = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    user_email = models.CharField(_("user's email address"), max_length=254, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=User.Role.choices, blank=True)
    practice_id = models.BigIntegerField(_("practice"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    patient_id = models.BigIntegerField(_("patient number"), null=True, blank=True)
    # The user an administrator's look or change was about (a plain number, like patient_id).
    subject_user_id = models.BigIntegerField(_("user concerned"), null=True, blank=True)
    part = models.CharField(_("part of the record"), max_length=30)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    url_name = models.CharField(_("page"), max_length=100, blank=True)
    # A system's access (the FHIR interface): the OAuth client id of the API client, no user.
    api_client = models.CharField(_("API client"), max_length=100, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-when", "-pk"]
        # Related lookups and Django's own updates go through the refusing queryset too.
        base_manager_name = "objects"
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["patient_id", "-when"], name="accesslog_patient_when")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=[
                        "view",
                        "search",
                        "create",
                        "change",
                        "print",
                        "export",
                        "erase",
                        "denied",
                    ]
                ),
                name="accesslog_action_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["ok", "denied", "not_found", "invalid", "error"]),
                name="accesslog_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.when:%Y-%m-%d %H:%M} {self.user_email} {self.action} {self.part}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only: rows cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only: rows cannot be deleted.")
