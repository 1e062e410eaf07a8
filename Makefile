# callqa — every target creates .venv and installs when missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_HOME := $(CURDIR)/.demo
DEMO_ENV := HF_HUB_OFFLINE=1 CALLQA_HOME=$(DEMO_HOME) CALLQA_CONFIG=$(CURDIR)/data/demo/callqa.toml
PORT ?= 8501

.PHONY: demo demo-data test test-fast test-ui bench lint install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 13), "callqa needs Python 3.11-3.13, found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

## Process the bundled demo calls into .demo/ and serve the UI on localhost:$(PORT)
demo: demo-data
	@echo "callqa UI: http://localhost:$(PORT)  (logins above; Ctrl-C to stop)"
	$(DEMO_ENV) $(VENV)/bin/streamlit run app.py --server.headless true --server.port $(PORT) \
		--server.address localhost --browser.gatherUsageStats false

## Everything `make demo` does except starting the UI (idempotent: nothing is reprocessed)
demo-data: $(STAMP)
	$(DEMO_ENV) $(VENV)/bin/callqa run data/demo/audio
	$(DEMO_ENV) $(VENV)/bin/callqa demo seed

test: $(STAMP)
	HF_HUB_OFFLINE=1 PYTHONDONTWRITEBYTECODE= $(PY) -m pytest

test-fast: $(STAMP)
	HF_HUB_OFFLINE=1 PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 --hypothesis-profile fast -m "not slow and not browser and not ray and not ui"

test-ui: $(STAMP)
	HF_HUB_OFFLINE=1 PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 -m "ui and not slow and not browser"

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) bench/scoring.py
	HF_HUB_OFFLINE=1 $(PY) bench/quality.py
	HF_HUB_OFFLINE=1 $(PY) bench/asr.py
	HF_HUB_OFFLINE=1 $(PY) bench/ui.py
	HF_HUB_OFFLINE=1 $(PY) bench/owner.py --calls 200000

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(DEMO_HOME) .pytest_cache test-artifacts
