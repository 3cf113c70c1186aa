# Lares Ledger: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
PORT ?= 5000
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup

SYSTEM_PACKAGES_LIST ?= system-packages.txt

.PHONY: run test translations messages lint bench audit clean system-packages system-packages-run

# The Debian packages the app (`run` lines) and its tests (every line) need: system-packages.txt.
# Missing ones are installed with apt-get when running as root; otherwise make stops and says how.
define require_system_packages
@wanted=$$(awk -v scope=$(1) '!/^#/ && NF && (scope == "test" || $$2 == scope) { print $$1 }' $(SYSTEM_PACKAGES_LIST)); \
if ! command -v dpkg-query >/dev/null; then \
  echo "warning: not a Debian system; install the equivalents of: $$(echo $$wanted)"; exit 0; fi; \
missing=$$(for package in $$wanted; do \
  dpkg-query -W -f='$${Status}\n' $$package 2>/dev/null | grep -q '^install ok installed$$' || echo $$package; \
done | tr '\n' ' ' | sed 's/ $$//'); \
if [ -z "$$missing" ]; then exit 0; fi; \
if [ "$$(id -u)" = 0 ]; then \
  echo "== installing Debian packages: $$missing"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
else \
  echo "Missing Debian packages: $$missing. Install them with: sudo apt-get install $$missing" >&2; exit 1; \
fi
endef

## system-packages: check (as root, install) every Debian package of system-packages.txt
system-packages:
	$(call require_system_packages,test)

system-packages-run:
	$(call require_system_packages,run)

$(BIN)/python:
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# Each capability keeps its own Spanish catalogue in <folder>/translations; Flask-Babel merges them.
CATALOGUES := app/translations $(wildcard app/*/translations) $(wildcard reports/translations)

translations: | $(BIN)/python
	@for dir in $(CATALOGUES); do \
	  [ -d $$dir/es ] && $(BIN)/pybabel compile -f -d $$dir >/dev/null 2>&1; \
	done; true

## run: set up, migrate the SQLite database, load demo data once, serve on 127.0.0.1:$(PORT)
run: system-packages-run $(VENV)/.installed-run translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## test: the whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set
test: system-packages $(VENV)/.installed-dev translations
	@set -e; \
	echo "== pytest on SQLite"; \
	env -u TEST_DATABASE_URL $(PYTEST) $(PYTEST_ARGS); \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== pytest on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  $(PYTEST) $(PYTEST_ARGS); \
	fi

## messages FOLDER=app/registries: refresh one capability's Spanish catalogue from its source
## (FOLDER=app for the shared layout: app/*.py, app/templates, app/home)
messages: | $(BIN)/python
	@test -n "$(FOLDER)" || (echo "usage: make messages FOLDER=app/registries" && false)
	@sources="$(FOLDER)"; out="$(FOLDER)/translations"; \
	if [ "$(FOLDER)" = app ]; then sources="$$(ls app/*.py) app/templates app/home"; fi; \
	mkdir -p $$out; \
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $$out/messages.pot $$sources >/dev/null 2>&1; \
	if [ -f $$out/es/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i $$out/messages.pot -d $$out -l es --no-fuzzy-matching --ignore-obsolete >/dev/null 2>&1; \
	else $(BIN)/pybabel init -i $$out/messages.pot -d $$out -l es >/dev/null 2>&1; fi

## bench: 1- and 10-season databases under bench/work (reused while seed and code match; PostgreSQL
## too when TEST_DATABASE_URL is set), then page times, queries, report PDF, batch run, CSV import, RPS -> bench/results.md
bench: $(VENV)/.installed-dev translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## audit: bandit (medium and high findings fail) and pip-audit against PyPI's vulnerability data.
## A vulnerability fails; vulnerability data that cannot be reached is reported, not failed.
audit: $(VENV)/.installed-dev
	$(BIN)/bandit -ll -q -r app bench config.py wsgi.py
	@out=$$($(BIN)/pip-audit --vulnerability-service pypi --skip-editable --progress-spinner off 2>&1); status=$$?; \
	skipped=$$(printf '%s\n' "$$out" | grep -c "could not be audited"); \
	if printf '%s\n' "$$out" | grep -qi "known vulnerabilit.* in [0-9]"; then printf '%s\n' "$$out"; exit 1; \
	elif [ $$status -ne 0 ]; then printf '%s\n' "$$out" | tail -3; \
	  echo "pip-audit: WARNING: vulnerability data unreachable; dependencies NOT audited (not failing)"; \
	elif [ $$skipped -gt 0 ]; then \
	  echo "pip-audit: WARNING: $$skipped dependencies could not be audited (no vulnerability data from this index)"; \
	else echo "pip-audit: no known vulnerabilities"; fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app tests config.py wsgi.py

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
