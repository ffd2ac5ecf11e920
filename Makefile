# Pellicule — every command a developer or an operator needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8080
# One stage default everywhere (scripts/deploy.sh, cdk.json, infra/config.py): a disposable stack.
STAGE ?= dev
# Context options for make deploy, e.g. CDK_ARGS='-c mailDomain=example.fr -c alarmEmail=ops@example.fr'
CDK_ARGS ?=
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1
# pytest-xdist workers for the moto layers (one per core); XDIST= runs them in one process.
XDIST ?= -n auto
# ...and in `make test`, where the end-to-end lane runs beside them.
LANE_XDIST ?= -n auto

.PHONY: help install demo test test-fast lint lint-web typecheck test-unit test-web test-integration \
        test-infra test-bundle test-e2e system-deps synth deploy deploy-check openapi docs hooks bench bench-scale screenshots clean test-contract

help: ## List the targets
	@echo "Pellicule — make targets:"
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[1m%-17s\033[0m %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.synced node_modules/.installed ## Create .venv and install the pinned dependencies (Python and the CDK CLI)

demo: $(VENV)/.synced ## Run the whole product locally on http://127.0.0.1:8080 (PORT=...; Ctrl-C stops it)
	PORT=$(PORT) $(PY) -m local

system-deps: ## Install the Debian packages the tests need (exiftool, chromium), if missing
	./scripts/ensure-system-deps.sh

# `make test` runs two lanes side by side (about one core each): lint, types, the web app's unit
# tests, the moto layers, the API contract fuzzing as staff and infra one after the other in
# one; the end-to-end layer, the contract fuzzing as a visitor and a parent, then the Lambda
# bundles under Python 3.13, in the other.
test: install system-deps ## Run every test layer: lint, types, web unit, unit, integration, infra, bundles, end-to-end (prints each one's time)
	@scripts/timed-layers.sh \
		"lint+types+web=$(MAKE) --no-print-directory lint typecheck test-web" \
		"unit+integration+security=$(PY) -m pytest tests/unit tests/integration tests/security -q $(LANE_XDIST)" \
		"contract (staff)=$(PY) -m pytest tests/e2e -q -m contract -k 'animator or director'" \
		"infra=$(PY) -m pytest tests/infra -q" \
		-- \
		"e2e=$(PY) -m pytest tests/e2e -q -m 'not contract'" \
		"contract (visitor, parent)=$(PY) -m pytest tests/e2e -q -m contract -k 'anonymous or parent'" \
		"bundle=$(PY) -m pytest tests/bundle -q"

test-fast: $(VENV)/.synced ## The edit-test loop: unit, integration, security; no browser, no ffmpeg-heavy case
	@scripts/timed-layers.sh \
		"fast=$(PY) -m pytest tests/unit tests/integration tests/security -q $(XDIST) -m 'not ffmpeg'"

lint: $(VENV)/.synced lint-web ## Lint and format check (ruff), and ESLint on the web app
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/check_json.py
	$(VENV)/bin/pre-commit validate-config .pre-commit-config.yaml

hooks: $(VENV)/.synced node_modules/.installed ## Install the git pre-commit hook (ruff, format, JSON, ESLint on the staged files)
	$(VENV)/bin/pre-commit install

lint-web: node_modules/.installed ## ESLint (pinned in package.json) on web/ and its unit tests
	node_modules/.bin/eslint web tests/web eslint.config.mjs

typecheck: $(VENV)/.synced ## Type check (mypy)
	$(VENV)/bin/mypy layers/core/pellicule ops/pellicule_ops functions local infra app.py bench

test-unit: $(VENV)/.synced ## Unit tests only (pure logic, real Pillow)
	$(PY) -m pytest tests/unit -q

# The web app's modules import each other as "/lib/i18n.js" (served from web/): register.mjs
# maps those paths to web/ for Node. The tests live outside web/, so they are never deployed.
test-web: ## Unit tests of the web app's pure modules (node --test, tests/web/)
	node --import ./tests/web/register.mjs --test --test-reporter=spec tests/web/*.test.mjs

test-integration: $(VENV)/.synced ## Handlers against moto, and the security attack tests
	$(PY) -m pytest tests/integration tests/security -q $(XDIST)

test-infra: install ## CDK assertions, cdk-nag and cfn-lint (one synth)
	$(PY) -m pytest tests/infra -q

# Builds the layers for this machine's architecture once (.build/layers/<layer>-<machine>-<hash>),
# synthesizes the stack with them and runs each function's bundle under Python 3.13 (pyenv's, or
# PELLICULE_PYTHON313): skipped, saying how to install it, where Python 3.13 is absent.
test-bundle: install ## The Lambda bundles as AWS runs them: Python 3.13, only the bundle on sys.path, one real event per function
	$(PY) -m pytest tests/bundle -q

test-e2e: install system-deps ## The local runtime end to end, and the browser tests in Chromium
	$(PY) -m pytest tests/e2e -q -m 'not contract'

test-contract: $(VENV)/.synced ## Fuzz every API operation against its description (Schemathesis, four roles)
	$(PY) -m pytest tests/e2e -q -m contract

synth: install ## Synthesize the CloudFormation templates into cdk.out (offline, no AWS account)
	$(PY) scripts/keys.py ensure --stage $(STAGE)
	node_modules/.bin/cdk synth --quiet -c stage=$(STAGE)

deploy: install ## Deploy to AWS, unattended (bootstraps when needed): STAGE=dev AWS_REGION=eu-west-3 CDK_ARGS='-c ...'
	STAGE=$(STAGE) ./scripts/deploy.sh -- $(CDK_ARGS)

deploy-check: install ## Offline, every EU region, longest stage: name lengths, synth, infra tests, cfn-lint, rules (minutes)
	$(PY) scripts/deploy_check.py

openapi: $(VENV)/.synced ## Regenerate the API description (layers/core/pellicule/openapi.json) from the routes
	$(PY) scripts/openapi.py

docs: $(VENV)/.synced ## Regenerate the grants table of docs/infrastructure.md from the synthesized stack (a synth when infra/ changed)
	$(PY) scripts/grants.py

screenshots: install system-deps ## Run the Chromium journeys of the README and save their screenshots in docs/screenshots
	PELLICULE_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/e2e/test_journey_browser.py \
		tests/e2e/test_family_news_captions_browser.py tests/e2e/test_album_archive_browser.py \
		tests/e2e/test_trusted_devices_browser.py

bench: $(VENV)/.synced ## Run the benchmarks in bench/ and print their ratios
	$(PY) -m bench

bench-scale: $(VENV)/.synced ## Simulate a week of 10, 100 and 1,000 centres in moto, count AWS units, price them; 500-family load test (bench/results.json)
	$(PY) -m bench.scale

clean: ## Remove build outputs and caches (keeps .keys/)
	rm -rf cdk.out .build .pytest_cache .mypy_cache .ruff_cache
