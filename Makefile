# Sala: two commands. `make demo` serves the demo site; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# nginx and systemd: the deploy/ files are checked (nginx -t, systemd-analyze verify)
# and a real nginx serves private files in front of the site in the tests.
TEST_SYSTEM_PACKAGES := chromium poppler-utils zbar-tools nginx systemd
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on both cores; each worker gets its own test database. The tests
# that need PostgreSQL then run against a throwaway one (scripts/test-postgres),
# unless the suite's own database was PostgreSQL already.
PYTEST_WORKERS ?= 2

.PHONY: demo test screenshots bootstrap bootstrap-dev sysdeps sysdeps-test messages lint lock serve clean

demo: bootstrap
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving Sala on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: bootstrap-dev
	$(PY) manage.py compilemessages --ignore=.venv -v0
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=lms.settings.test
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	PYTEST=$(VENV)/bin/pytest PY=$(PY) scripts/test-postgres --after-main-run

# Every demo page in a browser at phone and laptop width, in both languages; the
# README's pictures land in docs/screenshots/.
screenshots: bootstrap-dev
	$(PY) manage.py compilemessages --ignore=.venv -v0
	scripts/screenshots

bootstrap: sysdeps $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v0

bootstrap-dev: sysdeps sysdeps-test $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Installs come from the locks, every package pinned with its hashes; a changed
# lock installs again. The dev lock holds the runtime one, so it stamps both.
$(VENV)/.installed: requirements.lock | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements.lock requirements-dev.lock | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	touch $(VENV)/.installed $@

# After editing requirements.txt or requirements-dev.txt: pins what changed and
# keeps every other pin. `make lock LOCK_ARGS=--upgrade` moves everything forward.
lock:
	PYTHON=$(PYTHON) scripts/lock $(LOCK_ARGS)

sysdeps:
	@scripts/ensure-packages $(SYSTEM_PACKAGES)

sysdeps-test:
	@scripts/ensure-packages $(TEST_SYSTEM_PACKAGES)

messages:
	$(PY) manage.py makemessages --all --no-location --ignore=.venv --ignore=vendor_locale --ignore=tests --ignore=artifacts --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv -v0

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var db.sqlite3
