from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import GPProfile, Practice, User


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "agb_code", "city", "phone"]
    search_fields = ["name", "agb_code", "city"]


class GPProfileInline(admin.StackedInline):
    model = GPProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "practice", "is_active"]
    list_filter = ["role", "is_active", "practice"]
    search_fields = ["email", "first_name", "last_name"]
    list_select_related = ["practice"]
    inlines = [GPProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "role", "practice")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "practice",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


# --- The access log: read-only, and reading it is itself logged --------------------------------

from django.core.exceptions import PermissionDenied  # noqa: E402

from .audit import access_log_for_request  # noqa: E402
from .models import AccessLog  # noqa: E402


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes log rows here; every look at the log is written to it."""

    list_display = [
        "when",
        "user_email",
        "role",
        "action",
        "part",
        "patient_id",
        "outcome",
        "client_address",
        "url_name",
    ]
    list_filter = ["action", "role", "outcome", "part"]
    date_hierarchy = "when"
    # `__exact` on a number compares it as text, so a search for an email address doesn't fail.
    search_fields = ["user_email", "patient_id__exact"]
    readonly_fields = [field.name for field in AccessLog._meta.fields]
    show_full_result_count = False
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

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
