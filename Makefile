# Two commands on a fresh machine with Python >= 3.11 and make:  make run  /  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= $(or $(PHM_DATA_DIR),data)

.PHONY: run test test-fast install generate lint ui bench report status clean service-test screenshots fingerprint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-cache-dir -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

generate: $(STAMP)
	$(BIN)/phm generate --if-empty

run: generate
	$(BIN)/phm run

# Two workers, each test file on one of them (its module fixtures built once): CI has 2 cores.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Everything but the tests marked slow (those that run the whole job): under a minute on 2 cores.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

ui: generate
	$(BIN)/phm ui

status: $(STAMP)
	$(BIN)/phm status

# The README's screenshots of the report (region page, a wijk map) in headless Chromium, into docs/img/.
screenshots: $(STAMP)
	$(BIN)/python -m tests.screenshots $(DATA_DIR)/published/report docs/img

# After `make run`: are the published tables of the default region those of tests/golden/default_region.json?
# A refactoring must leave them; `python -m tests.fingerprint write ...` records an intended change.
fingerprint: $(STAMP)
	$(BIN)/python -m tests.fingerprint check $(DATA_DIR)/published tests/golden/default_region.json

bench: $(STAMP)
	$(BIN)/python -m tests.benchmark.run --layouts native cbs_microdata

# The deployment of deploy/ without containers: Postgres, dagster-daemon, a sensor and a schedule, two regions.
service-test: $(STAMP)
	$(BIN)/python tests/service/run_service_test.py

clean:
	rm -rf $(VENV) $(DATA_DIR)
