# Revstore: `make test` builds everything and runs every test suite.
SWIFT ?= swift
PYTHON ?= python3
PREFIX ?= /usr/local

.PHONY: build release install dist venv test test-protocol test-swift test-examples test-python test-mcp test-node test-fuzz test-soak fuzz fuzz-build soak bench clean
PY_VENV ?= clients/python/.venv
# The release binary every suite but the Swift one runs; built once per `make test`.
RELEASE_BIN = .build/release/revstore
# Holds only SQLite's static library, so the linker takes it over the shared one.
STATIC_LIBS = .build/static-libs

build:
	$(SWIFT) build

# A self-contained binary: the Swift runtime and SQLite linked in, only the C library shared.
release:
	@mkdir -p $(STATIC_LIBS)
	@lib="$$(cc -print-file-name=libsqlite3.a)"; if [ -f "$$lib" ]; then ln -sf "$$lib" $(STATIC_LIBS)/libsqlite3.a; \
	  else echo "libsqlite3.a not found: SQLite stays a shared library" >&2; fi
	$(SWIFT) build -c release --product revstore --static-swift-stdlib -Xlinker -L$(CURDIR)/$(STATIC_LIBS)

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -s -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/revstore

# dist/: a platform wheel of the Python client and an npm tarball of the Node client, each
# carrying the release binary.
dist: release
	@mkdir -p dist
	REVSTORE_BUNDLE=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) -m pip wheel -q --disable-pip-version-check --no-deps -w dist ./clients/python
	$(PYTHON) scripts/pack_node.py --binary $(RELEASE_BIN) --out dist

test: build release test-protocol test-swift test-examples test-python test-mcp test-node test-fuzz test-soak

# A run normally takes about a minute. Once in a dozen runs here the suite has hung (every
# process idle); a hang is stopped after 10 minutes and the suite run once more. A test that
# fails is never re-run.
test-swift: build
	@timeout -k 10 600 $(SWIFT) test; status=$$?; \
	if [ $$status -eq 124 ] || [ $$status -eq 137 ]; then \
	  echo "swift test hung for 10 minutes; running it once more" >&2; timeout -k 10 600 $(SWIFT) test; \
	else exit $$status; fi

# Fuzz/: libFuzzer targets, built with coverage instrumentation under .build/fuzz. `make fuzz`
# runs each for FUZZ_SECONDS from its seed corpus (Fuzz/Corpus) and what earlier runs found
# (kept in .build/fuzz/corpus), then the protocol fuzzer against the release build for as long;
# a failing input is saved to .build/fuzz/artifacts.
FUZZ_TARGETS = FuzzJSON FuzzFramer FuzzPatch FuzzQuery
FUZZ_SECONDS ?= 300
FUZZ_BUILD = .build/fuzz

fuzz-build:
	cd Fuzz && $(SWIFT) build -c release --sanitize=fuzzer --build-path ../$(FUZZ_BUILD)

fuzz: fuzz-build release
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$target; log=$(FUZZ_BUILD)/$$target.log; \
	  if SWIFT_BACKTRACE=enable=no $(FUZZ_BUILD)/release/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$target- $(FUZZ_BUILD)/corpus/$$target Fuzz/Corpus/$$target >$$log 2>&1; then \
	    printf '%-11s %s executions, %s coverage edges, %s inputs in the corpus\n' $$target \
	      "$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log)" \
	      "$$(grep -o 'cov: [0-9]*' $$log | tail -1 | cut -d' ' -f2)" "$$(ls $(FUZZ_BUILD)/corpus/$$target | wc -l)"; \
	  else tail -n 40 $$log; echo "$$target failed: see $$log and $(FUZZ_BUILD)/artifacts" >&2; exit 1; fi; \
	done
	$(PYTHON) Fuzz/protocol.py --binary $(RELEASE_BIN) --seconds $(FUZZ_SECONDS)

# A short run of every fuzz target.
test-fuzz:
	$(MAKE) fuzz FUZZ_SECONDS=10

# kill -9 rounds under a multi-process write load, then disk-full and read-only storage (those
# where the machine lets us mount a tmpfs).
SOAK_ROUNDS ?= 100
soak: release
	$(PYTHON) Fuzz/soak.py --binary $(RELEASE_BIN) --rounds $(SOAK_ROUNDS)

test-soak:
	$(MAKE) soak SOAK_ROUNDS=10

# The OpenRPC document must be what scripts/build_openrpc.py makes; nothing may point outside
# the repository.
test-protocol:
	$(PYTHON) scripts/build_openrpc.py --check
	$(PYTHON) scripts/check_self_contained.py

# The README's quick starts, run as a new user would: from the packages `make dist` writes.
test-examples: dist
	$(PYTHON) scripts/run_readme_examples.py README.md

# One virtual environment for the Python suites: the client (editable) with its LangGraph
# checkpointers, and the MCP SDK.
venv:
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q --disable-pip-version-check -e 'clients/python[test,langgraph]' -r tests/mcp/requirements.txt

# The Python client against the release build.
test-python: release venv
	REVSTORE_BIN=$(CURDIR)/$(RELEASE_BIN) $(PY_VENV)/bin/python -m pytest -q clients/python

# `revstore mcp`, driven by the official MCP SDK's stdio client.
test-mcp: release venv
	REVSTORE_BIN=$(CURDIR)/$(RELEASE_BIN) $(PY_VENV)/bin/python -m pytest -q -p no:asyncio tests/mcp

# The Node client (standard library only), with its types checked by tsc.
test-node: release
	cd clients/node && REVSTORE_BIN=$(CURDIR)/$(RELEASE_BIN) node --test test/

bench: release venv
	$(PYTHON) bench/transport.py
	$(PYTHON) bench/engine.py
	$(PYTHON) bench/branches.py
	$(PYTHON) bench/queries.py
	$(PYTHON) bench/events.py
	$(PYTHON) bench/storage.py
	$(PYTHON) bench/requests.py
	$(PY_VENV)/bin/python bench/langgraph.py

clean:
	rm -rf .build dist bench/bin bench/results $(PY_VENV)
