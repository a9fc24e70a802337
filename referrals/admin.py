from django.contrib import admin

from .models import Referral, ReferralEvent


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-mostly: the lifecycle changes only through referrals.services."""

    list_display = ["pk", "practice", "gp", "therapist", "status", "sent_at"]
    list_filter = ["status", "practice"]
    list_select_related = ["practice", "gp", "therapist__user"]
    readonly_fields = [f.name for f in Referral._meta.fields]
    inlines = [ReferralEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
