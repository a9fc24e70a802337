from django.contrib import admin

from .models import Referral, ReferralEvent


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    # No notes: a decline or stop reason can carry clinical detail.
    fields = ["from_status", "to_status", "actor", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-mostly: the lifecycle changes only through referrals.services."""

    # The administrator manages practices, users and the register; the admin shows a referral's
    # administrative trail only. Names and medical content stay in the app, where every look
    # is in the access log.
    list_display = ["pk", "practice", "gp", "therapist", "status", "sent_at"]
    list_filter = ["status", "practice"]
    list_select_related = ["practice", "gp", "therapist__user"]
    fields = [
        "practice",
        "gp",
        "therapist",
        "status",
        "urgency",
        "created_at",
        "sent_at",
        "opened_at",
        "accepted_at",
        "declined_at",
        "intake_done_at",
        "therapy_started_at",
        "completed_at",
        "stopped_at",
        "followed_up_at",
        "cancelled_at",
        "not_cleared_at",
        "follow_up_due",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Only the list's own filters: Django lets a URL filter on any field of the row, and an
        # attacker's try-out read a referral's medication one letter at a time from "1 / 0
        # verwijzingen" (?medication__startswith=...). Anything else is a 400.
        if lookup.partition("__")[0] not in self.list_filter:
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_change_permission(self, request, obj=None) -> bool:
        # Read-only for real: saving the page would move `updated_at`, which restarts the
        # 20-year retention clock of the medical record (found by the attacker).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
