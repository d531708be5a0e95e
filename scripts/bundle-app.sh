#!/usr/bin/env bash
# Assembles Inferbench.app from a built binary: Contents/MacOS/inferbench, Contents/Info.plist and
# Contents/Resources (the worker tree, its requirements and the icon, if there is one), then signs
# it ad hoc so macOS runs it on this Mac, and zips it as Inferbench.zip with ditto, which keeps
# the executable bit and the signature (a plain zip or an uploaded folder loses them).
# Distribution signing is in docs/macos.md.
#
# Usage: scripts/bundle-app.sh [binary] [output folder]   (defaults: bin/inferbench, bin)
# Without a binary it builds one with scripts/build.sh, which carries the flags a Mac build needs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-}"
out="${2:-$root/bin}"
app="$out/Inferbench.app"

if [[ -z "$bin" ]]; then
	bin="$root/bin/inferbench"
	"$root/scripts/build.sh" "$bin"
fi

if [[ ! -x "$bin" ]]; then
	echo "bundle-app: no executable at $bin; build it with scripts/build.sh (make build)" >&2
	exit 1
fi
# A binary built another way may lack the flags a Mac build needs; Go records them in the binary.
if command -v "${GO:-go}" >/dev/null 2>&1 &&
	! "${GO:-go}" version -m "$bin" | grep -q -- '-gcflags=github.com/progrium/darwinkit/...=-d=variablemakehash=n'; then
	echo "bundle-app: $bin was not built by scripts/build.sh (its build settings lack the darwinkit flag, see docs/macos.md); build it with make build" >&2
	exit 1
fi
if [[ "$(uname -s)" != Darwin ]]; then
	echo "bundle-app: warning: not on macOS; the bundle is assembled but $bin must be a darwin binary to run" >&2
fi

rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources/worker"
cp "$bin" "$app/Contents/MacOS/inferbench"
cp "$root/Info.plist" "$app/Contents/Info.plist"

# The binary embeds the worker and unpacks it itself; the copy lets people see what runs.
worker="$root/Resources/worker"
cp "$worker"/requirements-*.txt "$app/Contents/Resources/worker/"
cp -R "$worker/inferbench_worker" "$app/Contents/Resources/worker/"
find "$app/Contents/Resources/worker" \( -name __pycache__ -o -name '*.pyc' \) -prune -exec rm -rf {} +

if [[ -f "$root/Resources/Inferbench.icns" ]]; then
	cp "$root/Resources/Inferbench.icns" "$app/Contents/Resources/Inferbench.icns"
fi

if command -v codesign >/dev/null 2>&1; then
	codesign --force --deep --sign - "$app"
	echo "Signed ad hoc: $app"
else
	echo "bundle-app: codesign not found; $app is unsigned" >&2
fi
if command -v ditto >/dev/null 2>&1; then
	rm -f "$out/Inferbench.zip"
	ditto -c -k --keepParent "$app" "$out/Inferbench.zip"
	echo "Zipped: $out/Inferbench.zip"
fi
echo "Built $app"
