# Two commands: `make run` and `make test`. Both set up .venv when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint histories clean postgres-server

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core

# The decision archive's tests also run on a throwaway PostgreSQL cluster (Debian's server).
INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
postgres-server:
	@test -n "$(INITDB)" || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

run: $(STAMP)
	$(PY) -m scripts.run_stack

# Two workers, one per CI core: each has its own Temporal servers, ports and databases.
test: $(STAMP) $(CHROMIUM) postgres-server lint
	$(PY) -m pytest -n 2

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

# Add a set of saved histories for the replay test after a workflow change (never overwrites):
# make histories TAG=what-changed
histories: $(STAMP)
	@test -n "$(TAG)" || { echo "usage: make histories TAG=what-changed"; exit 2; }
	$(PY) -m scripts.record_histories "$(TAG)"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
