#!/usr/bin/env bash
# The CUDA measurements behind docs/performance.md, in the order they were taken, each phase a few
# minutes. Expects MLX's CUDA backend behind $INFERBENCH_PYTHON (default /tmp/py), the inferbench
# binary at $INFERBENCH_BINARY (default /tmp/ib/inferbench), and writes everything under $OUT.
#   bench/cuda.sh coverage    # worker start-up profile; rerun coverage, gpt2 fp16 b1 and gpt2-xl bf16 b8
#   bench/cuda.sh fidelity    # the fidelity grid against mlx_lm, 3 rounds, then paired trials
#   bench/cuda.sh sweep       # the gpt2-family grid, for the sweep's duty cycle
#   bench/cuda.sh advisor gpt2|llama [again]  # the advisor's sweep, 7 models, in two parts into one
#                             # database; "again" measures a part once more
#   bench/cuda.sh passes N SECONDS  # the advisor's 7-model sweep N times, pass k into its own
#                             # database, within SECONDS; the same command resumes where it stopped
#   bench/cuda.sh host        # the host: topology, what the worker's import spends, paired trials
#                             # against mlx_lm at batch 1, and decode's spread under each placement
set -uo pipefail
cd "$(dirname "$0")/.."
export INFERBENCH_PYTHON=${INFERBENCH_PYTHON:-/tmp/py} PYTHONUNBUFFERED=1
export XDG_DATA_HOME=${XDG_DATA_HOME:-/tmp/inferbench-data} XDG_CACHE_HOME=${XDG_CACHE_HOME:-/tmp/inferbench-cache}
bin=${INFERBENCH_BINARY:-/tmp/ib/inferbench}
py=$INFERBENCH_PYTHON
out=${OUT:?set OUT to the folder for results}
stamp() { date -u +%s.%N; }
# advisor_grid sets grid to one part of the advisor's 7-model sweep: gpt2 or llama.
advisor_grid() {
  case $1 in
  gpt2) grid=(--model gpt2,gpt2-medium,gpt2-large,gpt2-xl --precision fp16,bf16,int8,int4,fp32 --context 128,512,960) ;;
  llama) grid=(--model smollm2-135m,qwen2.5-0.5b,llama-3.2-1b --precision fp16,bf16,int8,int4 --context 128,512,1024) ;;
  *) return 1 ;;
  esac
}

case "${1:-}" in
coverage)
  PYTHONPATH=Resources/worker $py - <<'PY' | tee "$out/startup.txt"
import time
t0 = time.perf_counter()
import mlx.core as mx
t1 = time.perf_counter()
mx.eval(mx.ones((1,)) + 1)
t2 = time.perf_counter()
import mlx_lm.utils  # noqa: F401  (pulls in transformers)
t3 = time.perf_counter()
import inferbench_worker.protocol  # noqa: F401
t4 = time.perf_counter()
print(f"import mlx.core {t1 - t0:.2f} s; first evaluation on {mx.default_device()} {t2 - t1:.2f} s; "
      f"import mlx_lm.utils {t3 - t2:.2f} s; the rest of the worker {t4 - t3:.2f} s")
PY
  for spec in "gpt2-fp16-b1:--model gpt2 --precision fp16 --context 512 --generate 64 --repeats 6" \
              "gpt2-xl-bf16-b8:--model gpt2-xl --precision bf16 --context 512 --generate 32 --batch 8 --repeats 4"; do
    name=${spec%%:*}
    $py bench/coverage.py --calibrate 5 --reruns 10 --binary "$bin" --db "$out/coverage-$name.db" -- ${spec#*:} \
      | tee "$out/coverage-$name.txt"
  done
  ;;
fidelity)
  $py bench/fidelity.py --model gpt2,gpt2-medium,gpt2-xl --precision fp16,int4 -b 1 -b 8 --rounds 3 --trials 3 \
    --paired 6 --binary "$bin" --out "$out/fidelity" 2>&1 | tee "$out/fidelity.md"
  ;;
host)
  { nproc; lscpu | grep -E 'Model name|Socket|Thread|Core|NUMA'; nvidia-smi topo -m; uptime; } 2>&1 | tee "$out/host.txt"
  $py -X importtime -c 'import mlx_lm.utils' 2>&1 | sort -t'|' -k2 -n | tail -12 | tee "$out/import-profile.txt"
  $py bench/fidelity.py --model gpt2,gpt2-medium --precision fp16,int4 -b 1 --rounds 0 --paired 10 \
    --binary "$bin" --out "$out/fidelity" 2>&1 | tee "$out/fidelity-paired.md"
  $py bench/hostnoise.py --binary "$bin" --rounds 6 --placements default,nice --db "$out/hostnoise.db" -- \
    --model gpt2 --precision fp16 --context 512 --generate 64 --repeats 24 2>&1 | tee "$out/hostnoise.md"
  ;;
advisor)
  advisor_grid "${2:-}" || { echo "usage: bench/cuda.sh advisor gpt2|llama [again]" >&2; exit 2; }
  # "again" measures the part a second time into the same database, minutes after the first: the
  # advisor fits each configuration at the mean of its runs, so the host's slow and fast stretches
  # average out.
  [ "${3:-}" = again ] && grid+=(--force)
  # Stopped within ten minutes, so that what was stored is still copied out; the same command resumes.
  timeout 540 "$bin" sweep "${grid[@]}" --batch 1,8 --generate 64 --repeats 5 --db /tmp/advisor.db 2>&1 | tee "$out/advisor-$2${3:+-$3}.log"
  cp /tmp/advisor.db* "$out/"
  ;;
passes)
  # Each pass is a whole sweep of the grid, so a configuration's runs are minutes apart: the host's
  # slow stretches last tens of seconds, and the advisor fits a configuration at its fastest run.
  # Pass k goes to its own database (put together afterwards by `inferbench import`), so a pass cut
  # off by the time limit resumes without measuring again what it already has.
  passes=${2:?usage: bench/cuda.sh passes N SECONDS} end=$(( $(date +%s) + ${3:?seconds} ))
  for pass in $(seq 1 "$passes"); do
    for part in llama gpt2; do
      advisor_grid "$part"
      left=$(( end - $(date +%s) - 10 ))
      [ "$left" -gt 30 ] || break 2
      timeout "$left" "$bin" sweep "${grid[@]}" --batch 1,8 --generate 64 --repeats 3 \
        --db "/tmp/advisor-pass$pass.db" 2>&1 | tee -a "$out/passes-$pass-$part.log" | grep -v '^\[' | tail -3
      tail -1 "$out/passes-$pass-$part.log"
    done
  done
  cp /tmp/advisor-pass*.db* "$out/"
  ;;
sweep)
  start=$(stamp)
  "$bin" sweep --model gpt2,gpt2-medium,gpt2-large,gpt2-xl --precision fp16,bf16,int8,int4,fp32 \
    --context 128,512,960 --batch 1,8 --generate 64 --repeats 5 --db "$out/sweep.db" 2>&1 | tee "$out/sweep.log"
  end=$(stamp)
  echo "wall $start $end" | tee -a "$out/sweep.log"
  ;;
*)
  echo "usage: bench/cuda.sh coverage|fidelity|host|advisor|passes|sweep" >&2
  exit 2
  ;;
esac
