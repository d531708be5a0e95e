"""Fidelity: inferbench against mlx_lm.benchmark over a grid, whole processes interleaved A B A B.

Saves every model of the grid as a random-weight checkpoint (bench/make_checkpoint.py): a float16
folder that inferbench loads and converts to each precision, as it converts catalog models, and one
folder per precision saved that way (quantized intN folders from the same float16 weights) that
mlx_lm loads. Then, for each round, one `bench/mlx_lm_grid.py` process runs mlx_lm.benchmark's
loop over every configuration and one `inferbench sweep` process measures them all; the order of
the two alternates from round to round, so a drift of the host does not favour either. For each
configuration it prints the median ratio inferbench / mlx_lm of prefill and decode tokens/s over
rounds with a bootstrap 95% interval (rounds resampled).

With --paired N it then runs, in one more process, N alternating trials of each tool on the same
loaded model per batch-1 configuration (bench/mlx_lm_grid.py --paired), and prints the median of
those paired ratios with a bootstrap interval over pairs: the loops' difference with the spread
between processes taken out.

Like for like, since the two tools count differently:
- batch 1, prefill: both are prompt tokens / time to first token.
- batch 1, decode: mlx_lm's generation_tps counts g tokens over the time of g-1, so it is scaled by
  (g-1)/g; inferbench counts the g-1 decoded tokens over their own time.
- batch > 1, prefill: BatchGenerator times every prompt token but the last (the last one starts
  generation), so inferbench's side is batch * (context - 1) / prefill_ms, not its time to first token.
- batch > 1, decode: BatchGenerator's generation_tps is generated tokens over the time outside
  prompt processing, its bookkeeping included; inferbench's is decoded tokens over decode time.

    .venv/bin/python bench/fidelity.py --model gpt2 --precision fp32,fp16 -p 64 -g 16 -b 1 -b 4 --rounds 5
    INFERBENCH_PYTHON=/tmp/py /tmp/py bench/fidelity.py --model gpt2,gpt2-medium,gpt2-xl \\
        --precision fp16,int4 -b 1 -b 8 --rounds 3 --trials 3 --paired 8 --out /tmp/fidelity
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}
BITS = {"int8": 8, "int6": 6, "int5": 5, "int4": 4, "int3": 3, "int2": 2}


def bootstrap_median(xs: list[float], draws: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(draws))
    return statistics.median(xs), meds[int(0.025 * draws)], meds[int(0.975 * draws) - 1]


def make_checkpoints(python: str, jobs: list[tuple[str, str, int | None, Path]]) -> None:
    """Writes every checkpoint in one process: a process start costs more than a small model."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; import make_checkpoint as m\n"
            "for name, dtype, bits, out in " + repr([(n, d, b, str(o)) for n, d, b, o in jobs]) + ":\n"
            "    m.write(name, dtype, Path(out), bits=bits)\n")
    subprocess.run([python, "-c", code, str(ROOT / "bench")], check=True, capture_output=True)


