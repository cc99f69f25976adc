# The single entry point for people and CI. Every target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12: on PATH, or from pyenv.
PY312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { command -v $$p; break; }; done)
PY312_DIR := $(dir $(PY312))
# Python 3.13, for LocalStack only (make deploy-smoke): it imports warnings.deprecated, new in 3.13.
PY313 := $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { command -v $$p; break; }; done)
# LocalStack, pinned, with ecoguard's offline plugins (tools/localstack_plugins): its own virtualenv.
VENV_LOCALSTACK := .venv-localstack
VENV := .venv
VENV_SAM := .venv-sam
# checkov pins its own boto3 and friends, so it too has a virtualenv of its own.
VENV_CHECKOV := .venv-checkov
# Cloud Custodian, the bench's peer (make bench PEER=c7n), pins its own boto3 too.
VENV_C7N := .venv-c7n
PY := $(VENV)/bin/python
SAM := $(VENV_SAM)/bin/sam
export PATH := $(PY312_DIR):$(PATH)
export SAM_CLI_TELEMETRY := 0
export SAM_CLI := $(abspath $(SAM))
export CHECKOV := $(abspath $(VENV_CHECKOV)/bin/checkov)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# One import spelling everywhere: the layer package, the operator's CLI and the local tools.
export PYTHONPATH := $(CURDIR)/layers/ecoguard:$(CURDIR)/cli:$(CURDIR)

# --region and --profile for the ecoguard command, from REGION= and PROFILE=.
AWSFLAGS = $(if $(REGION),--region $(REGION)) $(if $(PROFILE),--profile $(PROFILE))
FN ?= LogRetentionFunction
EVENT ?= events/log_retention/scheduled-sweep.json

ORG_MEMBER := dist/org/ecoguard-member.yaml

.PHONY: chromium sandbox sandbox-stop deploy-smoke doctor org-template help demo test check lint typecheck unit functional template invoke build validate checkov audit restore report report-preview regions kpi-alarms docs clean bench

help:
	@echo "First contact:"
	@echo "  make demo [VERBOSE=1] [ORG=1]  ecoguard on a simulated ML account: dry-run, enforce, restore (ORG=1: 3 accounts)"
	@echo "  make sandbox [PORT=5000]       the demo's account as a local endpoint: prints the AWS_ENDPOINT_URL line"
	@echo "  make sandbox-stop              end it"
	@echo "  make test                      every test (installs what it needs: virtualenvs, Chromium)"
	@echo "A deployed stack (STACK=ecoguard by default; REGION=, PROFILE= pass --region, --profile):"
	@echo "  make audit [STACK=] [TABLE=] [GUARDRAIL=] [JSON=1]   its audit records"
	@echo "  make restore ID=<action_id> [APPLY=1]   undo an applied action (without APPLY: what it would do)"
	@echo "  make report [HTML=file] [CSV=file]      the impact report from its audit table"
	@echo "  make doctor [SIM=1]                     read-only checks after sam deploy (SIM=1: on the demo account)"
	@echo "  make regions                            AWS regions by grid carbon intensity"
	@echo "  make kpi-alarms [POLICY=file]           CloudFormation for the retraining gate's KPI alarms"
	@echo "  make invoke FN=<LogicalId> EVENT=events/<dir>/<file>.json [MODE=enforce] [AWS=1 STACK=]"
	@echo "Build and deploy:"
	@echo "  make build                     sam build (arm64 layer)"
	@echo "  make validate                  sam validate --lint"
	@echo "  make checkov                   checkov on template.yaml and org/management.yaml"
	@echo "  make org-template [ARTIFACT_BUCKET=<bucket>]   StackSet-ready $(ORG_MEMBER) (docs/ORGANIZATIONS.md)"
	@echo "  make deploy-smoke              sam deploy create/update/delete on LocalStack (docs/TESTING.md)"
	@echo "Parts of make test:"
	@echo "  make check                     lint and typecheck"
	@echo "  make lint | typecheck | unit | functional | template"
	@echo "  make chromium                  install Chromium where it can, else say how"
	@echo "Docs and figures:"
	@echo "  make docs                      regenerate the policy schema and docs/POLICY.md's tables"
	@echo "  make report-preview            the demo's report in headless Chromium: screenshots in dist/"
	@echo "  make bench [SCALE=1.0] [PEER=c7n]   sweeps at scale into docs/PERFORMANCE.md (SCALE<1: into dist/)"
	@echo "    [QUOTA=1 [SWEEPS=a,b]]          under the documented quotas and a latency; SWEEPS: only these, the others kept"
	@echo "  make clean                     remove the virtualenvs and caches"

