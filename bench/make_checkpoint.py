"""Write a catalog architecture with random weights as a local checkpoint folder.

The folder has what `mlx_lm.load` and `inferbench run --model PATH` read: config.json,
model.safetensors, and a tokenizer built locally with the `tokenizers` package (a word-level
vocabulary of the model's size), so no download is involved.

    python bench/make_checkpoint.py --model gpt2 --dtype float16 --out /tmp/gpt2-random
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import mlx.core as mx
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="catalog name, e.g. gpt2 or tiny-gpt2")
    ap.add_argument("--dtype", default="float16", choices=["float32", "float16", "bfloat16"])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    catalog = json.loads(CATALOG.read_text())
    entry = next((m for m in catalog["models"] if m["name"] == args.model), None)
    if entry is None:
        names = ", ".join(m["name"] for m in catalog["models"])
        print(f"unknown model {args.model!r}; choose one of {names}", file=sys.stderr)
        return 2
    config = dict(entry["config"])
    mx.random.seed(args.seed)
    model_class, args_class = _get_classes(config)
    model = model_class(args_class.from_dict(config))
    model.set_dtype(getattr(mx, args.dtype))
    mx.eval(model.parameters())

    args.out.mkdir(parents=True, exist_ok=True)
    save_model(args.out, model)
    config["torch_dtype"] = args.dtype
    save_config(config, args.out / "config.json")
    build_tokenizer(config["vocab_size"], args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