def mlx_lm_round(python: str, configs: list[dict[str, Any]], folder: Path, paired: int = 0) -> list[dict[str, Any]]:
    spec = folder / "configs.json"
    spec.write_text(json.dumps(configs))
    cmd = [python, str(ROOT / "bench" / "mlx_lm_grid.py"), str(spec)] + (["--paired", str(paired)] if paired else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def inferbench_round(binary: Path, python: str, models: list[str], precisions: list[str], p: int, g: int,
                     batches: list[int], n: int, db: Path) -> dict[tuple[str, str, int], dict[str, float]]:
    subprocess.run(
        [str(binary), "sweep", "--model", ",".join(models), "--weights", "checkpoint",
         "--precision", ",".join(precisions), "--context", str(p), "--generate", str(g),
         "--batch", ",".join(map(str, batches)), "--warmup", "1", "--repeats", str(n), "--db", str(db), "--wait",
         "--python", python],
        check=True, capture_output=True, text=True)
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT model, precision, batch_size, prefill_tokens_per_sec, prefill_ms, "
                           "decode_tokens_per_sec, status FROM runs").fetchall()
    got = {}
    for model, precision, b, prefill, prefill_ms, decode, status in rows:
        if status == "ok":
            got[(model, precision, b)] = {"prefill": prefill, "prefill_ms": prefill_ms, "decode": decode}
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="gpt2", help="comma-separated catalog names")
    ap.add_argument("--precision", default="fp16", help="comma-separated: fp32, fp16, bf16, int8, int4, ...")
    ap.add_argument("-p", "--prompt-tokens", type=int, default=512)
    ap.add_argument("-g", "--generation-tokens", type=int, default=128)
    ap.add_argument("-b", "--batch", type=int, action="append", help="repeatable; default 1")
    ap.add_argument("-n", "--trials", type=int, default=5, help="trials inside each process")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--paired", type=int, default=0, help="then N alternating trials in one process, batch 1")
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    ap.add_argument("--out", type=Path, help="keep every round's JSON and database here")
    args = ap.parse_args()
    python = os.environ.get("INFERBENCH_PYTHON", sys.executable)
    models, precisions = args.model.split(","), args.precision.split(",")
    batches = args.batch or [1]
    p, g, n = args.prompt_tokens, args.generation_tokens, args.trials
    for prec in precisions:
        if prec not in DTYPES and prec not in BITS:
            raise SystemExit(f"precision {prec!r}: choose from {', '.join([*DTYPES, *BITS])}")
    tmpdir = tempfile.TemporaryDirectory()
    work = Path(tmpdir.name)
    out = args.out or work
    out.mkdir(parents=True, exist_ok=True)

    base = {m: work / f"{m}-float16" for m in models}  # what inferbench loads and converts
    folders: dict[tuple[str, str], Path] = {}  # what mlx_lm loads, per model and precision
    jobs: list[tuple[str, str, int | None, Path]] = [(m, "float16", None, f) for m, f in base.items()]
    for m in models:
        for prec in precisions:
            if prec == "fp16":
                folders[(m, prec)] = base[m]
                continue
            folders[(m, prec)] = work / f"{m}-{prec}"
            jobs.append((m, DTYPES.get(prec, "float16"), BITS.get(prec), folders[(m, prec)]))
    t = time.time()
    make_checkpoints(python, jobs)
    print(f"checkpoints: {len(jobs)} in {time.time() - t:.0f} s", file=sys.stderr, flush=True)

    # mlx_lm's configurations in the sweep's order: model, precision, batch.
    configs = [{"model": m, "precision": prec, "folder": str(folders[(m, prec)]), "p": p, "g": g, "b": b, "n": n}
               for m in models for prec in precisions for b in batches]
    rounds: list[dict[str, Any]] = []
    for r in range(args.rounds):
        t = time.time()
        timing: dict[str, float] = {}

        def ours() -> dict[tuple[str, str, int], dict[str, float]]:
            s = time.time()
            got = inferbench_round(args.binary, python, [str(base[m]) for m in models], precisions, p, g, batches, n,
                                   out / f"inferbench-round{r + 1}.db")
            timing["inferbench_s"] = time.time() - s
            return got

        def ref() -> list[dict[str, Any]]:
            s = time.time()
            got = mlx_lm_round(python, configs, work)
            timing["mlx_lm_s"] = time.time() - s
            return got

        if r % 2 == 0:
            theirs, mine = ref(), ours()
        else:
            mine, theirs = ours(), ref()
        for c, res in zip(configs, theirs):
            b = c["b"]
            mine_c = mine.get((str(base[c["model"]]), c["precision"], b))
            if mine_c is None:
                continue
            prompt = statistics.mean(x["prompt_tps"] for x in res["trials"])
            gen = statistics.mean(x["generation_tps"] for x in res["trials"])
            row = {"round": r + 1, "model": c["model"], "precision": c["precision"], "batch": b,
                   "mlx_lm_prefill": prompt, "mlx_lm_decode": gen * (g - 1) / g if b == 1 else gen,
                   "inferbench_prefill": mine_c["prefill"] if b == 1 else b * (p - 1) / (mine_c["prefill_ms"] / 1000),
                   "inferbench_decode": mine_c["decode"], "mlx_lm_trials": res["trials"]}
            rounds.append(row)
        print(json.dumps({"round": r + 1, "seconds": time.time() - t, **timing}), file=sys.stderr, flush=True)
        (out / "fidelity-rounds.json").write_text(json.dumps(rounds, indent=1))

    if rounds:
        print_rounds(out / "inferbench-round1.db", configs, rounds, models, precisions, p, g, n, args.rounds)
    if args.paired:
        t = time.time()
        paired = mlx_lm_round(python, [c for c in configs if c["b"] == 1], work, paired=args.paired)
        (out / "fidelity-paired.json").write_text(json.dumps(paired, indent=1))
        print_paired(paired, args.paired, time.time() - t)
    return 0


