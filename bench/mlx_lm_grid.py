"""mlx_lm.benchmark's timing loop over several configurations in one process, and a paired mode.

Grid mode runs, for each configuration in a JSON file, exactly what `python -m mlx_lm.benchmark`
runs (mlx_lm 0.32: seed 0, random prompts of the vocabulary, one warm-up, then trials of
stream_generate at batch 1 or batch_generate above it) and prints one JSON line per
configuration with every trial's prompt_tps, generation_tps and peak_memory. One process serves
all of them, as one inferbench sweep does, so a round of the fidelity benchmark pays two process
starts, not two per configuration.

Paired mode (--paired N) loads each batch-1 configuration once and rotates, trial by trial,
mlx_lm's stream_generate, the Inferbench worker's own repetition (inferbench_worker.measure) and
mlx_lm's generate_step alone (stream_generate without its detokenizer and per-token response) on
the same model in the same process. Both then meet the same host at the same moment, so their ratio
shows what the two measurement loops differ by with the spread between processes and over time
taken out.

    python bench/mlx_lm_grid.py configs.json            # [{"folder": ..., "p": 512, "g": 128, "b": 1, "n": 3}, ...]
    python bench/mlx_lm_grid.py configs.json --paired 8
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx_lm
from mlx_lm import batch_generate, load, stream_generate
from mlx_lm.generate import generate_step

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Resources" / "worker"))


def bench_fn(model: Any, tokenizer: Any, p: int, g: int, b: int, vocab: int):  # type: ignore[no-untyped-def]
    """mlx_lm.benchmark's single_bench / batch_bench for one configuration."""
    mx.random.seed(0)
    prompts = mx.random.randint(0, vocab, (b, p)).tolist()
    if b == 1:
        def single():  # type: ignore[no-untyped-def]
            for response in stream_generate(model, tokenizer, prompts[0], max_tokens=g, prefill_step_size=2048):
                pass
            return response
        return single
    return lambda: batch_generate(model, tokenizer, prompts, max_tokens=g, prefill_step_size=2048).stats


def step_fn(model: Any, p: int, g: int, vocab: int):  # type: ignore[no-untyped-def]
    """mlx_lm's generate_step alone, the loop stream_generate drives, without its detokenizer and
    per-token response: prompt tokens/s and decode tokens/s counted as stream_generate counts them."""
    mx.random.seed(0)
    prompt = mx.random.randint(0, vocab, (p,))

    def run() -> tuple[float, float]:
        tic = time.perf_counter()
        first = tic
        for n, _ in enumerate(generate_step(prompt, model, max_tokens=g, prefill_step_size=2048)):
            if n == 0:
                first = time.perf_counter()
        return p / (first - tic), (g - 1) / (time.perf_counter() - first)
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("configs", type=Path)
    ap.add_argument("--paired", type=int, default=0, help="alternating trials of each tool, batch 1 only")
    args = ap.parse_args()
    configs = json.loads(args.configs.read_text())
    loaded: dict[str, Any] = {}
    for c in configs:
        if args.paired and c["b"] != 1:
            continue
        folder = c["folder"]
        if folder not in loaded:
            loaded.clear()  # one model in memory at a time
            mx.clear_cache()
            model, tokenizer, config = load(folder, return_config=True)
            tokenizer._eos_token_ids = {}  # as mlx_lm.benchmark: no early stop
            loaded[folder] = (model, tokenizer, config)
        model, tokenizer, config = loaded[folder]
        vocab = config.get("vocab_size") or config["text_config"]["vocab_size"]
        p, g, b = c["p"], c["g"], c["b"]
        fn = bench_fn(model, tokenizer, p, g, b, vocab)
        t0 = time.time()
        fn()  # warm-up
        if not args.paired:
            trials = [fn() for _ in range(c["n"])]
            keys = ("prompt_tps", "generation_tps", "peak_memory")
            print(json.dumps({**c, "trials": [{k: getattr(r, k) for k in keys} for r in trials],
                              "seconds": time.time() - t0}), flush=True)
            continue
        from inferbench_worker.measure import MeasureRequest, run_repetition

        request = MeasureRequest(context=p, generate=g, batch=1)
        run_repetition(model, vocab, request, 0)  # the worker's warm-up
        step = step_fn(model, p, g, vocab)
        step()  # warm-up
        pairs = []
        arms = ("mlx_lm", "inferbench", "mlx_lm_step")
        for i in range(args.paired):
            # Rotate which goes first, so none always follows another.
            order = arms[i % 3:] + arms[:i % 3]
            got: dict[str, Any] = {}
            for who in order:
                if who == "mlx_lm":
                    r = fn()
                    got["mlx_lm_prefill"] = r.prompt_tps
                    got["mlx_lm_decode"] = r.generation_tps * (g - 1) / g  # g tokens over the time of g-1
                elif who == "mlx_lm_step":
                    got["mlx_lm_step_prefill"], got["mlx_lm_step_decode"] = step()
                else:
                    rep = run_repetition(model, vocab, request, i + 1)
                    got["inferbench_prefill"] = rep.prefill_tokens_per_sec
                    got["inferbench_decode"] = rep.decode_tokens_per_sec
            pairs.append(got)
        print(json.dumps({**c, "paired": pairs, "seconds": time.time() - t0, "device": str(mx.default_device()),
                          "mlx_version": mx.__version__, "mlx_lm_version": mlx_lm.__version__}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
