# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
LF := $(VENV)/bin/link-flow
HOST ?= 127.0.0.1
PORT ?= 5000
# The demo connects to systems on this machine (the sandbox, local fakes).
export LINK_FLOW_ALLOW_PRIVATE_TARGETS ?= 1
export LINK_FLOW_PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: install chromium run test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Playwright's own browser download does not work here; Debian's Chromium does.
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

run: install
	$(LF) db upgrade
	$(LF) demo
	@bash -c 'set -m; $(LF) worker & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(LF) run --host $(HOST) --port $(PORT)'

lint: install
	$(VENV)/bin/ruff check link_flow tests scripts examples wsgi.py
	$(VENV)/bin/ruff format --check link_flow tests scripts examples wsgi.py
	$(VENV)/bin/mypy

test: install chromium lint
	$(PY) -m pytest

# Speed and memory targets; see scripts/bench.py.
bench: install
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
