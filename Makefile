# Inferbench: `make run` sets up and measures a real default configuration; `make test` runs every test.
GO      ?= go
PYTHON  ?= python3
VENV    ?= .venv
BIN     := bin/inferbench
UNAME   := $(shell uname -s)
REQS    := Resources/worker/requirements-$(if $(filter Darwin,$(UNAME)),darwin,linux).txt Resources/worker/requirements-dev.txt
STAMP   := $(VENV)/.inferbench-installed
# The oldest macOS every build (tests' included) targets, defined once in scripts/build.sh.
export MACOSX_DEPLOYMENT_TARGET := $(shell sed -n 's/^export MACOSX_DEPLOYMENT_TARGET=//p' scripts/build.sh)
# Tests fail, rather than skip, when the real worker cannot start.
export INFERBENCH_TEST_PYTHON := $(abspath $(VENV))/bin/python

.PHONY: all build deps setup run app self-test test test-worker test-go test-race test-fuzz vet check-darwin notebook clean

all: build

# System packages: a C compiler for go-sqlite3 (cgo) and Python's venv module.
deps:
	@./scripts/install-deps.sh

# scripts/build.sh carries the flags a Mac build needs (docs/macos.md, "Build flags").
build: deps
	GO=$(GO) ./scripts/build.sh $(BIN)

# The Python environment with the pinned mlx / mlx-lm; redone only when the requirements change.
setup: build $(STAMP)
$(STAMP): $(REQS)
	./$(BIN) setup --venv $(VENV) $(if $(PYTHON),--base-python $(PYTHON)) --dev
	@touch $@

run: setup
	./$(BIN) run --model gpt2 --precision fp32 --context 128 --generate 32 --warmup 1 --repeats 3

# The menu-bar app bundle: bin/Inferbench.app (ad-hoc signed; docs/macos.md explains distribution).
# bin/Inferbench.zip is the same, zipped with ditto so the executable bit and signature survive.
app: build
	./scripts/bundle-app.sh $(BIN) bin

# The menu-bar app starts, shows its status item, menus and windows, renders the controller's
# status and quits (macOS only): first the binary, then the same binary inside the bundle.
self-test: app
	./$(BIN) menubar --self-test
	bin/Inferbench.app/Contents/MacOS/inferbench menubar --self-test

vet: build
	$(GO) vet ./...

# The worker: its type check (mypy.ini) and its tests, against real MLX.
test-worker: setup
	cd Resources/worker && $(abspath $(VENV))/bin/python -m mypy
	cd Resources/worker && $(abspath $(VENV))/bin/python -m pytest -q tests

test-go: setup
	$(GO) test -count=1 ./...

# Type-checks the macOS-only code (GOOS=darwin GOARCH=arm64, cgo on) from any machine.
check-darwin: deps
	$(GO) run ./tools/darwincheck ./...

# The measure-and-record path, the background controller and the sensors under the race
# detector: pause and resume must leave the database consistent.
test-race: setup
	$(GO) test -race -count=1 -run 'Bench' ./app
	$(GO) test -race -count=1 -run 'Controller|Policy' ./app/agent
	$(GO) test -race -count=1 ./engine/sensors ./engine/power

# A short run of each fuzz test (their corpora are in testdata/fuzz): the worker-line reader and
# parser, the list and range syntax, the sweep file.
FUZZTIME ?= 10s
test-fuzz: deps
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEvent$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzReadLine$$' -fuzztime $(FUZZTIME) ./engine
	$(GO) test -run '^$$' -fuzz '^FuzzParseIntList$$' -fuzztime $(FUZZTIME) ./engine/grid
	$(GO) test -run '^$$' -fuzz '^FuzzParseStringList$$' -fuzztime $(FUZZTIME) ./engine/grid
	$(GO) test -run '^$$' -fuzz '^FuzzParseSweepFile$$' -fuzztime $(FUZZTIME) ./engine/grid

# Every target runs, whatever failed before it, and the list of those that failed comes last.
TEST_TARGETS := vet check-darwin test-worker test-go test-race test-fuzz
test:
	@failed=""; \
	for t in $(TEST_TARGETS); do \
		$(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test: passed: $(TEST_TARGETS)"

# The analysis notebook, executed headless on the GPT-2 CPU sweep's export (INFERBENCH_CSV picks
# another), in an environment of its own (pandas, matplotlib, nbclient) beside the worker's.
NBVENV   ?= .venv-notebook
NBSTAMP  := $(NBVENV)/.inferbench-installed
$(NBSTAMP): notebooks/requirements.txt
	$(PYTHON) -m venv $(NBVENV)
	$(NBVENV)/bin/pip install -q -r notebooks/requirements.txt
	@touch $@
notebook: $(NBSTAMP)
	$(NBVENV)/bin/python notebooks/execute.py notebooks/analysis.ipynb --out bin/analysis.ipynb

clean:
	rm -rf bin $(VENV) $(NBVENV)
