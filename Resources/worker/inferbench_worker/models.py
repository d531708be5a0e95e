"""Building a model at a precision: random weights of a known architecture, or a local checkpoint."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional, cast

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten
from mlx_lm.models.cache import make_prompt_cache
from mlx_lm.utils import get_total_parameters, load_config, load_model

from .catalog import Catalog, CatalogModel, Precision, Quantization
from .errors import invalid

log = logging.getLogger("inferbench_worker")

WeightsChoice = Literal["auto", "random", "checkpoint"]
WEIGHTS_CHOICES: tuple[str, ...] = ("auto", "random", "checkpoint")

# Config keys that carry the longest sequence a model takes, most specific first.
_POSITION_KEYS: tuple[str, ...] = ("n_positions", "n_ctx", "max_position_embeddings", "max_seq_len")


@dataclass(frozen=True)
class LoadRequest:
    model: str
    precision: str
    weights: str = "auto"
    seed: int = 0


@dataclass(frozen=True)
class Source:
    """Where a model comes from, decided before anything is built."""

    config: dict[str, Any]
    checkpoint: Optional[Path]  # a folder to load weights from; None for random weights
    max_positions: Optional[int]  # from the catalog when it names the model
    note: Optional[str]


@dataclass
class LoadedModel:
    model: nn.Module
    name: str
    architecture: str
    weights: Literal["random", "checkpoint"]
    weights_path: Optional[Path]
    precision: Precision
    params: int
    weight_bytes: int
    max_positions: Optional[int]
    vocab_size: int
    load_ms: float
    note: Optional[str]
    layers: Optional[int] = None  # layers holding a KV cache
    kv_bytes_per_token: Optional[int] = None  # K and V bytes one position of one sequence adds

    def event(self, request_id: str) -> dict[str, Any]:
        q = self.precision.quantization
        return {
            "type": "loaded",
            "id": request_id,
            "model": self.name,
            "architecture": self.architecture,
            "weights": self.weights,
            "weights_path": str(self.weights_path) if self.weights_path is not None else None,
            "precision": self.precision.name,
            "dtype": self.precision.dtype,
            "quantization": q.as_dict() if q is not None else None,
            "params": self.params,
            "weight_bytes": self.weight_bytes,
            "max_positions": self.max_positions,
            "vocab_size": self.vocab_size,
            "load_ms": round(self.load_ms, 3),
            "note": self.note,
            "layers": self.layers,
            "kv_bytes_per_token": self.kv_bytes_per_token,
        }


# --- The local Hugging Face cache (never the network) -------------------------------------------


def hf_cache_dir() -> Path:
    """The hub cache folder, resolved from the environment as huggingface_hub does."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if value := os.environ.get(var):
            return Path(value).expanduser()
    if value := os.environ.get("HF_HOME"):
        return Path(value).expanduser() / "hub"
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home).expanduser() / "huggingface" / "hub"


def _has_weights(folder: Path) -> bool:
    return any(folder.glob("model*.safetensors"))


