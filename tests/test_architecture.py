"""The house keeps its shape: every room is in the import contract, and no room or module grows
past what one person can hold in their head (docs/architecture.md)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
MAX_MODULE_LINES = 500
MAX_APP_SHARE = 0.30


def project_packages() -> set[str]:
    """The apps of this project (not Django's or a library's), plus core and config."""
    ours = {
        config.name
        for config in apps.get_app_configs()
        if (ROOT / config.name / "__init__.py").is_file()
    }
    return ours | {"core", "config"}


def layered() -> list[str]:
    names = []
    for layer in next(c for c in CONFIG["contracts"] if c["type"] == "layers")["layers"]:
        names += [name.strip() for name in layer.split("|")]
    return names


def source_files(package: str) -> list[Path]:
    return [
        path
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    ]


def test_the_import_contract_lists_every_app_once():
    names = layered()
    assert sorted(names) == sorted(set(names)), "an app stands in two layers"
    assert project_packages() <= set(names), "add the new app to the layers in pyproject.toml"
    assert set(names) == set(CONFIG["root_packages"])


def test_the_import_contract_holds():
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_module_is_longer_than_one_can_read_at_once():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for package in sorted(set(layered()))
        for path in source_files(package)
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, "split these into modules that each say what they hold"


def test_no_app_holds_30_percent_of_the_code_or_more():
    lines = {
        package: sum(len(path.read_text().splitlines()) for path in source_files(package))
        for package in project_packages()
    }
    total = sum(lines.values())
    largest = max(lines, key=lines.get)
    assert lines[largest] / total < MAX_APP_SHARE, f"{largest} holds {lines[largest]} of {total}"
