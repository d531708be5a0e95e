#!/usr/bin/env bash
# compare on real measurements: a planted slowdown must be flagged, a re-measurement must not.
# Measures tiny-gpt2 three times into three databases: base, the same again (re-measured), and a
# candidate whose worker shares one core with three busy loops (the planted slowdown), then compares
# base with each. Needs bin/inferbench and a Python with MLX (INFERBENCH_PYTHON or the .venv).
#   bench/compare_planted.sh [folder]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
py=${INFERBENCH_PYTHON:-$PWD/.venv/bin/python}
flags=(--model tiny-gpt2 --precision fp32 --context 64 --generate 32 --repeats 6 --processes 3 --wait --python "$py")
measure() { bin/inferbench run "${flags[@]}" --db "$1" > /dev/null; }
rm -f "$dir"/{base,again,slow}.db*
measure "$dir/base.db"
measure "$dir/again.db"
hogs=()
for _ in 1 2 3; do
  taskset -c 0 "$py" -c 'while True: pass' &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
taskset -c 0 bin/inferbench run "${flags[@]}" --db "$dir/slow.db" > /dev/null
kill "${hogs[@]}"
for cand in again slow; do
  echo "== base against $cand"
  bin/inferbench compare "$dir/base.db" "$dir/$cand.db" && echo "exit 0" || echo "exit $?"
done
