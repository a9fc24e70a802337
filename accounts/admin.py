from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle

from . import services
from .audit import PART_LABELS, access_log_for_request, client_address
from .models import AccessLog, GPProfile, Practice, User

# django-otp's device pages show each user's TOTP key, its QR code and the unused recovery
# codes: with them the administrator could sign in as anyone. They are imported (so that they
# have registered) and taken out again; no device is shown in the admin. Passkeys neither (the
# library registers none of its models; should a version start to, they are taken out too):
# "reset two factors" removes them with the rest.
for _device in (
    TOTPDevice,
    StaticDevice,
    WebAuthnCredential,
    WebAuthnAttestation,
    WebAuthnUserHandle,
):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
_REGISTERING = (otp_totp_admin, otp_static_admin)  # imported for their registering, see above


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "agb_code", "city", "phone", "email"]
    search_fields = ["name", "agb_code", "city"]


class GPProfileInline(admin.StackedInline):
    model = GPProfile
    can_delete = False
    extra = 0


CLINICAL_ROLES = (User.Role.GP, User.Role.THERAPIST)


class UserChangeForm(BaseUserChangeForm):
    """An account with the admin's powers never becomes a GP's or a therapist's: care and
    administration are separate accounts, so the administrator cannot give themselves (or an
    administrator account they hold) a practice's patients."""

    def clean(self):
        data = super().clean()
        powers = data.get("is_staff") or data.get("is_superuser")
        had_powers = self.instance.is_staff or self.instance.is_superuser
        role = data.get("role", self.instance.role)  # read-only once the account exists
        if role in CLINICAL_ROLES and (powers or had_powers):
            self.add_error(
                "role" if "role" in self.fields else None,
                _(
                    "An administrator's account cannot be a GP's or a therapist's. Add the "
                    "person a separate account for their clinical work."
                ),
            )
        return data


class UserAddForm(forms.ModelForm):
    """A new user without a password: they choose it themselves, from the link e-mailed to them."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "practice"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """The administrator manages accounts but can never act as their user: no password is set
    here and no authenticator is shown; the user gets links at their own address instead
    (accounts.services). The address cannot be changed once the account exists, or the links
    could be steered elsewhere. Every request to these pages is in the access log."""

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "practice", "is_active"]
    list_filter = ["role", "is_active", "practice"]
    search_fields = ["email", "first_name", "last_name"]
    list_select_related = ["practice"]
    inlines = [GPProfileInline]
    add_form = UserAddForm
    form = UserChangeForm
    add_form_template = None  # Django's asks for a username and password
    actions = ["send_password_reset_link", "reset_two_factors"]
    readonly_fields = ["email", "two_factor_state", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "two_factor_state")}),
        (_("Person"), {"fields": ("first_name", "last_name", "role", "practice")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "role", "practice"),
                "description": _(
                    "The new user receives two e-mails: a link to choose their password and a "
                    "link to set up two-factor sign-in."
                ),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Found by attacker's try-outs: the administrator made their own account a GP of a
        # practice, then turned a therapist's account (and an administrator account of theirs)
        # into a GP's. An account's role and practice are chosen once, when it is made (a new
        # GP or manager then waits for a GP of the practice to confirm them); nobody changes
        # their own powers.
        fields = [*self.readonly_fields, "role", "practice", "practice_confirmation"]
        if obj.pk == request.user.pk:
            fields += ["is_staff", "is_superuser"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.role not in (User.Role.GP, User.Role.PRACTICE_MANAGER):
            return fieldsets
        person = (
            _("Person"),
            {"fields": ("first_name", "last_name", "role", "practice", "practice_confirmation")},
        )
        return tuple(person if name == _("Person") else (name, opts) for name, opts in fieldsets)

    def get_inline_instances(self, request, obj=None):
        # A GP's AGB and BIG belong to a GP's account, never to the administrator's own.
        if obj is None or obj.role != User.Role.GP or obj.pk == request.user.pk:
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description=_("confirmed by the practice"))
    def practice_confirmation(self, obj: User) -> str:
        if obj.practice_confirmed_at is None:
            return _("not yet: waits for a GP of the practice")
        when = formats.date_format(timezone.localtime(obj.practice_confirmed_at), "DATETIME_FORMAT")
        by = obj.practice_confirmed_by
        return _("%(when)s by %(by)s") % {"when": when, "by": by or "—"}

    @admin.display(description=_("two-factor sign-in"))
    def two_factor_state(self, obj: User) -> str:
        """Which factors the user has, never what they are."""
        app = TOTPDevice.objects.filter(user=obj, confirmed=True).exists()
        passkeys = WebAuthnCredential.objects.filter(user=obj, confirmed=True).count()
        if not app and not passkeys:
            return _("not set up")
        parts = [_("authenticator app")] if app else []
        if passkeys:
            parts.append(ngettext("%(n)d passkey", "%(n)d passkeys", passkeys) % {"n": passkeys})
        return _("set up: %(factors)s") % {"factors": ", ".join(str(p) for p in parts)}

    def save_model(self, request, obj, form, change) -> None:
        switched_off = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if switched_off:
            services.practice_member_deactivated(user=obj)
        if not change:
            services.practice_member_added(user=obj, by=request.user)
            services.user_welcome(user=obj)

    def user_change_password(self, request, id, form_url=""):
        """Nobody's password is set here; 'send a password reset link' mails the user instead."""
        raise PermissionDenied

    @admin.action(description=_("Send a password reset link"))
    def send_password_reset_link(self, request, queryset) -> None:
        users = list(queryset.filter(is_active=True))
        for user in users:
            services.password_reset_link_send(user=user)
        self.message_user(
            request, _("A password reset link was sent to %(n)d user(s).") % {"n": len(users)}
        )

    @admin.action(description=_("Reset two factors (the user sets them up again)"))
    def reset_two_factors(self, request, queryset) -> None:
        users = list(queryset)
        for user in users:
            services.two_factor_reset(
                user=user,
                by=request.user,
                client_address=client_address(request),
                url_name=request.resolver_match.view_name,
            )
        self.message_user(
            request,
            _(
                "Two factors were reset for %(n)d user(s): their sessions ended and they were "
                "e-mailed a link to set them up again."
            )
            % {"n": len(users)},
        )


