# paperlight: `make app` runs the app, `make test` runs the tests; both set up .venv first.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EVAL   ?= ../shared/eval
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help venv app test lint format bench chromium

help:
	@echo "make app    set up .venv and run the Streamlit app"
	@echo "make test   set up .venv (and Debian chromium when root) and run ruff + pytest"
	@echo "make lint   ruff check"
	@echo "make bench  run bench/*.py with EVAL=$(EVAL)"

venv: $(STAMP)

# Re-installs only when the lock files or pyproject.toml change; otherwise a no-op.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

app: venv
	$(BIN)/paperlight app $(ARGS)

# The e2e tests drive Debian's /usr/bin/chromium through the Playwright package
# (never `playwright install`, which downloads a browser build).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian chromium"; \
		apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test: venv chromium
	$(BIN)/ruff check . && $(BIN)/python -m pytest -q $(ARGS)

lint: venv
	$(BIN)/ruff check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv
	@set -e; found=0; for f in bench/*.py; do \
		[ -e "$$f" ] || continue; found=1; \
		echo "== $$f (EVAL=$(EVAL))" >&2; \
		EVAL="$(EVAL)" $(BIN)/python "$$f"; \
	done; [ $$found = 1 ] || echo "no bench/*.py scripts yet" >&2
