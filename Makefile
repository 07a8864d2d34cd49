# Revstore: `make test` builds everything and runs every test suite.
SWIFT ?= swift
PYTHON ?= python3

.PHONY: build release test test-protocol test-swift test-examples test-python test-node bench clean
PY_VENV ?= clients/python/.venv
BIN_PATH = $$($(SWIFT) build --show-bin-path)

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

test: build test-protocol test-swift test-examples test-python test-node

test-swift: build
	$(SWIFT) test

# The OpenRPC document must be what scripts/build_openrpc.py makes.
test-protocol:
	$(PYTHON) scripts/build_openrpc.py --check

# Runs the README's Python example against the debug build.
test-examples: build
	REVSTORE_BIN=$(BIN_PATH)/revstore $(PYTHON) scripts/run_readme_examples.py README.md

# The Python client, in a virtual environment of its own, against the debug build.
test-python: build
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q --disable-pip-version-check -e 'clients/python[test]'
	REVSTORE_BIN=$(BIN_PATH)/revstore $(PY_VENV)/bin/python -m pytest -q clients/python

# The Node client (standard library only), with its types checked by tsc.
test-node: build
	cd clients/node && REVSTORE_BIN=$(BIN_PATH)/revstore node --test test/

bench: release
	$(PYTHON) bench/transport.py
	$(PYTHON) bench/engine.py
	$(PYTHON) bench/branches.py
	$(PYTHON) bench/queries.py
	$(PYTHON) bench/events.py

clean:
	rm -rf .build bench/bin bench/results $(PY_VENV)
