"""Time one `inferbench sweep` against a loop of `mlx_lm.benchmark` processes over the same grid.

Saves each model as a random-weight checkpoint folder (bench/make_checkpoint.py), then measures the
grid models x contexts x batches twice:

  (a) one `inferbench sweep --model FOLDER1,FOLDER2 --weights checkpoint` into a fresh database;
  (b) one `python -m mlx_lm.benchmark` process per configuration, each starting Python, importing
      mlx_lm and loading the weights afresh, as a shell loop over mlx_lm.benchmark does.

Both use this interpreter (sys.executable), the same generation length and the same repetitions:
--repeats measured after one warm-up (mlx_lm.benchmark always does one warm-up; -n is --repeats).

The comparison is repeated --rounds times (default 3), alternating which side goes first. It prints,
per round, the wall time of each side, their ratio (loop / sweep; the target, at least 3x for the
median ratio, sets exit status 1 when missed) and the share of each side's wall time spent inside
measured inference:

  sweep: sum over measured repetitions (warm-ups excluded) of ttft_ms + decode_ms, from
         `inferbench export --format json --samples`, over the sweep's wall time;
  loop:  sum of mlx_lm's per-trial total_time over the loop's wall time.

The defaults finish in about a minute on the Linux CPU backend. On a Mac, try for example

    .venv/bin/python bench/sweep_efficiency.py --models gpt2,gpt2-medium --contexts 128,512,1024 \\
        --batches 1,4 --generate 32 --precision fp16
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}
TRIAL = re.compile(r"^Trial \d+:.*total_time=([0-9.]+)", re.MULTILINE)


def int_list(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def name_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def load_avg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def run_sweep(binary: Path, folders: list[Path], args, db: Path) -> float:
    cmd = [str(binary), "sweep", "--model", ",".join(str(f) for f in folders), "--weights", "checkpoint",
           "--precision", args.precision, "--context", ",".join(map(str, args.contexts)),
           "--batch", ",".join(map(str, args.batches)), "--generate", str(args.generate),
           "--warmup", "1", "--repeats", str(args.repeats), "--db", str(db), "--python", sys.executable]
    if args.quiet:
        cmd.append("--quiet")
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    return time.perf_counter() - tic


def run_loop(folders: list[Path], args) -> tuple[float, float, int]:
    """Returns (wall seconds, summed trial total_time seconds, trial count)."""
    trial_s, trials = 0.0, 0
    tic = time.perf_counter()
    for folder in folders:
        for b in args.batches:
            for p in args.contexts:
                out = subprocess.run(
                    [sys.executable, "-m", "mlx_lm.benchmark", "--model", str(folder), "-p", str(p),
                     "-g", str(args.generate), "-b", str(b), "-n", str(args.repeats)],
                    check=True, capture_output=True, text=True,
                ).stdout
                times = [float(t) for t in TRIAL.findall(out)]
                if len(times) != args.repeats:
                    raise RuntimeError(f"expected {args.repeats} trials from mlx_lm.benchmark, got:\n{out}")
                trial_s += sum(times)
                trials += len(times)
                if not args.quiet:
                    print(f"[loop] {folder.name} ctx {p} batch {b}: trials {', '.join(f'{t:.3f}' for t in times)} s",
                          file=sys.stderr)
    return time.perf_counter() - tic, trial_s, trials


def export(binary: Path, db: Path, samples: bool) -> list[dict]:
    cmd = [str(binary), "export", "--db", str(db), "--format", "json"] + (["--samples"] if samples else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=name_list, default=name_list("tiny-gpt2,tiny-llama"),
                    help="catalog names, comma-separated (default tiny-gpt2,tiny-llama)")
    ap.add_argument("--contexts", type=int_list, default=int_list("32,64,128"), help="default 32,64,128")
    ap.add_argument("--batches", type=int_list, default=int_list("1,4"), help="default 1,4")
    ap.add_argument("--generate", type=int, default=16, help="default 16")
    ap.add_argument("--repeats", type=int, default=3, help="measured repetitions after one warm-up (default 3)")
    ap.add_argument("--precision", default="fp32", choices=sorted(DTYPES), help="default fp32")
    ap.add_argument("--rounds", type=int, default=3,
                    help="times to repeat the comparison, alternating which side goes first; the target "
                         "applies to the median ratio (default 3)")
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    ap.add_argument("--target", type=float, default=3.0, help="minimum loop / sweep ratio (default 3)")
    ap.add_argument("--quiet", action="store_true", help="no per-configuration progress on stderr")
    args = ap.parse_args()
    if not args.binary.exists():
        print(f"{args.binary} not found; build it with `make build`", file=sys.stderr)
        return 2
    configs = len(args.models) * len(args.contexts) * len(args.batches)
    rows = []

    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for m in args.models:
            folder = Path(tmp) / m
            subprocess.run([sys.executable, str(ROOT / "bench" / "make_checkpoint.py"), "--model", m,
                            "--dtype", DTYPES[args.precision], "--out", str(folder)],
                           check=True, capture_output=True)
            folders.append(folder)

        started = datetime.now(timezone.utc)
        load_before = load_avg()
        for rnd in range(args.rounds):
            db = Path(tmp) / f"sweep-{rnd}.db"
            # Alternate which side goes first, so drift in the machine's load does not favour one side.
            if rnd % 2 == 0:
                sweep_s = run_sweep(args.binary, folders, args, db)
                loop_s, loop_trial_s, loop_trials = run_loop(folders, args)
            else:
                loop_s, loop_trial_s, loop_trials = run_loop(folders, args)
                sweep_s = run_sweep(args.binary, folders, args, db)
            runs = export(args.binary, db, samples=False)
            samples = export(args.binary, db, samples=True)
            ok = [r for r in runs if r["status"] == "ok"]
            if len(ok) != configs or len(samples) != configs * args.repeats or loop_trials != len(samples):
                print(f"sweep stored {len(ok)} ok runs of {configs} and {len(samples)} samples; "
                      f"loop timed {loop_trials} trials", file=sys.stderr)
                return 2
            # Samples are the measured repetitions only; warm-ups are not stored.
            sweep_infer_s = sum(s["ttft_ms"] + (s["decode_ms"] or 0.0) for s in samples) / 1000.0
            # The first configuration of each model and precision starts its worker and loads the
            # weights, and its duration_ms includes that; what is outside every duration_ms is the
            # CLI itself (start, database, planning, and the worker it asks for the MLX version).
            seen, start_ms, rest_ms = set(), 0.0, 0.0
            for r in sorted(runs, key=lambda r: r["run_id"]):
                key = (r["model"], r["precision"])
                if key in seen:
                    rest_ms += r["duration_ms"]
                else:
                    seen.add(key)
                    start_ms += r["duration_ms"]
            rows.append(dict(order="sweep first" if rnd % 2 == 0 else "loop first", sweep_s=sweep_s,
                             loop_s=loop_s, ratio=loop_s / sweep_s, sweep_infer_s=sweep_infer_s,
                             loop_trial_s=loop_trial_s, first_s=start_ms / 1000, rest_s=rest_ms / 1000,
                             outside_s=sweep_s - (start_ms + rest_ms) / 1000, workers=len(seen)))
            info = runs[0]
        load_after = load_avg()

    print(f"\n{started:%Y-%m-%d %H:%M} UTC; {platform.system()} {platform.machine()}, {os.cpu_count()} cores; "
          f"MLX backend {info['backend']} ({info['device']}), mlx {info['mlx_version']}, "
          f"mlx-lm {info['mlx_lm_version']}, Python {info['python_version']}")
    print(f"grid: {', '.join(args.models)} x context {','.join(map(str, args.contexts))} x batch "
          f"{','.join(map(str, args.batches))} = {configs} configurations; {args.precision}, generate "
          f"{args.generate}, 1 warm-up + {args.repeats} measured each; sweep: 1 CLI + {rows[0]['workers']} "
          f"worker(s), loop: {configs} processes")
    print(f"load average (1, 5, 15 min) before: {load_before}; after: {load_after}\n")
    print("| round | order | sweep wall (s) | loop wall (s) | loop / sweep | sweep inference share | "
          "loop inference share |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for i, r in enumerate(rows, 1):
        print(f"| {i} | {r['order']} | {r['sweep_s']:.2f} | {r['loop_s']:.2f} | {r['ratio']:.2f}x | "
              f"{100 * r['sweep_infer_s'] / r['sweep_s']:.1f}% | {100 * r['loop_trial_s'] / r['loop_s']:.1f}% |")
    med = lambda k: statistics.median(r[k] for r in rows)
    ratio = med("ratio")
    if len(rows) > 1:
        share = lambda num, den: 100 * statistics.median(r[num] / r[den] for r in rows)
        print(f"| median | | {med('sweep_s'):.2f} | {med('loop_s'):.2f} | {ratio:.2f}x | "
              f"{share('sweep_infer_s', 'sweep_s'):.1f}% | {share('loop_trial_s', 'loop_s'):.1f}% |")
    print(f"\nmeasured inference (s, median): sweep {med('sweep_infer_s'):.2f} (ttft_ms + decode_ms of "
          f"{configs * args.repeats} repetitions), loop {med('loop_trial_s'):.2f} (mlx_lm trial total_time)")
    print(f"sweep wall split (s, median): configurations that started a worker {med('first_s'):.2f}, "
          f"the other configurations {med('rest_s'):.2f}, outside any configuration {med('outside_s'):.2f}; "
          f"loop: {med('loop_s') / configs:.2f} per process")
    print(f"loop / sweep wall time (median of {len(rows)}): {ratio:.2f}x (target >= {args.target:g}x)")
    return 0 if ratio >= args.target else 1

if __name__ == "__main__":
    sys.exit(main())
