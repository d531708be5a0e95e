# Inferbench: `make run` sets up and measures a real default configuration; `make test` runs every test.
GO      ?= go
PYTHON  ?= python3
VENV    ?= .venv
BIN     := bin/inferbench
UNAME   := $(shell uname -s)
REQS    := Resources/worker/requirements-$(if $(filter Darwin,$(UNAME)),darwin,linux).txt Resources/worker/requirements-dev.txt
STAMP   := $(VENV)/.inferbench-installed
# Tests fail, rather than skip, when the real worker cannot start.
export INFERBENCH_TEST_PYTHON := $(abspath $(VENV))/bin/python

.PHONY: all build deps setup run app test test-worker test-go test-race vet check-darwin clean

all: build

# System packages: a C compiler for go-sqlite3 (cgo) and Python's venv module.
deps:
	@./scripts/install-deps.sh

build: deps
	$(GO) build -o $(BIN) .

# The Python environment with the pinned mlx / mlx-lm; redone only when the requirements change.
setup: build $(STAMP)
$(STAMP): $(REQS)
	./$(BIN) setup --venv $(VENV) --base-python $(PYTHON) --dev
	@touch $@

run: setup
	./$(BIN) run --model gpt2 --precision fp32 --context 128 --generate 32 --warmup 1 --repeats 3

# The menu-bar app bundle: bin/Inferbench.app (ad-hoc signed; docs/macos.md explains distribution).
app: build
	./scripts/bundle-app.sh $(BIN) bin

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

# The background controller and the sensors under the race detector: pause and resume must leave
# the database consistent.
test-race: setup
	$(GO) test -race -count=1 -run 'Controller|Policy' ./app/agent
	$(GO) test -race -count=1 ./engine/sensors

# Every part runs even when one fails (-k), so one failure does not hide another; make test still
# fails when any part does.
test:
	@$(MAKE) --no-print-directory -k vet check-darwin test-worker test-go test-race

clean:
	rm -rf bin $(VENV)
