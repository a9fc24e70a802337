"""Checks on the deployment files: docker-compose.yml and .env.example.

Plain functions, no database: docker-compose.yml is validated against the Compose
specification schema vendored in check-jsonschema, and .env.example is compared with the
variables config/settings.py reads.
"""

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from jsonschema.validators import validator_for
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "config" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
# Read by docker compose (interpolated into the db service), not by Django.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD"}
# `NAME=value` lines, also when commented out (documented optional variables).
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# env("NAME"...), env.str("NAME"...), env.bool(...), env.db(...), env.email_url(...), ...
SETTINGS_ENV_READ = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def _compose_schema():
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(
        "compose-spec.json"
    )
    return json.loads(schema_file.read_text(encoding="utf-8"))


def _validator():
    schema = _compose_schema()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _load_compose():
    return YAML(typ="safe").load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _env_example_names():
    return ENV_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8"))


def _depends_on_names(service):
    # Short form is a list of names; long form a mapping of name -> {condition: ...}.
    depends_on = service.get("depends_on", [])
    return list(depends_on.keys() if isinstance(depends_on, dict) else depends_on)


def _env_files(service):
    env_file = service.get("env_file", [])
    entries = [env_file] if isinstance(env_file, str | dict) else env_file
    return [entry["path"] if isinstance(entry, dict) else entry for entry in entries]


def test_compose_schema_is_draft_2020_12():
    schema = _compose_schema()
    assert validator_for(schema) is jsonschema.Draft202012Validator
    assert "services" in schema["properties"]


def test_compose_file_matches_compose_specification():
    errors = sorted(_validator().iter_errors(_load_compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"services": {"web": {"image": "loopbaan:latest", "depends_on": 5}}},
        {"services": {"web": {"image": "loopbaan:latest", "not_a_compose_key": True}}},
        {"services": {"web": {"image": "loopbaan:latest"}}, "volumes": []},
    ],
    ids=["depends_on-number", "unknown-service-key", "volumes-list"],
)
def test_schema_validation_rejects_broken_documents(broken):
    assert list(_validator().iter_errors(broken))


def test_no_obsolete_top_level_version_key():
    assert "version" not in _load_compose()


def test_expected_services_exist():
    services = _load_compose()["services"]
    assert {"web", "worker", "beat", "backup", "db", "redis"} <= set(services)


def test_depends_on_names_defined_services():
    services = _load_compose()["services"]
    for name, service in services.items():
        for dependency in _depends_on_names(service):
            assert dependency in services, f"{name} depends on undefined service {dependency}"
            assert dependency != name, f"{name} depends on itself"


def test_app_services_share_image_and_env_file():
    services = _load_compose()["services"]
    images = {services[name].get("image") for name in APP_SERVICES}
    assert images == {"loopbaan:latest"}
    for name in APP_SERVICES:
        assert _env_files(services[name]) == [".env"], name
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["web"]


def test_app_services_wait_for_healthy_db_and_redis():
    services = _load_compose()["services"]
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        for dependency in ("db", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", (name, dependency)
    for name in ("db", "redis"):
        assert "healthcheck" in services[name], name


def test_db_uses_postgres_15():
    """15: the major version of Debian bookworm's pg_dump in the app image (see Dockerfile)."""
    image = _load_compose()["services"]["db"]["image"]
    assert re.fullmatch(r"postgres:15([.-][\w.-]*)?(@sha256:[0-9a-f]{64})?", image), image


def test_beat_schedule_is_on_a_named_volume():
    compose = _load_compose()
    beat = compose["services"]["beat"]
    assert "--schedule /var/lib/celery/" in beat["command"]
    assert "beat-schedule:/var/lib/celery" in beat["volumes"]
    assert "beat-schedule" in compose["volumes"]


def test_backup_runs_nightly_into_a_named_volume_and_keeps_14_days():
    compose = _load_compose()
    backup = compose["services"]["backup"]
    assert backup["image"] == "loopbaan:latest"
    assert _env_files(backup) == [".env"]
    assert backup["depends_on"]["db"]["condition"] == "service_healthy"
    command = " ".join(backup["command"])
    assert "python manage.py backup --dir /var/lib/loopbaan/backups --keep-days 14" in command
    assert "sleep" in command and "while" in command, "a loop that waits for the next night"
    assert "backups:/var/lib/loopbaan/backups" in backup["volumes"]
    assert "backups" in compose["volumes"]
    assert backup["init"] is True, "a real PID 1, so that stopping ends the sleep"


def test_the_images_pg_dump_matches_the_db_major_version():
    # pg_dump refuses a server newer than itself: the app image's client is the db's major.
    major = re.match(r"postgres:(\d+)", _load_compose()["services"]["db"]["image"])[1]
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(rf"^ARG POSTGRES_MAJOR={major}$", dockerfile, re.MULTILINE)
    assert "postgresql-client-${POSTGRES_MAJOR}" in dockerfile
    assert "chown -R app:app /var/lib/loopbaan" in dockerfile, "the app user writes the backups"


def test_env_example_variables_are_read_by_settings():
    settings_text = SETTINGS_FILE.read_text(encoding="utf-8")
    names = _env_example_names()
    assert names, ".env.example documents no variables"
    unused = [
        name
        for name in names
        if name not in COMPOSE_ONLY_VARIABLES and not re.search(rf"\b{name}\b", settings_text)
    ]
    assert not unused, f"in .env.example but not read by config/settings.py: {unused}"


def test_settings_variables_are_documented_in_env_example():
    read = set(SETTINGS_ENV_READ.findall(SETTINGS_FILE.read_text(encoding="utf-8")))
    assert read, "found no env(...) reads in config/settings.py"
    undocumented = sorted(read - set(_env_example_names()))
    assert not undocumented, f"read by config/settings.py but not in .env.example: {undocumented}"
