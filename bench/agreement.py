"""Compare `inferbench run` with MLX's own `mlx_lm.benchmark` on the same checkpoint.

Saves a random-weight catalog model as a checkpoint folder (bench/make_checkpoint.py), runs
`python -m mlx_lm.benchmark` on it, then `inferbench run --model FOLDER --weights checkpoint` with the
same prompt, generation and batch, and prints both with their ratio.

Definitions differ in one place, and the table shows both: mlx_lm's single-sequence generation_tps
counts the first generated token but not its time (it comes out of prefill), so it is (g/(g-1)) times
Inferbench's decode tokens/s, which counts the g-1 decoded tokens over their own time. Prefill
tokens/s is prompt tokens / time to first token in both.

    .venv/bin/python bench/agreement.py --model gpt2 --precision fp32 -p 128 -g 32 -b 1 -n 3
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def mlx_lm_benchmark(folder: Path, p: int, g: int, b: int, n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "mlx_lm.benchmark", "--model", str(folder), "-p", str(p), "-g", str(g),
         "-b", str(b), "-n", str(n)],
        check=True, capture_output=True, text=True,
    ).stdout
    print(out.strip(), file=sys.stderr)
    line = next(l for l in out.splitlines() if l.startswith("Averages:"))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}


def inferbench_run(binary: Path, folder: Path, precision: str, p: int, g: int, b: int, n: int, db: Path) -> dict:
    out = subprocess.run(
        [str(binary), "run", "--model", str(folder), "--weights", "checkpoint", "--precision", precision,
         "--context", str(p), "--generate", str(g), "--batch", str(b), "--warmup", "1", "--repeats", str(n),
         "--db", str(db), "--format", "json", "--python", sys.executable],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="gpt2")
    ap.add_argument("--precision", default="fp32", choices=sorted(DTYPES))
    ap.add_argument("-p", "--prompt-tokens", type=int, default=128)
    ap.add_argument("-g", "--generation-tokens", type=int, default=32)
    ap.add_argument("-b", "--batch", type=int, action="append", help="repeatable; default 1")
    ap.add_argument("-n", "--trials", type=int, default=3)
    ap.add_argument("--binary", type=Path, default=ROOT / "bin" / "inferbench")
    args = ap.parse_args()
    batches = args.batch or [1]
    p, g, n = args.prompt_tokens, args.generation_tokens, args.trials

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / f"{args.model}-random"
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_checkpoint.py"), "--model", args.model,
                        "--dtype", DTYPES[args.precision], "--out", str(folder)], check=True, capture_output=True)
        rows = []
        for b in batches:
            ref = mlx_lm_benchmark(folder, p, g, b, n)
            ours = inferbench_run(args.binary, folder, args.precision, p, g, b, n, Path(tmp) / "bench.db")
            # Batched mlx_lm counts generated tokens over generation time; single-sequence
            # stream_generate counts g tokens over the time of g-1 (see the docstring).
            ref_decode = ref["generation_tps"] * ((g - 1) / g if b == 1 else 1.0)
            rows.append((b, "prefill tokens/s", ref["prompt_tps"], ours["prefill_tokens_per_sec"]))
            rows.append((b, "decode tokens/s", ref_decode, ours["decode_tokens_per_sec"]))
            rows.append((b, "decode tokens/s (mlx_lm raw)", ref["generation_tps"], ours["decode_tokens_per_sec"]))
            backend = f'{ours["backend"]} ({ours["device"]}), mlx {ours["mlx_version"]}, mlx-lm {ours["mlx_lm_version"]}'

    print(f"\n{args.model} {args.precision}, prompt {p}, generate {g}, {n} trials each; {backend}\n")
    print(f"| batch | metric | mlx_lm.benchmark | inferbench | inferbench / mlx_lm |")
    print(f"| ---: | --- | ---: | ---: | ---: |")
    worst = 0.0
    for b, metric, ref_v, ours_v in rows:
        ratio = ours_v / ref_v
        if "raw" not in metric:
            worst = max(worst, abs(ratio - 1))
        print(f"| {b} | {metric} | {ref_v:.2f} | {ours_v:.2f} | {ratio:.3f} |")
    print(f"\nlargest difference (like for like): {worst * 100:.1f}%")
    return 0 if worst <= 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
