# Revstore: `make test` builds everything and runs every test suite.
SWIFT ?= swift
PYTHON ?= python3

.PHONY: build release test test-protocol test-swift test-examples bench clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

test: build test-protocol test-swift test-examples

test-swift: build
	$(SWIFT) test

# The OpenRPC document must be what scripts/build_openrpc.py makes.
test-protocol:
	$(PYTHON) scripts/build_openrpc.py --check

# Runs the README's Python example against the debug build.
test-examples: build
	REVSTORE_BIN=$$($(SWIFT) build --show-bin-path)/revstore $(PYTHON) scripts/run_readme_examples.py README.md

bench: release
	$(PYTHON) bench/transport.py
	$(PYTHON) bench/engine.py
	$(PYTHON) bench/branches.py
	$(PYTHON) bench/queries.py
	$(PYTHON) bench/events.py

clean:
	rm -rf .build bench/bin bench/results