$(PY312):
	@test -n "$(PY312)" || { echo "Python 3.12 not found (on PATH or under ~/.pyenv/versions)"; exit 1; }

$(VENV)/.installed: requirements-dev.txt layers/ecoguard/requirements.txt pyproject.toml
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

$(VENV_CHECKOV)/.installed: requirements-checkov.txt
	@test -n "$(PY312)" || { echo "Python 3.12 not found (on PATH or under ~/.pyenv/versions)"; exit 1; }
	$(PY312) -m venv $(VENV_CHECKOV)
	$(VENV_CHECKOV)/bin/python -m pip install -q --upgrade pip
	$(VENV_CHECKOV)/bin/python -m pip install -q -r requirements-checkov.txt
	touch $@

$(VENV_LOCALSTACK)/.installed: requirements-localstack.txt tools/localstack_plugins/pyproject.toml $(wildcard tools/localstack_plugins/ecoguard_localstack/*.py)
	@test -n "$(PY313)" || { echo "Python 3.13 not found (on PATH or under ~/.pyenv/versions): LocalStack needs it for make deploy-smoke (pyenv install 3.13)"; exit 1; }
	$(PY313) -m venv $(VENV_LOCALSTACK)
	$(VENV_LOCALSTACK)/bin/python -m pip install -q --upgrade pip
	$(VENV_LOCALSTACK)/bin/python -m pip install -q -r requirements-localstack.txt
	$(VENV_LOCALSTACK)/bin/python -m pip install -q --no-deps --no-build-isolation ./tools/localstack_plugins
	rm -rf tools/localstack_plugins/build tools/localstack_plugins/*.egg-info
	touch $@

demo: $(VENV)/.installed
	$(PY) -m tools.simulator $(if $(ORG),org-demo,demo $(if $(VERBOSE),--verbose))

# The report's browser test (tests/functional/test_demo_report.py) and make report-preview render in headless
# Chromium: installed here where it can be (Debian, as root), else make stops at once with the command to run.
BROWSER = $(shell command -v chromium || command -v chromium-browser || command -v google-chrome)
chromium:
	@if [ -n "$(BROWSER)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium (the report's browser test renders in it): apt-get install -y chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "Chromium is not installed. Run: sudo apt-get install -y chromium   (then make $(MAKECMDGOALS) again)"; \
		exit 1; \
	fi

# The demo's account as a local endpoint (tools/simulator/sandbox.py): prints the AWS_ENDPOINT_URL line to use it.
PORT ?= 5000
sandbox: $(VENV)/.installed $(VENV_SAM)/.installed
	$(PY) -m tools.simulator sandbox start --port $(PORT)

sandbox-stop: $(VENV)/.installed
	$(PY) -m tools.simulator sandbox stop

# Needs Chromium (Debian: apt-get install -y chromium); writes dist/ecoguard-report-{1280,390}px.png.
report-preview: chromium $(VENV)/.installed
	$(PY) -m tools.simulator demo > /dev/null
	$(PY) -m tools.report_preview

# Without ARTIFACT_BUCKET the code goes to a local moto_server (127.0.0.1) standing in for S3.
# ARTIFACT_BUCKET=acme-artifacts-{region}: one bucket per region (Lambda reads code from its own region).
org-template: $(VENV)/.installed $(VENV_SAM)/.installed
	$(VENV_SAM)/bin/python tools/org_template.py build $(if $(ARTIFACT_BUCKET),--bucket '$(ARTIFACT_BUCKET)') $(if $(AWS_REGION),--region $(AWS_REGION))

invoke: $(VENV)/.installed
	$(PY) -m tools.simulator invoke $(FN) $(EVENT) $(if $(AWS),--aws) $(if $(MODE),--mode $(MODE)) $(if $(STACK),--stack $(STACK))

audit: $(VENV)/.installed
	$(PY) -m ecoguard_cli audit $(AWSFLAGS) $(if $(TABLE),--table $(TABLE),--stack $(or $(STACK),ecoguard)) $(if $(GUARDRAIL),--guardrail $(GUARDRAIL)) $(if $(JSON),--json)

restore: $(VENV)/.installed
	$(PY) -m ecoguard_cli restore $(AWSFLAGS) $(if $(TABLE),--table $(TABLE) --record-key '$(RECORD_KEY)',--stack $(or $(STACK),ecoguard)) '$(ID)' $(if $(APPLY),--apply)

# Read-only checks of a deployed stack, after every `sam deploy` (docs/DOCTOR.md); SIM=1: the demo account.
doctor: $(VENV)/.installed $(if $(SIM),$(VENV_SAM)/.installed)
	$(if $(SIM),$(PY) -m tools.simulator doctor,$(PY) -m ecoguard_cli doctor $(AWSFLAGS) --stack $(or $(STACK),ecoguard))

docs: $(VENV)/.installed
	$(PY) -m tools.policy_schema
	$(PY) -m tools.policy_docs

report: $(VENV)/.installed
	$(PY) -m ecoguard_cli report $(AWSFLAGS) $(if $(TABLE),--table $(TABLE),--stack $(or $(STACK),ecoguard)) $(if $(HTML),--html $(HTML)) $(if $(CSV),--csv $(CSV))

regions: $(VENV)/.installed
	$(PY) -m ecoguard_cli regions

kpi-alarms: $(VENV)/.installed
	$(PY) -m ecoguard_cli kpi-alarms $(if $(POLICY),--policy $(POLICY))

$(VENV_C7N)/.installed: requirements-c7n.txt
	@test -n "$(PY312)" || { echo "Python 3.12 not found (on PATH or under ~/.pyenv/versions)"; exit 1; }
	$(PY312) -m venv $(VENV_C7N)
	$(VENV_C7N)/bin/python -m pip install -q --upgrade pip
	$(VENV_C7N)/bin/python -m pip install -q -r requirements-c7n.txt
	touch $@

# Every sweep at scale (SCALE=0.1 for a quick run); writes dist/bench.json, and docs/PERFORMANCE.md only
# at full scale. PEER=c7n: instead, ecoguard and Cloud Custodian side by side against one moto server
# (tools/bench/peer.py). QUOTA=1: the account bounded as a real one is (documented quotas, each service's
# throttling answer, LATENCY_MS on every call, each sweep's Lambda timeout TIMEOUT s; tools/bench/quota.py).
SCALE ?= 1.0
PEER ?=
QUOTA ?=
LATENCY_MS ?= 20
TIMEOUT ?= 120
# SWEEPS=: only these (peer: log-retention,s3; else LogicalIds); the others' last figures are kept.
SWEEPS ?=
QUOTA_FLAGS := $(if $(QUOTA),--quota --latency-ms $(LATENCY_MS) --timeout $(TIMEOUT),) $(if $(SWEEPS),--sweeps $(SWEEPS),)
ifeq ($(PEER),c7n)
bench: $(VENV)/.installed $(VENV_C7N)/.installed
	$(PY) -m tools.bench.peer --scale $(SCALE) --custodian $(VENV_C7N)/bin/python $(QUOTA_FLAGS)
else
bench: $(VENV)/.installed $(VENV_SAM)/.installed
	$(PY) -m tools.bench --scale $(SCALE) $(QUOTA_FLAGS)
endif

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/ecoguard/ecoguard cli/ecoguard_cli tools tests
	@# Every handler is a module named app, so each is checked on its own.
	for app in functions/*/app.py; do $(VENV)/bin/mypy $$app || exit 1; done

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

# The doctor's tests deploy template.yaml as SAM translates it (tools/simulator/deployed.py).
functional: $(VENV)/.installed $(VENV_SAM)/.installed
	$(PY) -m pytest tests/functional -q

template: $(VENV)/.installed $(VENV_SAM)/.installed $(VENV_CHECKOV)/.installed
	$(PY) -m pytest tests/template -q

check: lint typecheck

test: chromium $(VENV)/.installed $(VENV_SAM)/.installed $(VENV_CHECKOV)/.installed lint typecheck
	ECOGUARD_LEAST_PRIVILEGE=1 $(PY) -m pytest -q
	$(MAKE) deploy-smoke

# sam build + sam deploy (create, update both ways, delete), the member template by URL and every event
# pattern through TestEventPattern, on LocalStack started on 127.0.0.1 for the run (tests/deploy, README).
deploy-smoke: $(VENV)/.installed $(VENV_SAM)/.installed $(VENV_LOCALSTACK)/.installed
	ECOGUARD_DEPLOY_SMOKE=1 $(PY) -m pytest tests/deploy -q

validate: $(VENV_SAM)/.installed
	$(SAM) validate --lint

checkov: $(VENV_CHECKOV)/.installed
	$(CHECKOV) --file template.yaml --file org/management.yaml --framework cloudformation --compact

build: $(VENV_SAM)/.installed
	$(SAM) build

clean:
	rm -rf $(VENV) $(VENV_SAM) $(VENV_CHECKOV) $(VENV_LOCALSTACK) .aws-sam .pytest_cache .mypy_cache .ruff_cache
