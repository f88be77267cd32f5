# BPL Funding. The two commands that matter: `make run` and `make test`. Everything else is below.
SHELL := /bin/bash
# The first interpreter that runs and is 3.11 or newer (version managers may leave shims that do not run).
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.DEFAULT_GOAL := help
.PHONY: help run test setup system-deps catalogues worker beat lint format types check messages bench lock clean

help:
	@echo "make run    set everything up and serve the demo on http://127.0.0.1:8000"
	@echo "make test   run the test suite (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make worker | beat | lint | format | types | check | messages | bench | lock | clean"

$(PY):
	@test -n "$(PYTHON)" || { echo "BPL Funding needs Python 3.11 or newer: none found on PATH." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "BPL Funding needs Python 3.11 or newer (found %s)." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

setup: $(VENV)/.installed system-deps catalogues

system-deps: $(VENV)/.installed
	@PYTHON_BIN=$(PY) scripts/system-deps.sh

catalogues: $(VENV)/.installed
	@$(PY) manage.py build_catalogues > /dev/null

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving BPL Funding on http://127.0.0.1:8000 (portal: /fr/ or /nl/, staff: /fr/staff/). Ctrl-C stops."
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

worker: setup
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} $(VENV)/bin/celery -A config worker -l info

beat: setup
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} $(VENV)/bin/celery -A config beat -l info

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

types: $(VENV)/.installed
	$(VENV)/bin/mypy core workflows grants finance loans api

check: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_translations

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr -l nl -l en --no-obsolete --ignore 'tests/*' --ignore 'bench/*' --ignore 'scripts/*'
	$(PY) -c "from pathlib import Path; from core.i18n_catalogues import fill_identity; fill_identity(Path('locale/en/LC_MESSAGES/django.po'))"
	$(PY) manage.py build_catalogues

bench: setup
	@for b in bench/bench_*.py; do DJANGO_SETTINGS_MODULE=config.settings.test $(PY) $$b || exit 1; done

lock: $(PY)
	rm -rf /tmp/bpl-lock && $(PYTHON) -m venv /tmp/bpl-lock
	/tmp/bpl-lock/bin/pip install --quiet --upgrade pip && /tmp/bpl-lock/bin/pip install --quiet '.[dev]'
	( echo "# Every package and version, resolved from pyproject.toml (runtime + dev) on Python 3.11. Regenerate: make lock"; \
	  /tmp/bpl-lock/bin/pip freeze --exclude-editable | grep -iv '^bpl-funding' ) > requirements.lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
