"""Where reruns of one configuration spread, and what BatchGenerator's batch-8 numbers count.

Runs the worker's own measurement code (Resources/worker) directly, so nothing but MLX sits between
the timer and the device:

  within   one process, many repetitions back to back: does the rate drift or jump over time?
  between  fresh processes, a few repetitions each: how far apart are their means?
  batch    batch-8 decode timed three ways: the worker's loop over a plain KV cache, the same loop
           over mlx_lm's BatchKVCache (the masks continuous batching needs), and BatchGenerator,
           whose stats split prompt time, decode-step time and the caller-side overhead.

While it runs, `nvidia-smi` (when there is one) samples the GPU's clocks, power and utilisation
every 100 ms; the output joins each repetition to the clocks during it.

    python bench/spread.py --model gpt2 --precision fp16 -p 512 -g 128 --out spread.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Resources" / "worker"))


def cpu_now() -> int:
    """The CPU this process last ran on (Linux), or -1."""
    try:
        return int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return -1


def child(args: argparse.Namespace) -> None:
    """Loads the model once and prints one JSON line per repetition."""
    import mlx.core as mx

    from inferbench_worker.catalog import load_catalog
    from inferbench_worker.measure import MeasureRequest, run_repetition
    from inferbench_worker.models import LoadRequest, load

    loaded = load(load_catalog(), LoadRequest(args.model, args.precision, "random"))
    request = MeasureRequest(context=args.prompt, generate=args.generate, batch=args.batch)
    for i in range(args.warmup + args.reps):
        rep = run_repetition(loaded.model, loaded.vocab_size, request, i)
        lat = sorted(rep.token_latencies_ms)
        print(json.dumps({
            "rep": i - args.warmup, "wall_start": rep.wall_start, "wall_end": rep.wall_end,
            "decode_tps": rep.decode_tokens_per_sec, "ttft_ms": rep.ttft_ms, "prefill_ms": rep.prefill_ms,
            "median_ms": lat[len(lat) // 2], "min_ms": lat[0], "max_ms": lat[-1], "cpu": cpu_now(),
        }), flush=True)
    mx.synchronize()


def batch_child(args: argparse.Namespace) -> None:
    """Batch decode three ways on one loaded model; prints one JSON line per trial and way."""
    import mlx.core as mx
    from mlx_lm.generate import BatchGenerator
    from mlx_lm.models.cache import BatchKVCache, make_prompt_cache

    from inferbench_worker.catalog import load_catalog
    from inferbench_worker.measure import generate_tokens
    from inferbench_worker.models import LoadRequest, load

    loaded = load(load_catalog(), LoadRequest(args.model, args.precision, "random"))
    model, b, p, g = loaded.model, args.batch, args.prompt, args.generate

    def loop(cache: list[Any], prompt: mx.array) -> dict[str, float]:
        stamps: list[float] = []
        pre: list[float] = []
        t0 = time.perf_counter()
        for _ in generate_tokens(model, prompt, cache, g, on_prefilled=lambda: pre.append(time.perf_counter())):
            stamps.append(time.perf_counter())
        steps = stamps[-1] - stamps[0]
        return {"prompt_tps": b * (p - 1) / (pre[0] - t0), "ttft_tps": b * p / (stamps[0] - t0),
                "decode_tps": b * (g - 1) / steps}

    for trial in range(args.warmup + args.reps):
        prompt = mx.random.randint(0, loaded.vocab_size, (b, p), key=mx.random.key(trial))
        mx.eval(prompt)
        rows = {
            "kv_cache": loop(make_prompt_cache(model), prompt),
            "batch_kv_cache": loop([BatchKVCache([0] * b) for _ in make_prompt_cache(model)], prompt),
        }
        gen = BatchGenerator(model, stop_tokens=None)
        gen.insert(prompt.tolist(), [g] * b)
        with gen.stats() as st:
            while gen.next_generated():
                pass
        gen.close()
        rows["batch_generator"] = {"prompt_tps": st.prompt_tps, "decode_step_tps": st.decode_tps,
                                   "generation_tps": st.generation_tps, "overhead_s": st.overhead_time,
                                   "prompt_tokens": st.prompt_tokens, "generation_tokens": st.generation_tokens}
        if trial >= args.warmup:
            print(json.dumps({"trial": trial - args.warmup, **rows}), flush=True)


def run_child(args: argparse.Namespace, mode: str, reps: int) -> list[dict[str, Any]]:
    cmd = [sys.executable, __file__, "--child", mode, "--model", args.model, "--precision", args.precision,
           "-p", str(args.prompt), "-g", str(args.generate), "-b", str(args.batch), "--reps", str(reps),
           "--warmup", str(args.warmup)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def clocks_during(samples: list[dict[str, float]], start: float, end: float) -> dict[str, float]:
    inside = [s for s in samples if start <= s["t"] <= end] or [
        min(samples, key=lambda s: abs(s["t"] - (start + end) / 2))] if samples else []
    if not inside:
        return {}
    return {k: statistics.median(s[k] for s in inside) for k in ("sm_mhz", "mem_mhz", "power_w", "util")}


def read_smi(path: Path) -> list[dict[str, float]]:
    rows = []
    for line in path.read_text().splitlines():
        parts = [x.strip() for x in line.split(",")]
        try:
            rows.append({"t": float(parts[0]), "sm_mhz": float(parts[1]), "mem_mhz": float(parts[2]),
                         "power_w": float(parts[3]), "util": float(parts[4])})
        except (ValueError, IndexError):
            continue
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="gpt2")
    ap.add_argument("--precision", default="fp16")
    ap.add_argument("-p", "--prompt", type=int, default=512)
    ap.add_argument("-g", "--generate", type=int, default=128)
    ap.add_argument("-b", "--batch", type=int, default=1)
    ap.add_argument("--reps", type=int, default=60, help="repetitions in the one long process")
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--reps-each", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--batch-of", type=int, default=8, help="the batch for the batch comparison; 0 skips it")
    ap.add_argument("--child", choices=["reps", "batch"])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child == "reps":
        child(args)
        return 0
    if args.child == "batch":
        batch_child(args)
        return 0

    smi_log = Path(os.environ.get("TMPDIR", "/tmp")) / f"spread-smi-{os.getpid()}.csv"
    smi = None
    if shutil.which("nvidia-smi"):
        # A tiny shell loop stamps each line with Unix time, which nvidia-smi's own timestamp lacks.
        smi = subprocess.Popen(
            ["sh", "-c", "nvidia-smi --query-gpu=clocks.sm,clocks.mem,power.draw,utilization.gpu "
             "--format=csv,noheader,nounits -lms 100 | while IFS= read -r l; do echo \"$(date +%s.%N),$l\"; done"],
            stdout=smi_log.open("w"), stderr=subprocess.DEVNULL, start_new_session=True)
    result: dict[str, Any] = {"config": vars(args) | {"out": str(args.out)}}
    try:
        t = time.time()
        result["within"] = run_child(args, "reps", args.reps)
        result["within_wall_s"] = time.time() - t
        result["between"] = []
        for k in range(args.processes):
            result["between"].append(run_child(args, "reps", args.reps_each))
        if args.batch_of:
            bargs = argparse.Namespace(**{**vars(args), "batch": args.batch_of})
            result["batch"] = run_child(bargs, "batch", 3)
    finally:
        if smi is not None:
            os.killpg(smi.pid, 15)
            smi.wait()
    samples = read_smi(smi_log) if smi is not None else []
    for rep in result["within"] + [r for proc in result["between"] for r in proc]:
        rep["clocks"] = clocks_during(samples, rep["wall_start"], rep["wall_end"])
    result["smi"] = samples

    within = [r["decode_tps"] for r in result["within"]]
    means = [statistics.mean(r["decode_tps"] for r in proc) for proc in result["between"]]
    print(f"{args.model} {args.precision} p{args.prompt} g{args.generate} b{args.batch}")
    print(f"within one process ({len(within)} reps): median {statistics.median(within):.1f} tokens/s, "
          f"min {min(within):.1f}, max {max(within):.1f}, cv {statistics.pstdev(within) / statistics.mean(within):.1%}")
    print(f"between {len(means)} processes (means): {', '.join(f'{m:.1f}' for m in means)}; "
          f"cv {statistics.pstdev(means) / statistics.mean(means):.1%}")
    for row in result.get("batch", []):
        print("batch", json.dumps(row))
    if args.out:
        args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
