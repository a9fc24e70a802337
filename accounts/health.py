"""What /healthz checks beside the database and Redis: checks the apps above register.

accounts serves /healthz but knows no higher app, so an app that has something to report (the
notifications outbox, say) registers a check from its AppConfig.ready. A check returns whether
all is well and a small dict for the JSON answer; it must never show patient data (/healthz is
open to anyone) and may assume the database answers.
"""

from collections.abc import Callable

#: name -> a function returning (healthy, details)
CHECKS: dict[str, Callable[[], tuple[bool, dict]]] = {}


def register(name: str, check: Callable[[], tuple[bool, dict]]) -> None:
    CHECKS[name] = check


def run_checks() -> tuple[bool, dict[str, dict]]:
    """Every registered check; one that raises counts as unhealthy."""
    healthy, results = True, {}
    for name, check in CHECKS.items():
        try:
            ok, details = check()
        except Exception as exc:  # noqa: BLE001 - a failing check means "not healthy"
            ok, details = False, {"ok": False, "error": type(exc).__name__}
        healthy = healthy and ok
        results[name] = {"ok": ok, **details}
    return healthy, results
