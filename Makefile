# Rahnuma: one entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
PY        := $(VENV)/bin/python
RASA      := $(RASA_VENV)/bin/rasa
MODEL     := models/rahnuma.tar.gz
DIALOGUES := $(shell find dialogues/config.yml dialogues/domain dialogues/data -type f 2>/dev/null)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Unnamed, the app is production and refuses the development keys: what make runs here is
# development unless the caller names another environment (docker-compose names production).
export RAHNUMA_ENVIRONMENT ?= development
# Rasa's training cache outside the checkout: a fresh clone (CI's, a second worktree) reuses
# what an earlier training of the same data and config computed instead of training for minutes.
# Its fingerprints cover every input, so a change of one example retrains what it touches.
export RASA_CACHE_DIRECTORY ?= $(HOME)/.cache/rahnuma/rasa-training
RASA_ARGS := --domain dialogues/domain --config dialogues/config.yml

.PHONY: help install test-tools run test unit e2e lint validate train test-dialogues bench-nlu clean i18n content-check fuzz chaos audit bench bench-editors bench-targets bench-profile

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(VENV)/.installed $(RASA_VENV)/.installed ## create both environments (app: Python 3.11+, engine: Python 3.10)

$(VENV)/.installed: pyproject.toml requirements.lock
	@command -v python3.11 >/dev/null || { echo "Python 3.11 or newer is needed for the app (python3.11)."; exit 1; }
	test -x $(PY) || python3.11 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

test-tools: ## Debian's chromium, docker-compose and caddy, which the tests drive (installed when missing)
	scripts/ensure-test-tools

$(RASA_VENV)/.installed: engine/requirements.lock
	@PY310=$$(scripts/find-python310) || exit 1; \
	  test -x $(RASA_VENV)/bin/python || $$PY310 -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade "pip<25"
	$(RASA_VENV)/bin/python -m pip install --quiet -r engine/requirements.lock
	touch $@

$(MODEL): $(DIALOGUES) | $(RASA_VENV)/.installed
	$(RASA) train $(RASA_ARGS) --data dialogues/data --out models --fixed-model-name rahnuma
	@touch $@

train: $(RASA_VENV)/.installed ## train the dialogue model (Rasa skips unchanged parts)
	$(RASA) train $(RASA_ARGS) --data dialogues/data --out models --fixed-model-name rahnuma

run: install $(MODEL) ## start engine (:5005), actions (:5055) and gateway (:8000); Ctrl-C stops all
	$(VENV)/bin/rahnuma run

validate: $(RASA_VENV)/.installed ## rasa data validate, warnings are errors
	$(RASA) data validate $(RASA_ARGS) --data dialogues/data --fail-on-warnings

lint: $(VENV)/.installed ## ruff and mypy
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/ruff format --check bot actions tests
	$(VENV)/bin/mypy

unit: $(VENV)/.installed ## the fast tests (no engine)
	$(PY) -m pytest -m "not e2e" -n 2

test-dialogues: $(MODEL) ## Rasa test stories in all three languages, prediction errors fail
	$(RASA) test core --model $(MODEL) --stories dialogues/tests/stories \
	  --e2e --fail-on-prediction-errors --out results/core --no-plot

i18n: $(VENV)/.installed ## update locales/messages.pot and every catalog from the keys in use; compile them
	$(VENV)/bin/rahnuma content i18n

content-check: install ## every text, menu, number and training file checked (what publish runs)
	$(VENV)/bin/rahnuma content check

# Two workers: the tests of each running stack stay together on one (tests/conftest.py), the
# unit tests share out over both, so the cores are busy while an engine starts or trains.
test: install test-tools lint content-check $(MODEL) ## everything CI runs: lint, content check, unit, end-to-end, dialogue tests
	$(PY) -m pytest -n 2 --dist loadgroup --durations=15
	$(MAKE) --no-print-directory test-dialogues

fuzz: $(VENV)/.installed ## fuzz every public endpoint with 3,000 examples per property (minutes)
	RAHNUMA_FUZZ_EXAMPLES=3000 $(PY) -m pytest -m fuzz -q

chaos: install test-tools $(MODEL) ## the fault tests (kills, restarts, refusals under load) with 30 people each (minutes)
	RAHNUMA_CHAOS_PEOPLE=30 $(PY) -m pytest tests/e2e/test_faults.py -q

audit: $(VENV)/.installed ## known vulnerabilities in both locked requirement sets (needs PyPI's JSON API)
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip -r requirements.lock
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip -r engine/requirements.lock

bench: install $(MODEL) ## latency, throughput, memory, quality, SMS cost, editors' wait, issue 19's targets: docs/benchmarks.md (~15 min)
	$(PY) scripts/bench.py

bench-targets: install $(MODEL) ## only issue 19's new figures (floor bot, growth, segments, a model swap): results/bench_targets.json (~5 min)
	$(PY) scripts/bench.py --only-targets

bench-profile: install $(MODEL) ## where the engine's time goes (cProfile under load): that section of docs/benchmarks.md (~5 min)
	$(PY) scripts/bench_profile.py

bench-editors: install $(MODEL) ## only the editors' wait: a full training against one example published (~15 min)
	$(PY) scripts/bench.py --only-editors

bench-nlu: $(RASA_VENV)/.installed ## intent macro-F1 per language and entity F1 on held-out examples
	$(RASA_VENV)/bin/python scripts/bench_nlu.py

clean: ## remove models, results and local data (not the environments, nor ~/.cache/rahnuma)
	rm -rf models results var test-output .rasa
