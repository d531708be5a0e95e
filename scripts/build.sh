#!/usr/bin/env bash
# Builds the inferbench binary. Every build goes through here (make build, make app,
# scripts/bundle-app.sh, the macOS workflow), so that each carries what a Mac build needs:
#
# - MACOSX_DEPLOYMENT_TARGET, the oldest macOS the binary runs on: MLX's wheels need macOS 14,
#   and Info.plist's LSMinimumSystemVersion says the same (a test checks that they agree).
# - -d=variablemakehash=n for darwinkit's packages: since Go 1.25 the compiler puts small
#   variable-sized make results on the stack, and darwinkit v0.5.0 hands the address of one to
#   libffi, which keeps it in every closure it makes (progrium/darwinkit#286). Inferbench makes
#   no such closure (make check-darwin fails on one), so this only guards darwinkit's own.
#   On Linux no darwinkit package is built and the flag changes nothing.
#
# Usage: scripts/build.sh [output]   (default: bin/inferbench)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/bin/inferbench}"

export MACOSX_DEPLOYMENT_TARGET=14.0
cd "$root"
"${GO:-go}" build -gcflags=github.com/progrium/darwinkit/...=-d=variablemakehash=n -o "$out" .
