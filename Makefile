# Lares Ledger: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
PORT ?= 5000

.PHONY: run test translations messages lint bench clean

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
run: $(VENV)/.installed-run translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## test: the whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set
test: $(VENV)/.installed-dev translations
	@set -e; \
	echo "== pytest on SQLite"; \
	env -u TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS); \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== pytest on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS); \
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

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app tests config.py wsgi.py

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
