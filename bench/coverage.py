"""Rerun coverage: does a rerun in new processes land inside the first run's stored 95% interval?

Runs `inferbench run` --calibrate times (the machine's history: earlier runs of the configuration,
each in its own process), then once more (the first run, whose stored interval is tested), then
--reruns more times with the same flags, each in new processes, and counts the reruns whose decode
tokens/s falls inside the first run's interval (decode_tokens_per_sec ± decode_tokens_per_sec_ci95).
It also shows what the first run's interval would have been from its own repetitions alone, and
what energy and clocks each run recorded. Every run is printed as a JSON line as it finishes, so a
run cut short still shows what it measured.

    .venv/bin/python bench/coverage.py --calibrate 5 --reruns 10 -- --model gpt2 --precision fp32 --context 64 --generate 16 --repeats 6
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWN = ("run_id", "decode_tokens_per_sec", "decode_tokens_per_sec_ci95", "decode_ci_basis", "decode_ci_dof",
         "processes", "stability", "prefill_tokens_per_sec", "device", "duration_ms", "achieved_bandwidth_gbs",
         "bandwidth_share", "decode_bound", "joules_per_token", "decode_watts", "prefill_watts",
         "power_source_meter", "gpu_clock_mhz_min", "gpu_clock_mhz_max", "cpu_clock_mhz_median", "throttled")

# Student's t, 0.975 quantile, for the within-process interval below (1 to 30 degrees of freedom).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042]


def within_process_half_width(db: Path, run_id: int) -> float:
    """The interval the run would have stored from its own repetitions: t · sd · sqrt(2/n)."""
    with sqlite3.connect(db) as con:
        xs = [r[0] for r in con.execute(
            "SELECT decode_tokens_per_sec FROM samples WHERE run_id = ? ORDER BY rep", (run_id,))]
    n = len(xs)
    return T975[min(n - 1, 30) - 1] * statistics.stdev(xs) * (2 / n) ** 0.5


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibrate", type=int, default=0, help="runs before the first one, as history")
    ap.add_argument("--reruns", type=int, default=10)
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    ap.add_argument("--db", type=Path, help="keep the runs here (default: a temporary file)")
    ap.add_argument("flags", nargs="+", help="inferbench run flags, after --")
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "c.db"
        for i in range(args.calibrate + 1 + args.reruns):
            out = subprocess.run(
                [str(args.binary), "run", *args.flags, "--db", str(db), "--format", "json", "--wait",
                 "--python", os.environ.get("INFERBENCH_PYTHON", sys.executable)], check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            r["role"] = "history" if i < args.calibrate else "first" if i == args.calibrate else "rerun"
            runs.append(r)
            print(json.dumps({"role": r["role"], **{k: r.get(k) for k in SHOWN}}), flush=True)
        first = runs[args.calibrate]
        own = within_process_half_width(db, first["run_id"])
    reruns = runs[args.calibrate + 1:]
    mean, hw = first["decode_tokens_per_sec"], first["decode_tokens_per_sec_ci95"]
    inside = sum(abs(r["decode_tokens_per_sec"] - mean) <= hw for r in reruns)
    inside_own = sum(abs(r["decode_tokens_per_sec"] - mean) <= own for r in reruns)
    print(f"\n{' '.join(args.flags)}; {first['backend']} ({first['device']}), mlx {first['mlx_version']}")
    print("history: " + ", ".join(f"{r['decode_tokens_per_sec']:.1f}" for r in runs[:args.calibrate]))
    print(f"first run: {mean:.1f} ± {hw:.1f} tokens/s ({100 * hw / mean:.1f}%, {first['decode_ci_basis']}, "
          f"{first['decode_ci_dof']} degrees of freedom, {first['processes']} processes)")
    print("reruns: " + ", ".join(f"{r['decode_tokens_per_sec']:.1f}" for r in reruns))
    print(f"coverage: {inside} of {len(reruns)} reruns inside the first run's stored interval")
    print(f"from its own repetitions alone (± {own:.1f}, {100 * own / mean:.1f}%): {inside_own} of {len(reruns)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
