"""Rerun coverage: does a rerun in new processes land inside the first run's stored 95% interval?

Runs `inferbench run` once, then N more times with the same flags, each in its own new processes,
and counts the reruns whose decode tokens/s falls inside the first run's stored interval
(decode_tokens_per_sec ± decode_tokens_per_sec_ci95). Every run is printed as a JSON line as it
finishes, so a run cut short still shows what it measured.

    .venv/bin/python bench/coverage.py --reruns 10 -- --model gpt2 --precision fp32 --context 64 --generate 16 --processes 3 --repeats 6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reruns", type=int, default=10)
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    ap.add_argument("flags", nargs="+", help="inferbench run flags, after --")
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.reruns + 1):
            out = subprocess.run(
                [str(args.binary), "run", *args.flags, "--db", str(Path(tmp) / "c.db"), "--format", "json",
                 "--python", os.environ.get("INFERBENCH_PYTHON", sys.executable)], check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            runs.append(r)
            print(json.dumps({k: r.get(k) for k in ("run_id", "decode_tokens_per_sec", "decode_tokens_per_sec_ci95",
                                                  "processes", "stability", "prefill_tokens_per_sec", "device",
                                                  "achieved_bandwidth_gbs", "bandwidth_share", "decode_bound")}),
                  flush=True)
    first = runs[0]
    mean, hw = first["decode_tokens_per_sec"], first["decode_tokens_per_sec_ci95"]
    inside = sum(abs(r["decode_tokens_per_sec"] - mean) <= hw for r in runs[1:])
    print(f"\n{' '.join(args.flags)}; {first['backend']} ({first['device']}), mlx {first['mlx_version']}")
    print(f"first run: {mean:.1f} ± {hw:.1f} tokens/s ({100 * hw / mean:.1f}%, {first['processes']} processes)")
    print("reruns: " + ", ".join(f"{r['decode_tokens_per_sec']:.1f}" for r in runs[1:]))
    print(f"coverage: {inside} of {len(runs) - 1} reruns inside the first run's interval")
    return 0


if __name__ == "__main__":
    sys.exit(main())
