"""Roofline share per model and precision, from a database of runs.

Runs stored with schema 5 or later carry their roofline (achieved_bandwidth_gbs, bandwidth_share,
decode_bound). Older runs, and runs whose worker could not tell the KV cache's shape, are placed with
the same arithmetic as engine/roofline.go from the catalog's architectures: bytes per decode step =
weight bytes + batch x KV bytes a position x (context + generate / 2), over the median step time.

    python3 bench/roofline.py bench/data/h200-sweep.sqlite --peak-gbs 4800
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KV_ITEMSIZE = {"fp32": 4, "bf16": 2}  # every other precision keeps K and V in fp16


def kv_bytes_per_token(config: dict, precision: str) -> tuple[int, int]:
    layers = config.get("n_layer") or config["num_hidden_layers"]
    if "n_embd" in config:
        width = config["n_embd"]
    else:
        heads = config["num_attention_heads"]
        head_dim = config.get("head_dim") or config["hidden_size"] // heads
        width = config["num_key_value_heads"] * head_dim
    return layers, 2 * layers * width * KV_ITEMSIZE.get(precision, 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", type=Path)
    ap.add_argument("--peak-gbs", type=float, required=True, help="the device's peak memory bandwidth")
    args = ap.parse_args()
    catalog = {m["name"]: m["config"] for m in
               json.loads((ROOT / "Resources/worker/inferbench_worker/catalog.json").read_text())["models"]}
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = db.execute("select model, precision, batch_size, context_tokens, generate_tokens, weight_bytes, "
                      "decode_ms_per_token from runs where status = 'ok' and decode_ms_per_token is not null")
    share: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    per_layer: dict[tuple[str, str, int], list[tuple[float, float]]] = defaultdict(list)
    for model, precision, batch, context, generate, weight_bytes, step_ms in rows:
        layers, kv = kv_bytes_per_token(catalog[model], precision)
        step_bytes = weight_bytes + batch * kv * (context + generate / 2)
        achieved = step_bytes / (step_ms / 1000) / 1e9
        share[(model, precision, batch)].append(achieved / args.peak_gbs)
        # Time per layer against the time to read that layer's bytes at the peak.
        per_layer[(model, precision, batch)].append((step_ms * 1000 / layers,
                                                     step_bytes / layers / (args.peak_gbs * 1e9) * 1e6))
    print(f"| model | precision | batch | share of {args.peak_gbs:.0f} GB/s (median) | µs per layer | µs to read a layer's bytes | bound |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for key in sorted(share, key=lambda k: (list(catalog).index(k[0]), k[1], k[2])):
        s = statistics.median(share[key])
        layer_us = statistics.median(t for t, _ in per_layer[key])
        read_us = statistics.median(r for _, r in per_layer[key])
        bound = "dispatch" if s < 0.5 else "bandwidth"
        print(f"| {key[0]} | {key[1]} | {key[2]} | {100 * s:.1f}% | {layer_us:.1f} | {read_us:.2f} | {bound} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
