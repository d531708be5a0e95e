#!/usr/bin/env bash
# Installs the system packages Inferbench builds with, where they are missing: a C compiler (the
# SQLite driver uses cgo) and Python's venv module. Uses apt-get on Debian and Ubuntu; elsewhere it
# says what to install.
set -euo pipefail

missing=()
command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
else
  missing+=(python3 python3-venv)
fi
command -v go >/dev/null 2>&1 || { echo "Go is not installed: get Go 1.26 or newer from go.dev/dl" >&2; exit 1; }

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(uname -s)" = "Darwin" ]; then
  echo "Missing: ${missing[*]}. Install the Xcode command line tools (xcode-select --install) and Python 3.10+." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing: ${missing[*]}. Install them with your package manager." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${missing[*]} with apt-get"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
