"""Where each role lands after signing in. accounts knows no page of the apps above it, so each
app that owns a role's home registers it from its AppConfig.ready."""

#: role -> the URL name of that role's home page
HOMES: dict[str, str] = {"admin": "admin:index"}


def register(role: str, url_name: str) -> None:
    HOMES[role] = url_name
