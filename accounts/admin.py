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
