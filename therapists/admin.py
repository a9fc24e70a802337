from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Therapist
from .services import therapist_verify


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "profession",
        "city",
        "is_verified",
        "verified_by",
        "accepting_new_patients",
    ]
    list_filter = ["is_verified", "accepting_new_patients", "profession"]
    search_fields = [
        "user__first_name",
        "user__last_name",
        "organisation",
        "city",
        "certificate_number",
    ]
    list_select_related = ["user", "verified_by"]
    readonly_fields = ["is_verified", "verified_by", "verified_at"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # Found by an attacker's try-out: moving a profile to another account handed that
        # account the therapist's clients. The account is chosen once, when the profile is made.
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    actions = ["verify_certification"]

    @admin.action(description=_("Verify certification"))
    def verify_certification(self, request, queryset):
        for therapist in queryset:
            therapist_verify(therapist=therapist, by=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d therapist verified.", "%(n)d therapists verified.", count)
            % {"n": count},
            messages.SUCCESS,
        )
