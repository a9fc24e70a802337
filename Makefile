# Loopbaan. `make run` serves the demo; `make test` runs the whole suite. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test lint format install install-test messages guide bench backup restore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-test
	$(BIN)/pytest

# Backup and restore of the database DATABASE_URL names (unset: db.sqlite3); docs/operations.md.
# `make backup` writes backups/loopbaan-<date>-<time>.(sqlite3|dump). `make restore FILE=...`
# restores one into an empty database; FORCE=1 replaces a database that is not empty, INTO=...
# restores into another database (SQLite: another file) to test a backup.
backup: install
	$(DEV_ENV) $(BIN)/python manage.py backup

restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/<backup file> [FORCE=1]" >&2; exit 2; }
	$(DEV_ENV) $(BIN)/python manage.py restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force) $(if $(INTO),--into "$(INTO)")

# Retakes the screenshots in docs/user-guide/ from the demo data (Chromium at /usr/bin/chromium).
guide: install-test
	LOOPBAAN_GUIDE_SCREENSHOTS=1 LOOPBAAN_REQUIRE_BROWSER=1 $(BIN)/pytest -m guide tests/browser/test_user_guide.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (msgfmt); the compiled .mo files are committed so running needs nothing extra.
messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l nl -l en --no-obsolete --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*'
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore '.venv/*'

# Seeds loopbaan_bench in the PostgreSQL at BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432,
# trust auth), measures through gunicorn and wrk, writes bench/results/bench.json; see docs/performance.md.
BENCH_SIZE ?= 1000000
bench: install
	BENCH_SIZE=$(BENCH_SIZE) $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
