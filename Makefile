# pact_tracker: every target bootstraps the virtualenv it needs.

PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.stamp
FLASK  := $(VENV)/bin/flask --app pact_tracker

.PHONY: venv translations messages chromium pdf-libs run test test-fast lint audit clean

venv: $(STAMP)

# Re-installs only when pyproject.toml changes (or the venv is missing).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $@

# Message catalogues are compiled by the build, never committed.
translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d pact_tracker/translations

# After adding or changing messages: extract them, merge into the catalogue, translate.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__' \
		-o pact_tracker/translations/messages.pot .
	$(VENV)/bin/pybabel update -i pact_tracker/translations/messages.pot -d pact_tracker/translations --no-fuzzy-matching

run: translations
	$(FLASK) db upgrade
	$(FLASK) pact init
	$(FLASK) pact demo --if-empty --scale small
	@echo "Mail goes to a local SMTP sink on 127.0.0.1:8025 and is printed here."
	@trap 'kill 0' EXIT INT TERM; \
	export PACT_BASE_URL=$${PACT_BASE_URL:-http://127.0.0.1:$${PORT:-5000}}; \
	$(VENV)/bin/python -m aiosmtpd -n -l 127.0.0.1:8025 & \
	$(FLASK) pact worker & \
	$(FLASK) run --host 127.0.0.1 --port $${PORT:-5000}

# Browser tests drive Debian's Chromium; install it where it is missing (needs root, as in CI).
chromium:
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends chromium fonts-dejavu-core; }

# WeasyPrint (the snapshot's PDF report) draws text with Debian's Pango and HarfBuzz.
pdf-libs:
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null 2>&1 \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; }

test: translations chromium pdf-libs
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The suite without the slow multi-process and load tests (marked `slow`): for a quick
# check while working. `make test` (and CI) still runs everything.
test-fast: translations chromium pdf-libs
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check pact_tracker tests

# Security: bandit on the code ([tool.bandit] in pyproject.toml; each exception is a
# `# nosec BXXX` with its reason on the line), pip-audit on the installed dependencies
# (asks PyPI's JSON API for each package's known vulnerabilities: needs network). --strict
# fails when a package could not be checked, rather than passing without looking.
PIP_AUDIT_ARGS ?= --strict
audit: $(STAMP)
	$(VENV)/bin/bandit -q -r pact_tracker -c pyproject.toml
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off $(PIP_AUDIT_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts *.egg-info .stamp-*
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Benchmarks, each beside its floor (benchmarks/runner.py). PostgreSQL: BENCH_DATABASE_URL
# (default postgresql+psycopg://postgres@127.0.0.1:5432/pact_bench, created and dropped).
# The page scenarios load gunicorn with wrk, from Debian's packages.
.PHONY: bench wrk
wrk:
	@command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends wrk; }

bench: $(STAMP) wrk
	$(VENV)/bin/python -m benchmarks $(BENCH_ARGS)
