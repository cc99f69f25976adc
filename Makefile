# The single entry point for people and CI. Every target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12: on PATH, or from pyenv.
PY312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { command -v $$p; break; }; done)
PY312_DIR := $(dir $(PY312))
VENV := .venv
VENV_SAM := .venv-sam
PY := $(VENV)/bin/python
SAM := $(VENV_SAM)/bin/sam
export PATH := $(PY312_DIR):$(PATH)
export SAM_CLI_TELEMETRY := 0
export SAM_CLI := $(abspath $(SAM))
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# One import spelling everywhere: the layer package and the local tools.
export PYTHONPATH := $(CURDIR)/layers/ecoguard:$(CURDIR)

FN ?= LogRetentionFunction
EVENT ?= events/log_retention/scheduled-sweep.json

.PHONY: help demo test check lint typecheck unit functional template invoke build validate audit restore report regions docs clean bench

help:
	@echo "make demo     run ecoguard on a simulated ML account (dry-run, then enforce)"
	@echo "make test     every test: lint, types, unit, functional, template (sam validate/build)"
	@echo "make invoke FN=<LogicalId> EVENT=events/<dir>/<file>.json [AWS=1] [MODE=enforce]"
	@echo "make audit STACK=<stack>                     list a deployed stack's audit records"
	@echo "make restore STACK=<stack> ID=<action_id> [APPLY=1]   undo an applied action"
	@echo "make build    sam build (arm64 layer)"

$(PY312):
	@test -n "$(PY312)" || { echo "Python 3.12 not found (on PATH or under ~/.pyenv/versions)"; exit 1; }

$(VENV)/.installed: requirements-dev.txt layers/ecoguard/requirements.txt
	@test -n "$(PY312)" || { echo "Python 3.12 not found (on PATH or under ~/.pyenv/versions)"; exit 1; }
	$(PY312) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(VENV_SAM)/.installed: requirements-sam.txt
	@test -n "$(PY312)" || { echo "Python 3.12 not found (on PATH or under ~/.pyenv/versions)"; exit 1; }
	$(PY312) -m venv $(VENV_SAM)
	$(VENV_SAM)/bin/python -m pip install -q --upgrade pip
	$(VENV_SAM)/bin/python -m pip install -q -r requirements-sam.txt
	touch $@

demo: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local demo

invoke: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local invoke $(FN) $(EVENT) $(if $(AWS),--aws) $(if $(MODE),--mode $(MODE)) $(if $(STACK),--stack $(STACK))

audit: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local audit $(if $(TABLE),--table $(TABLE),--stack $(or $(STACK),ecoguard)) $(if $(GUARDRAIL),--guardrail $(GUARDRAIL))

restore: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local restore $(if $(TABLE),--table $(TABLE),--stack $(or $(STACK),ecoguard)) '$(ID)' $(if $(APPLY),--apply)

docs: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local.schema

report: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local report $(if $(TABLE),--table $(TABLE),--stack $(or $(STACK),ecoguard)) $(if $(HTML),--html $(HTML))

regions: $(VENV)/.installed
	$(PY) -m tools.ecoguard_local regions

# Every sweep at scale (SCALE=0.1 for a quick run); writes docs/PERFORMANCE.md and dist/bench.json.
SCALE ?= 1.0
bench: $(VENV)/.installed $(VENV_SAM)/.installed
	$(PY) -m tools.bench --scale $(SCALE)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/ecoguard/ecoguard tools
	@# Every handler is a module named app, so each is checked on its own.
	for app in functions/*/app.py; do $(VENV)/bin/mypy $$app || exit 1; done

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

functional: $(VENV)/.installed
	$(PY) -m pytest tests/functional -q

template: $(VENV)/.installed $(VENV_SAM)/.installed
	$(PY) -m pytest tests/template -q

check: lint typecheck

test: $(VENV)/.installed $(VENV_SAM)/.installed lint typecheck
	ECOGUARD_LEAST_PRIVILEGE=1 $(PY) -m pytest -q

validate: $(VENV_SAM)/.installed
	$(SAM) validate --lint

build: $(VENV_SAM)/.installed
	$(SAM) build

clean:
	rm -rf $(VENV) $(VENV_SAM) .aws-sam .pytest_cache .mypy_cache .ruff_cache