def find_hf_snapshot(repo_id: str) -> Optional[Path]:
    """The cached snapshot of `repo_id` with a config.json, preferring one with weights and refs/main."""
    repo_dir = hf_cache_dir() / f"models--{repo_id.replace('/', '--')}"
    snapshots = repo_dir / "snapshots"
    if not snapshots.is_dir():
        return None
    candidates = sorted(
        (p for p in snapshots.iterdir() if (p / "config.json").is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    main_ref = repo_dir / "refs" / "main"
    if main_ref.is_file():
        main = snapshots / main_ref.read_text(encoding="utf-8").strip()
        candidates.sort(key=lambda p: p != main)  # stable: main first, then newest
    with_weights = [p for p in candidates if _has_weights(p)]
    if with_weights:
        return with_weights[0]
    return candidates[0] if candidates else None


def _download_hint(repo_ids: tuple[str, ...]) -> str:
    target = repo_ids[0] if repo_ids else "<org/name>"
    return (
        f"get one with `hf download {target}` (older huggingface_hub: `huggingface-cli download "
        f"{target}`), or pass the absolute path of a folder with config.json and "
        "model*.safetensors as the model, or use weights=random"
    )


# --- Resolving a model name --------------------------------------------------------------------


def _read_config(folder: Path) -> dict[str, Any]:
    try:
        return load_config(folder)
    except FileNotFoundError as e:
        raise invalid(f"no config.json in {folder}") from e
    except json.JSONDecodeError as e:
        raise invalid(f"{folder / 'config.json'} is not valid JSON: {e}") from e


def _from_catalog(entry: CatalogModel, weights: str) -> Source:
    config = dict(entry.config)
    if weights == "random":
        return Source(config, None, entry.max_positions, None)
    found = [(repo, find_hf_snapshot(repo)) for repo in entry.hf_ids]
    for repo, snapshot in found:
        if snapshot is not None and _has_weights(snapshot):
            note = f"using the local checkpoint of {repo} at {snapshot}"
            return Source(_read_config(snapshot), snapshot, entry.max_positions, note)
    looked = ", ".join(entry.hf_ids)
    if weights == "checkpoint":
        if not entry.hf_ids:
            raise invalid(
                f"{entry.name} has no published checkpoint (it exists only as a catalog shape): "
                "use weights=random or auto, or pass the absolute path of a checkpoint folder"
            )
        raise invalid(
            f"no local checkpoint of {entry.name}: looked for {looked} in the Hugging Face cache "
            f"at {hf_cache_dir()} (models--<org>--<name>/snapshots/* with config.json and "
            f"model*.safetensors); {_download_hint(entry.hf_ids)}"
        )
    if entry.hf_ids:
        note = (
            f"no local checkpoint of {entry.name} (looked for {looked} in the Hugging Face cache): "
            "using random weights of the exact architecture"
        )
    else:
        note = f"{entry.name} has no published checkpoint: using random weights of its architecture"
    return Source(config, None, entry.max_positions, note)


def _from_folder(folder: Path, weights: str) -> Source:
    if not folder.is_dir():
        raise invalid(f"model path {folder} is not a folder")
    config = _read_config(folder)
    if weights == "random":
        return Source(config, None, None, None)
    if _has_weights(folder):
        return Source(config, folder, None, None)
    if weights == "checkpoint":
        raise invalid(
            f"no model*.safetensors in {folder}: weights=checkpoint needs the weights "
            "(use weights=random to measure the architecture with random weights)"
        )
    return Source(config, None, None, f"no model*.safetensors in {folder}: using random weights")


def _from_hf_id(repo_id: str, weights: str) -> Source:
    snapshot = find_hf_snapshot(repo_id)
    if snapshot is None:
        raise invalid(
            f"{repo_id} is not in the local Hugging Face cache at {hf_cache_dir()} (nothing is "
            f"downloaded); {_download_hint((repo_id,))}"
        )
    config = _read_config(snapshot)
    if weights == "random":
        return Source(config, None, None, None)
    if _has_weights(snapshot):
        return Source(config, snapshot, None, f"using the local checkpoint at {snapshot}")
    if weights == "checkpoint":
        raise invalid(
            f"the cached snapshot of {repo_id} at {snapshot} has no model*.safetensors; "
            f"{_download_hint((repo_id,))}"
        )
    return Source(config, None, None, f"the cached {repo_id} has no weights: using random weights")


def resolve(catalog: Catalog, name: str, weights: str) -> Source:
    if not isinstance(name, str) or not name:
        raise invalid("model must be a non-empty string")
    if weights not in WEIGHTS_CHOICES:
        raise invalid(f"unknown weights {weights!r}; valid: {', '.join(WEIGHTS_CHOICES)}")
    if os.path.isabs(name):
        return _from_folder(Path(name), weights)
    entry = catalog.model(name)
    if entry is not None:
        return _from_catalog(entry, weights)
    if name.count("/") == 1 and all(name.split("/")):
        return _from_hf_id(name, weights)
    raise invalid(
        f"unknown model {name!r}; valid: {', '.join(catalog.model_names())}, an absolute path to a "
        "checkpoint folder, or a Hugging Face id (org/name) in the local cache"
    )


# --- Building and converting -------------------------------------------------------------------


def _config_value(config: dict[str, Any], keys: tuple[str, ...]) -> Optional[int]:
    for scope in (config, config.get("text_config") or {}):
        for key in keys:
            value = scope.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def _build_random(config: dict[str, Any]) -> nn.Module:
    """The architecture config describes, with random weights: mlx_lm's own loader, given a
    folder with the config and no weights, builds it as it would a checkpoint."""
    if "model_type" not in config:
        raise invalid("the model's config has no model_type")
    # A checkpoint's own quantization would apply to weights there are none of; the precision
    # asked for is applied afterwards.
    plain = {k: v for k, v in config.items() if k not in ("quantization", "quantization_config")}
    with tempfile.TemporaryDirectory(prefix="inferbench-config-") as folder:
        (Path(folder) / "config.json").write_text(json.dumps(plain))
        try:
            model, _ = load_model(Path(folder), lazy=True, strict=False)
        except ValueError as e:
            if "not supported" in str(e):  # mlx_lm: "Model type X not supported."
                raise invalid(str(e)) from e
            raise invalid(_build_failure(config, e)) from e
        except (TypeError, KeyError, AssertionError) as e:
            raise invalid(_build_failure(config, e)) from e
    return model


def _build_failure(config: dict[str, Any], e: Exception) -> str:
    return f"config of model_type {config.get('model_type')!r} does not build: {type(e).__name__}: {e}"


def _checkpoint_quantization(config: dict[str, Any]) -> Optional[Quantization]:
    q = config.get("quantization")
    if not isinstance(q, dict):
        return None
    try:
        return Quantization(
            mode=str(q.get("mode", "affine")), bits=int(q["bits"]), group_size=int(q["group_size"])
        )
    except (KeyError, TypeError, ValueError) as e:
        raise invalid(f"the checkpoint's quantization settings are unreadable: {q!r}") from e


def _check_checkpoint_precision(folder: Path, have: Quantization, precision: Precision) -> None:
    want = precision.quantization
    if want == have:
        return
    asked = (
        "unquantized" if want is None else f"{want.mode}, {want.bits} bits, group size {want.group_size}"
    )
    raise invalid(
        f"the checkpoint at {folder} is already quantized ({have.mode}, {have.bits} bits, group size "
        f"{have.group_size}); precision {precision.name} asks for {asked}: request the matching "
        "precision, or use an unquantized checkpoint"
    )


def _quantize(model: nn.Module, precision: Precision) -> None:
    q = precision.quantization
    assert q is not None
    # Respect the architecture's own choice of layer settings (mlx_lm's converter does the same);
    # layers it does not exclude are all quantized, none is skipped for its shape.
    model_predicate = getattr(model, "quant_predicate", None)
    predicate = (
        (lambda path, m: hasattr(m, "to_quantized") and model_predicate(path, m))
        if callable(model_predicate)
        else None
    )
    try:
        nn.quantize(model, group_size=q.group_size, bits=q.bits, mode=q.mode, class_predicate=predicate)
    except ValueError as e:  # MLX checks shapes and modes as it builds the graph
        raise invalid(
            f"precision {precision.name} ({q.mode}, {q.bits} bits, group size {q.group_size}) cannot "
            f"quantize this model: {e}"
        ) from e


def load(catalog: Catalog, request: LoadRequest) -> LoadedModel:
    """Builds the model, converts it to the precision and evaluates every parameter."""
    precision = catalog.precision(request.precision)
    source = resolve(catalog, request.model, request.weights)
    start = time.perf_counter()

    already_quantized = False
    if source.checkpoint is not None:
        folder = source.checkpoint
        have = _checkpoint_quantization(source.config)
        if have is not None:  # checked before any weight is read
            _check_checkpoint_precision(folder, have, precision)
        try:
            # Lazy: the weights materialise once, already converted, in the mx.eval below.
            model, config = load_model(folder, lazy=True)
        except ValueError as e:
            raise invalid(f"cannot load the checkpoint at {folder}: {e}") from e
        have = _checkpoint_quantization(config)  # legacy quantization_config formats, now decoded
        if have is not None:
            _check_checkpoint_precision(folder, have, precision)
            already_quantized = True
    else:
        config = source.config
        mx.random.seed(request.seed)
        model = _build_random(config)
        model.eval()

    vocab_size = _config_value(config, ("vocab_size",))
    if vocab_size is None:
        raise invalid("the model's config has no vocab_size")

    params = int(get_total_parameters(model))  # logical count, before quantization
    model.set_dtype(getattr(mx, precision.dtype))
    if precision.quantization is not None and not already_quantized:
        _quantize(model, precision)
    parameters = cast(list[tuple[str, mx.array]], tree_flatten(model.parameters()))
    mx.eval([v for _, v in parameters])
    weight_bytes = sum(int(v.nbytes) for _, v in parameters)
    load_ms = (time.perf_counter() - start) * 1000.0
    layers, kv_bytes = kv_cache_shape(model)

    return LoadedModel(
        model=model,
        name=request.model,
        architecture=str(config.get("model_type", "unknown")),
        weights="checkpoint" if source.checkpoint is not None else "random",
        weights_path=source.checkpoint,
        precision=precision,
        params=params,
        weight_bytes=weight_bytes,
        max_positions=source.max_positions or _config_value(config, _POSITION_KEYS),
        vocab_size=vocab_size,
        load_ms=load_ms,
        note=source.note,
        layers=layers,
        kv_bytes_per_token=kv_bytes,
    )


def kv_cache_shape(model: nn.Module) -> tuple[Optional[int], Optional[int]]:
    """The number of cached layers and the K and V bytes one position of one sequence adds to them,
    read off the cache after one token: the bytes a decoded token reads per position of context.
    Only the graph is built (shapes are known lazily), so nothing runs on the device."""
    try:
        cache = make_prompt_cache(model)
        model(mx.zeros((1, 1), dtype=mx.int32), cache=cache)
        total = 0
        for c in cache:
            keys, values = c.keys, c.values  # (batch, heads, positions allocated, head dim)
            total += (int(keys.nbytes) + int(values.nbytes)) // int(keys.shape[2])
        return len(cache), total
    except Exception:  # an architecture whose cache is not a plain K/V pair: unknown, not a failure
        log.debug("no KV cache shape for this model", exc_info=True)
        return None, None