def print_rounds(db: Path, configs: list[dict[str, Any]], rounds: list[dict[str, Any]], models: list[str],
                 precisions: list[str], p: int, g: int, n: int, n_rounds: int) -> None:
    with sqlite3.connect(db) as con:
        backend, device, mlx, mlx_lm = con.execute(
            "SELECT backend, device, mlx_version, mlx_lm_version FROM runs LIMIT 1").fetchone()
    print(f"\n{', '.join(models)} × {', '.join(precisions)}, prompt {p}, generate {g}, {n} trials a process, "
          f"{n_rounds} rounds; {backend} ({device}), mlx {mlx}, mlx-lm {mlx_lm}\n")
    print("| model | precision | batch | metric | mlx_lm (median) | inferbench (median) | ratio, median | 95% bootstrap interval |")
    print("| --- | --- | ---: | --- | ---: | ---: | ---: | --- |")
    for c in configs:
        rs = [x for x in rounds if (x["model"], x["precision"], x["batch"]) == (c["model"], c["precision"], c["b"])]
        if not rs:
            continue
        for metric in ("prefill", "decode"):
            theirs_m = [x[f"mlx_lm_{metric}"] for x in rs]
            ours_m = [x[f"inferbench_{metric}"] for x in rs]
            med, lo, hi = bootstrap_median([o / t for o, t in zip(ours_m, theirs_m)])
            print(f"| {c['model']} | {c['precision']} | {c['b']} | {metric} tokens/s | {statistics.median(theirs_m):.1f} "
                  f"| {statistics.median(ours_m):.1f} | {med:.3f} | {lo:.3f} – {hi:.3f} |")


def print_paired(paired: list[dict[str, Any]], trials: int, seconds: float) -> None:
    where = (f"; {paired[0]['device']}, mlx {paired[0]['mlx_version']}, mlx-lm {paired[0]['mlx_lm_version']}"
             if paired else "")
    print(f"\nPaired in one process, {trials} alternating trials each ({seconds:.0f} s{where}):\n")
    print("| model | precision | metric | mlx_lm (median) | inferbench (median) | paired ratio, median | 95% bootstrap interval "
          "| against generate_step alone, median | 95% bootstrap interval |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |")

    def ratios(pairs: list[dict[str, float]], metric: str, ref: str) -> list[str]:
        """The median ratio inferbench / ref and its interval, as two cells."""
        if not all(f"{ref}_{metric}" in x for x in pairs):
            return ["–", "–"]
        med, lo, hi = bootstrap_median([x[f"inferbench_{metric}"] / x[f"{ref}_{metric}"] for x in pairs])
        return [f"{med:.3f}", f"{lo:.3f} – {hi:.3f}"]

    def row(label: list[str], pairs: list[dict[str, float]], metric: str) -> str:
        cells = label + ratios(pairs, metric, "mlx_lm") + ratios(pairs, metric, "mlx_lm_step")
        return "| " + " | ".join(cells) + " |"

    for res in paired:
        for metric in ("prefill", "decode"):
            pairs = res["paired"]
            print(row([res["model"], res["precision"], f"{metric} tokens/s",
                       f"{statistics.median(x[f'mlx_lm_{metric}'] for x in pairs):.1f}",
                       f"{statistics.median(x[f'inferbench_{metric}'] for x in pairs):.1f}"], pairs, metric))
    if len(paired) > 1:
        every = [x for res in paired for x in res["paired"]]
        for metric in ("prefill", "decode"):
            print(row(["every configuration", "", f"{metric} tokens/s", "", ""], every, metric))

if __name__ == "__main__":
    sys.exit(main())