# --- The access log: read-only, and reading it is itself logged --------------------------------


class PartFilter(admin.SimpleListFilter):
    """The parts of the record by their names, not their codes."""

    title = _("part of the record")
    parameter_name = "part"

    def lookups(self, request, model_admin):
        return sorted(PART_LABELS.items(), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(part=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes log rows here; every look at the log is written to it."""

    list_display = [
        "when",
        "user_email",
        "api_client",
        "role",
        "action",
        "part_label",
        "patient",
        "outcome",
        "client_address",
        "url_name",
    ]
    list_filter = ["action", "role", "outcome", PartFilter]
    date_hierarchy = "when"
    # `__exact` on a number compares it as text, so a search for an email address doesn't fail.
    search_fields = ["user_email", "api_client", "patient_id__exact"]
    readonly_fields = [field.name for field in AccessLog._meta.fields]
    show_full_result_count = False
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("part of the record"), ordering="part")
    def part_label(self, row: AccessLog) -> str:
        return PART_LABELS.get(row.part, row.part)

    @admin.display(description=_("patient number"), ordering="patient_id")
    def patient(self, row: AccessLog) -> str:
        """The number links to every row about the same patient."""
        if row.patient_id is None:
            return "-"
        url = reverse("admin:accounts_accesslog_changelist") + f"?patient_id={row.patient_id}"
        return format_html('<a href="{}">{}</a>', url, row.patient_id)

    def changelist_view(self, request, extra_context=None):
        return self._logged(request, None, super().changelist_view, request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        patient_id = None
        if object_id is not None and str(object_id).isdigit():
            patient_id = (
                AccessLog.objects.filter(pk=object_id).values_list("patient_id", flat=True).first()
            )
        return self._logged(
            request,
            patient_id,
            super().changeform_view,
            request,
            object_id,
            form_url,
            extra_context,
        )

    def _logged(self, request, patient_id, view, *args):
        """Run the admin view and write who looked at the log, refused attempts included."""
        try:
            response = view(*args)
        except PermissionDenied:
            self._log(request, patient_id, AccessLog.Outcome.DENIED)
            raise
        outcome = AccessLog.Outcome.OK if response.status_code < 400 else AccessLog.Outcome.DENIED
        self._log(request, patient_id, outcome)
        return response

    def _log(self, request, patient_id, outcome: str) -> None:
        access_log_for_request(
            request,
            action=AccessLog.Action.VIEW if outcome == "ok" else AccessLog.Action.DENIED,
            part="access_log",
            patient_id=patient_id,
            outcome=outcome,
        )


# --- django-axes' records of signing in: read-only, and looking at them is logged ---------------
# Found by an attacker's try-out: the administrator deleted the sign-in records of the GP account
# they had made, and a POST to a lock's read-only page saved a change. None of these records is
# changed or deleted here (a lock ends by itself after 15 minutes).


def _axes_read_only(model_admin: admin.ModelAdmin, *, deletable: bool) -> None:
    cls = type(model_admin)
    cls.has_add_permission = lambda self, request, obj=None: False
    cls.has_change_permission = lambda self, request, obj=None: False
    if not deletable:
        cls.has_delete_permission = lambda self, request, obj=None: False


def _axes_admin() -> None:
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as AxesAccessLog

    for model, deletable in (
        (AccessAttempt, False),  # a lock ends by itself after 15 minutes
        (AxesAccessLog, False),
        (AccessFailureLog, False),
    ):
        if admin.site.is_registered(model):
            _axes_read_only(admin.site.get_model_admin(model), deletable=deletable)


_axes_admin()
