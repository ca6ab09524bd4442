# Arhan Financial - the whole bank on a laptop. `make up` runs it, `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY313 ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3.13"; [ -x "$$p" ] && echo "$$p" || command -v python3.13)
VENV := .venv
PY := $(VENV)/bin/python
LS_VENV := .localcloud/ls-venv
FN_VENV := .localcloud/fn-venv
UV = $(or $(shell command -v uv),$(CURDIR)/.localcloud/uv/bin/uv)
PORT ?= 4566
export PYTHONPATH := $(CURDIR):$(CURDIR)/functions

.PHONY: help venvs browser node site up down reset status logs invoke deploy watch doctor test test-serial lint typecheck unit localcloud-test \
        integration e2e package bench chaos fuzz openapi lock clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- environments (idempotent, hashed stamps)
# tools/venvs.py (standard library only) syncs the three venvs from the locks with uv, in parallel, and
# leaves any venv whose stamp matches its lock alone (a few milliseconds). Decision 0020.
venvs: ## create or update the three Python 3.13 venvs (uv, in parallel, from the locks)
	@test -n "$(PY313)" || { echo "Python 3.13 not found: pyenv install 3.13.0, or python3.13 on PATH (make doctor)"; exit 1; }
	@$(PY313) tools/venvs.py --python "$(PY313)"

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser: ## Debian's chromium for the browser tests (Playwright's own download cannot work offline)
	@command -v chromium >/dev/null || { echo "- installing chromium (apt)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

node: ## node and npm for the site build
	@command -v npm >/dev/null || { echo "- installing nodejs and npm (apt)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }

site: venvs node ## build the static site into frontend_site/dist (Chart.js from the npm registry)
	@$(PY) -m tools.build_site

# ---------------------------------------------------------------- the local bank
up: venvs site ## start LocalStack (if stopped), deploy the bank (if changed), print the URLs
	@$(PY) -m tools.up --port $(PORT)

deploy: venvs site ## redeploy the stack to the running LocalStack, changed or not
	@$(PY) -m tools.up --port $(PORT) --force --no-start

watch: up ## keep the bank live while you edit: functions/ reload on the next request, site files re-upload
	@$(PY) -m tools.watch --port $(PORT)

doctor: ## check this machine for what the bank needs (Python 3.13, node, chromium, port, disk, venvs)
	@$(or $(PY313),python3) tools/doctor.py --port $(PORT)

down: ## stop LocalStack, keep its state
	@$(PY) -m tools.cloud stop --port $(PORT)

reset: down ## stop LocalStack and wipe all local state
	@rm -rf .localcloud/cloud .localcloud/stack.json
	@echo "local state wiped"

status: ## is the local cloud up, and where
	@$(PY) -m tools.cloud status --port $(PORT)
	@test -f .localcloud/stack.json && cat .localcloud/stack.json || true

logs: ## LocalStack's log and the functions' CloudWatch logs (FN=name to filter, CORRELATION=id to follow one request)
	@$(PY) -m tools.logs --port $(PORT) $(if $(FN),--function $(FN)) $(if $(CORRELATION),--correlation $(CORRELATION))

invoke: ## invoke a deployed function: make invoke FN=IdentityFunction EVENT=events/identity/health.json
	@$(PY) -m tools.invoke --port $(PORT) "$(FN)" "$(EVENT)"

package: venvs ## build the zip real AWS takes (build/lambda.zip) and the packaged template
	@$(PY) -m tools.package

# ---------------------------------------------------------------- checks
lint: venvs ## ruff (lint + format check), the service shape's import contracts, cfn-lint
	$(VENV)/bin/ruff check .
	PYTHONPATH=functions $(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/cfn-lint infra/template.yaml
	$(PY) -m tools.openapi --check

typecheck: venvs ## mypy --strict (the plugins against LocalStack's venv)
	MYPYPATH=functions $(VENV)/bin/mypy
	cd infra/localcloud && ../../$(VENV)/bin/mypy --python-executable ../../$(LS_VENV)/bin/python -p localcloud

unit: venvs ## unit tests (moto, no LocalStack)
	$(PY) -m pytest tests/unit -q -p no:cacheprovider -n 2

localcloud-test: venvs ## the LocalStack plugins' own tests
	$(PY) -m pytest tests/localcloud -q -p no:cacheprovider

integration: venvs ## the deployed stack on a LocalStack the run starts itself
	$(PY) -m pytest tests/integration -q -p no:cacheprovider

e2e: venvs browser node ## the site in headless Chromium against a freshly deployed bank
	$(PY) -m pytest tests/e2e -q -p no:cacheprovider

test: venvs browser node site ## every check and test, in lanes side by side (tools/testrun.py; logs in .localcloud/test-logs)
	@$(PY) -m tools.testrun

test-serial: lint typecheck unit localcloud-test integration e2e ## the same checks and tests one after another

openapi: venvs ## regenerate functions/openapi.json from the code (commit the result)
	$(PY) -m tools.openapi

fuzz: venvs ## schemathesis against a freshly deployed stack, many examples per operation
	FUZZ_EXAMPLES=100 $(PY) -m pytest tests/integration/test_contract_fuzz.py -q -p no:cacheprovider -s

SEEDS ?= 1 2 3
bench: venvs ## measure the bank against the local cloud's ceiling (own LocalStack; bench/results/latest.json + .png)
	$(PY) -m bench.run

chaos: venvs ## seeded chaos with faults, then every money invariant: make chaos SEEDS="1 2 3"
	$(PY) -m bench.chaos $(SEEDS)

lock: venvs ## re-freeze the dev venv into requirements/dev.lock
	@(echo "# Dev venv lock (Python 3.13): tools, test libraries and the runtime packages"; $(UV) pip freeze --python $(PY) --exclude-editable) > requirements/dev.lock

clean: ## remove venvs and build output (not the local cloud's state)
	rm -rf $(VENV) $(LS_VENV) $(FN_VENV) .localcloud/uv build .mypy_cache .ruff_cache
