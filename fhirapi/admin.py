from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "practice", "scopes", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "application__client_id"]
    raw_id_fields = ["application"]
    filter_horizontal = ["therapists"]
