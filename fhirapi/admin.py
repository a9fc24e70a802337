from django.contrib import admin
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "practice", "scopes", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "application__client_id"]
    raw_id_fields = ["application"]
    filter_horizontal = ["therapists"]


# Issued tokens and grants are no business of the administrator's (no way into a client's
# access); the applications stay, for registering a client's key.
for model in (AccessToken, RefreshToken, Grant, IDToken):
    admin.site.unregister(model)
