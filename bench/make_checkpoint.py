"""Write a catalog architecture with random weights as a local checkpoint folder.

The folder has what `mlx_lm.load` and `inferbench run --model PATH` read: config.json,
model.safetensors, and a tokenizer built locally with the `tokenizers` package (a word-level
vocabulary of the model's size), so no download is involved.

    python bench/make_checkpoint.py --model gpt2 --dtype float16 --out /tmp/gpt2-random
    python bench/make_checkpoint.py --model gpt2 --dtype float16 --bits 4 --out /tmp/gpt2-int4

With --bits, the weights are quantized as Inferbench's intN precisions quantize them (affine,
group size 64) and the config records it, so mlx_lm loads the folder quantized.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

import mlx.core as mx
import mlx.nn as nn
from mlx_lm.utils import _get_classes, save_config, save_model
from tokenizers import Tokenizer, models, pre_tokenizers

CATALOG = Path(__file__).resolve().parent.parent / "Resources/worker/inferbench_worker/catalog.json"


def build_tokenizer(vocab_size: int, out: Path) -> None:
    vocab = {f"t{i}": i for i in range(vocab_size - 1)}
    vocab["<|endoftext|>"] = vocab_size - 1
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="t0"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "eos_token": "<|endoftext|>",
        "bos_token": "<|endoftext|>",
        "unk_token": "t0",
        "model_max_length": 1 << 20,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2))


def write(name: str, dtype: str, out: Path, seed: int = 0, bits: Optional[int] = None) -> None:
    """Saves catalog model `name` with random weights (drawn from `seed`) at `dtype` into `out`."""
    catalog = json.loads(CATALOG.read_text())
    entry = next((m for m in catalog["models"] if m["name"] == name), None)
    if entry is None:
        names = ", ".join(m["name"] for m in catalog["models"])
        raise SystemExit(f"unknown model {name!r}; choose one of {names}")
    config = dict(entry["config"])
    mx.random.seed(seed)
    model_class, args_class = _get_classes(config)
    model = model_class(args_class.from_dict(config))
    model.set_dtype(getattr(mx, dtype))
    mx.eval(model.parameters())
    if bits:
        # As the worker quantizes (models._quantize): the architecture's own predicate, if any.
        own = getattr(model, "quant_predicate", None)
        predicate = (lambda path, m: hasattr(m, "to_quantized") and own(path, m)) if callable(own) else None
        nn.quantize(model, group_size=64, bits=bits, mode="affine", class_predicate=predicate)
        config["quantization"] = {"group_size": 64, "bits": bits, "mode": "affine"}
        mx.eval(model.parameters())
    out.mkdir(parents=True, exist_ok=True)
    save_model(out, model)
    config["torch_dtype"] = dtype
    save_config(config, out / "config.json")
    build_tokenizer(config["vocab_size"], out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="catalog name, e.g. gpt2 or tiny-gpt2")
    ap.add_argument("--dtype", default="float16", choices=["float32", "float16", "bfloat16"])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bits", type=int, choices=[2, 3, 4, 5, 6, 8], help="quantize (affine, group size 64)")
    args = ap.parse_args()
    write(args.model, args.dtype, args.out, args.seed, args.bits)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
