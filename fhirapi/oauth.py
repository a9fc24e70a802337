"""django-oauth-toolkit's scopes: a token carries only the scopes its client was registered
for (ApiClient.scopes), whatever the client asks."""

from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "fhir_client", None) if application is not None else None
        if client is None or not client.is_active:
            return []
        return sorted(client.allowed_scopes)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)
