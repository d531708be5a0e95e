"""Fidelity: inferbench against mlx_lm.benchmark, whole processes interleaved A B A B.

For each configuration, saves a random-weight catalog model as a checkpoint folder
(bench/make_checkpoint.py), then for each round runs `python -m mlx_lm.benchmark` and
`inferbench run` on it in new processes, one after the other, and takes the ratio inferbench /
mlx_lm of prefill and decode tokens/s. It prints the median ratio over rounds with a bootstrap 95%
interval (rounds resampled as pairs), so a difference that survives the spread between processes
shows as an interval that excludes 1.

Like for like, since the two tools count differently:
- batch 1, prefill: both are prompt tokens / time to first token.
- batch 1, decode: mlx_lm's generation_tps counts g tokens over the time of g-1, so it is scaled by
  (g-1)/g; inferbench counts the g-1 decoded tokens over their own time.
- batch > 1, prefill: BatchGenerator times every prompt token but the last (the last one starts
  generation), so inferbench's side is batch * (context - 1) / prefill_ms, not its time to first token.
- batch > 1, decode: BatchGenerator's generation_tps is generated tokens over the time outside
  prompt processing, its bookkeeping included; inferbench's is decoded tokens over decode time.

    .venv/bin/python bench/fidelity.py --model gpt2 --precision fp16 -p 512 -g 128 -b 1 -b 8 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agreement import DTYPES, ROOT, mlx_lm_benchmark  # noqa: E402


def inferbench(binary: Path, folder: Path, precision: str, p: int, g: int, b: int, n: int, db: Path) -> dict:
    out = subprocess.run(
        [str(binary), "run", "--model", str(folder), "--weights", "checkpoint", "--precision", precision,
         "--context", str(p), "--generate", str(g), "--batch", str(b), "--warmup", "1", "--repeats", str(n),
         "--db", str(db), "--format", "json", "--python", os.environ.get("INFERBENCH_PYTHON", sys.executable)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def bootstrap_median(xs: list[float], draws: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(draws))
    return statistics.median(xs), meds[int(0.025 * draws)], meds[int(0.975 * draws) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="gpt2")
    ap.add_argument("--precision", default="fp16", choices=sorted(DTYPES))
    ap.add_argument("-p", "--prompt-tokens", type=int, default=512)
    ap.add_argument("-g", "--generation-tokens", type=int, default=128)
    ap.add_argument("-b", "--batch", type=int, action="append", help="repeatable; default 1")
    ap.add_argument("-n", "--trials", type=int, default=5, help="trials inside each process")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    ap.add_argument("--json", type=Path, help="also write every round here")
    args = ap.parse_args()
    p, g, n = args.prompt_tokens, args.generation_tokens, args.trials
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / f"{args.model}-random"
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_checkpoint.py"), "--model", args.model,
                        "--dtype", DTYPES[args.precision], "--out", str(folder)], check=True, capture_output=True)
        for b in args.batch or [1]:
            rounds = []
            for r in range(args.rounds):
                t = time.time()
                ref = mlx_lm_benchmark(folder, p, g, b, n)
                ours = inferbench(args.binary, folder, args.precision, p, g, b, n, Path(tmp) / "f.db")
                if b == 1:
                    ref_prefill, our_prefill = ref["prompt_tps"], ours["prefill_tokens_per_sec"]
                    ref_decode = ref["generation_tps"] * (g - 1) / g
                else:
                    ref_prefill, our_prefill = ref["prompt_tps"], b * (p - 1) / (ours["prefill_ms"] / 1000)
                    ref_decode = ref["generation_tps"]
                rounds.append({"round": r, "batch": b, "mlx_lm": ref, "inferbench_prefill": our_prefill,
                               "inferbench_decode": ours["decode_tokens_per_sec"], "mlx_lm_prefill": ref_prefill,
                               "mlx_lm_decode": ref_decode, "seconds": time.time() - t,
                               "backend": f'{ours["backend"]} ({ours["device"]}), mlx {ours["mlx_version"]}, mlx-lm {ours["mlx_lm_version"]}'})
                print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)
            rows.append((b, rounds))
    if args.json:
        args.json.write_text(json.dumps([r for _, rs in rows for r in rs]))
    print(f"\n{args.model} {args.precision}, prompt {p}, generate {g}, {n} trials a process, "
          f"{args.rounds} rounds of mlx_lm then inferbench; {rows[0][1][0]['backend']}\n")
    print("| batch | metric | mlx_lm (median) | inferbench (median) | ratio, median | 95% bootstrap interval |")
    print("| ---: | --- | ---: | ---: | ---: | --- |")
    for b, rounds in rows:
        for metric in ("prefill", "decode"):
            ref = [x[f"mlx_lm_{metric}"] for x in rounds]
            ours = [x[f"inferbench_{metric}"] for x in rounds]
            med, lo, hi = bootstrap_median([o / r for o, r in zip(ours, ref)])
            print(f"| {b} | {metric} tokens/s | {statistics.median(ref):.1f} | {statistics.median(ours):.1f} "
                  f"| {med:.3f} | {lo:.3f} – {hi:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
