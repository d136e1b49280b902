# The two commands: `make run` (set up and serve the portal) and `make test` (set up and test).
# Everything else here is what those two need. Only Python 3.11+ must already be installed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := app
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
# One test process per core; the slowest tests are listed after each run.
PYTEST_PARALLEL ?= -n auto --durations=30

.PHONY: run test lint translations-check check-python serve-production clean

run: $(VENV)/.installed $(MO_FILES) instance/secret_key ## set up and serve on http://127.0.0.1:5000
	@$(FLASK) db upgrade
	@$(FLASK) demo load
	@echo "Serving the portal on http://127.0.0.1:5000 (Ctrl+C stops it)."
	@PORTAL_CONFIG=development $(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev $(MO_FILES) ## lint, then run every test (SQLite, and PostgreSQL if TEST_DATABASE_URL)
	@if [ -n "$$REQUIRE_POSTGRES" ] && [ -z "$$TEST_DATABASE_URL" ]; then \
		echo "REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not: say which PostgreSQL server to test on."; exit 1; fi
	@mkdir -p build
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_PARALLEL) --junitxml=build/results-sqlite.xml
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "Running the suite again on PostgreSQL ($$TEST_DATABASE_URL), less what does not depend on the database"; \
		PORTAL_TEST_DATABASE=postgresql $(PY) -m pytest $(PYTEST_PARALLEL) -m "not once" --junitxml=build/results-postgresql.xml; \
	else \
		echo "PostgreSQL part skipped: set TEST_DATABASE_URL=postgresql+psycopg://USER@HOST:5432/postgres to run it."; \
	fi

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 or newer is needed: '$(PYTHON)' was not found (set PYTHON=/path/to/python3)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "Python 3.11 or newer is needed; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "Python's venv module is missing (on Debian/Ubuntu: apt-get install python3-venv)."; exit 1; }

$(VENV)/bin/python: | check-python
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock file changes.
$(VENV)/.installed: requirements.lock | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(PY) -m babel.messages.frontend compile --locale $* -i $< -o $@

# A random key, made once and kept out of git; production takes SECRET_KEY from the environment.
instance/secret_key: | $(VENV)/bin/python
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@
	@chmod 600 $@

serve-production: $(VENV)/.installed $(MO_FILES) ## example: gunicorn as it runs in production
	PORTAL_CONFIG=production $(VENV)/bin/gunicorn --workers 2 --threads 4 --no-control-socket --bind 127.0.0.1:8000 wsgi:app

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
