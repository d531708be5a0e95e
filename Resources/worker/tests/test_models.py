from __future__ import annotations

import json
from pathlib import Path
import mlx.core as mx
import pytest
from mlx.utils import tree_flatten
from mlx_lm.utils import save_config, save_model

from inferbench_worker.catalog import load_catalog
from inferbench_worker.errors import WorkerError
from inferbench_worker.models import LoadedModel, LoadRequest, load, resolve

CATALOG = load_catalog()
TINY_GPT2_PARAMS = 149248  # wte 512x64 + wpe 256x64 + 2 blocks of 49728 + ln_f 128


def _load(model: str, precision: str = "fp16", weights: str = "random", seed: int = 0) -> LoadedModel:
    return load(CATALOG, LoadRequest(model=model, precision=precision, weights=weights, seed=seed))


def _invalid(model: str, precision: str = "fp16", weights: str = "random") -> str:
    with pytest.raises(WorkerError) as raised:
        _load(model, precision, weights)
    assert raised.value.kind == "invalid"
    return raised.value.message


@pytest.mark.parametrize("precision", list(CATALOG.precisions))
def test_every_precision_loads_tiny_gpt2(precision: str) -> None:
    loaded = _load("tiny-gpt2", precision)
    entry = CATALOG.precisions[precision]
    assert loaded.architecture == "gpt2"
    assert loaded.weights == "random" and loaded.weights_path is None
    assert loaded.params == TINY_GPT2_PARAMS
    assert loaded.max_positions == 256 and loaded.vocab_size == 512
    assert loaded.load_ms > 0
    parameters = tree_flatten(loaded.model.parameters())
    assert loaded.weight_bytes == sum(v.nbytes for _, v in parameters)
    bits = entry.get("bits_per_weight", entry.get("bits"))
    # In memory the weights take about their bits (plus scales), never more than 16-bit storage.
    assert loaded.weight_bytes <= TINY_GPT2_PARAMS * max(bits, 16) / 8 + 1
    if "mode" in entry:
        assert loaded.precision.quantization is not None
        assert loaded.precision.quantization.mode == entry["mode"]
        assert loaded.weight_bytes < TINY_GPT2_PARAMS * 2  # smaller than fp16
        # Every linear and embedding layer is quantized: none is left at full precision.
        kinds = {type(m).__name__ for _, m in loaded.model.named_modules()}
        assert "Linear" not in kinds and "Embedding" not in kinds
    else:
        assert loaded.precision.quantization is None
        assert all(v.dtype == getattr(mx, entry["dtype"]) for _, v in parameters)
        assert loaded.weight_bytes == TINY_GPT2_PARAMS * entry["bits_per_weight"] // 8


def test_tiny_llama_loads() -> None:
    loaded = _load("tiny-llama", "int4")
    assert loaded.architecture == "llama"
    assert loaded.max_positions == 512
    attention = 64 * 64 * 2 + 64 * 32 * 2  # q, o; k, v over 2 of 4 heads
    mlp = 3 * 64 * 128
    assert loaded.params == 512 * 64 + 2 * (attention + mlp + 2 * 64) + 64


@pytest.mark.parametrize(
    "model, precision, per_token",
    [
        ("tiny-gpt2", "fp32", 2 * 2 * 64 * 4),  # 2 layers, K and V, 4 heads of 16, 4 bytes
        ("tiny-gpt2", "bf16", 2 * 2 * 64 * 2),
        ("tiny-llama", "int4", 2 * 2 * 32 * 2),  # 2 of 4 heads keep K and V, in fp16 beside int4 weights
    ],
)
def test_kv_cache_shape(model: str, precision: str, per_token: int) -> None:
    loaded = _load(model, precision)
    assert (loaded.layers, loaded.kv_bytes_per_token) == (2, per_token)


def test_seed_decides_random_weights() -> None:
    a = dict(tree_flatten(_load("tiny-gpt2", "fp32", seed=1).model.parameters()))
    b = dict(tree_flatten(_load("tiny-gpt2", "fp32", seed=1).model.parameters()))
    c = dict(tree_flatten(_load("tiny-gpt2", "fp32", seed=2).model.parameters()))
    key = "model.h.0.attn.c_attn.weight"
    assert mx.array_equal(a[key], b[key])
    assert not mx.array_equal(a[key], c[key])


@pytest.mark.parametrize(
    "model, precision, group",
    [
        ("tiny-gpt2", "int4-g128", 128),  # n_embd 64
        ("tiny-llama", "int8-g128", 128),
        ("gpt2-xl", "int4-g128", 128),  # n_embd 1600: rejected before any weight exists
        ("tiny-gpt2", "nvfp4-g32", 32),  # nvfp4 has one group size, 16
        ("tiny-gpt2", "mxfp4-g64", 64),
    ],
)
def test_group_size_that_does_not_fit_is_invalid(model: str, precision: str, group: int) -> None:
    message = _invalid(model, precision)
    assert f"precision {precision}" in message
    assert f"group size {group}" in message


def test_group_size_that_fits_is_used() -> None:
    loaded = _load("tiny-gpt2", "int4-g32")
    assert loaded.precision.quantization is not None
    assert loaded.precision.quantization.group_size == 32
    assert {m.group_size for _, m in loaded.model.named_modules() if hasattr(m, "group_size")} == {32}


def test_unknown_model_is_invalid_and_lists_the_catalog() -> None:
    message = _invalid("gpt5")
    assert "unknown model 'gpt5'" in message
    for name in CATALOG.model_names():
        assert name in message


@pytest.mark.parametrize("weights", ["sometimes", ""])
def test_unknown_weights_is_invalid(weights: str) -> None:
    assert "unknown weights" in _invalid("tiny-gpt2", weights=weights)


def test_checkpoint_of_catalog_model_with_empty_cache_is_invalid(empty_hf_cache: Path) -> None:
    message = _invalid("gpt2", weights="checkpoint")
    assert "openai-community/gpt2" in message
    assert str(empty_hf_cache) in message
    assert "hf download openai-community/gpt2" in message
    assert "absolute path" in message


def test_auto_without_checkpoint_falls_back_to_random_with_a_note() -> None:
    source = resolve(CATALOG, "gpt2", "auto")  # resolving builds nothing
    assert source.checkpoint is None
    assert source.note is not None
    assert "openai-community/gpt2" in source.note and "random weights" in source.note
    assert _load("tiny-gpt2", weights="auto").note is not None


def _save_tiny_checkpoint(folder: Path, precision: str = "fp32") -> LoadedModel:
    """tiny-gpt2 with random weights, saved the way mlx_lm saves a converted model."""
    loaded = _load("tiny-gpt2", precision, seed=7)
    config = dict(CATALOG.models["tiny-gpt2"].config)
    q = loaded.precision.quantization
    if q is not None:
        config["quantization"] = q.as_dict()
    save_model(folder, loaded.model)
    save_config(config, folder / "config.json")
    return loaded


def test_checkpoint_folder_round_trip(tmp_path: Path) -> None:
    saved = _save_tiny_checkpoint(tmp_path / "ckpt")
    loaded = _load(str(tmp_path / "ckpt"), "fp32", weights="checkpoint")
    assert loaded.weights == "checkpoint"
    assert loaded.weights_path == tmp_path / "ckpt"
    assert loaded.event("l")["weights_path"] == str(tmp_path / "ckpt")
    assert loaded.params == TINY_GPT2_PARAMS
    assert loaded.max_positions == 256  # from the checkpoint's config
    want = dict(tree_flatten(saved.model.parameters()))
    got = dict(tree_flatten(loaded.model.parameters()))
    assert want.keys() == got.keys()
    assert all(mx.array_equal(want[k], got[k]) for k in want)
    # ... and converted on the way in.
    assert _load(str(tmp_path / "ckpt"), "int8", weights="checkpoint").weight_bytes < saved.weight_bytes


def test_checkpoint_folder_without_weights(tmp_path: Path) -> None:
    folder = tmp_path / "config-only"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(CATALOG.models["tiny-llama"].config))
    assert "no model*.safetensors" in _invalid(str(folder), weights="checkpoint")
    auto = _load(str(folder), weights="auto")
    assert auto.weights == "random" and auto.note is not None
    random = _load(str(folder), weights="random")
    assert random.weights == "random" and random.max_positions == 512  # max_position_embeddings


@pytest.mark.parametrize(
    "saved_as, asked, ok",
    [
        ("int4", "int4", True),
        ("int4", "int8", False),
        ("int4", "int4-g32", False),
        ("int4", "fp16", False),
        ("mxfp4", "mxfp4", True),
        ("mxfp4", "nvfp4", False),
    ],
)
def test_quantized_checkpoint_needs_its_own_precision(tmp_path: Path, saved_as: str, asked: str, ok: bool) -> None:
    saved = _save_tiny_checkpoint(tmp_path / "q", saved_as)
    if ok:
        loaded = _load(str(tmp_path / "q"), asked, weights="checkpoint")
        assert loaded.weight_bytes == saved.weight_bytes
        assert loaded.params == TINY_GPT2_PARAMS  # logical, not packed
    else:
        message = _invalid(str(tmp_path / "q"), asked, weights="checkpoint")
        assert "already quantized" in message and asked in message


def _fake_hf_snapshot(cache: Path, repo_id: str, source: Path, revision: str = "0123abc") -> Path:
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for f in source.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return snapshot


def test_hf_id_is_found_in_the_local_cache(tmp_path: Path, empty_hf_cache: Path) -> None:
    _save_tiny_checkpoint(tmp_path / "ckpt")
    snapshot = _fake_hf_snapshot(empty_hf_cache, "someorg/tiny", tmp_path / "ckpt")
    loaded = _load("someorg/tiny", "fp16", weights="checkpoint")
    assert loaded.weights == "checkpoint" and loaded.weights_path == snapshot
    assert loaded.note is not None and str(snapshot) in loaded.note
    assert _load("someorg/tiny", "fp16", weights="random").weights == "random"
    message = _invalid("otherorg/missing", weights="auto")
    assert "otherorg/missing" in message and "hf download otherorg/missing" in message


def test_catalog_model_uses_a_cached_checkpoint_of_its_hf_id(tmp_path: Path, empty_hf_cache: Path) -> None:
    # A stand-in checkpoint under gpt2's id: the lookup, not the file's contents, is under test.
    _save_tiny_checkpoint(tmp_path / "ckpt")
    snapshot = _fake_hf_snapshot(empty_hf_cache, "openai-community/gpt2", tmp_path / "ckpt")
    source = resolve(CATALOG, "gpt2", "auto")
    assert source.checkpoint == snapshot
    assert source.note is not None and "openai-community/gpt2" in source.note
    assert resolve(CATALOG, "gpt2", "checkpoint").checkpoint == snapshot
    assert resolve(CATALOG, "gpt2", "random").checkpoint is None


@pytest.mark.parametrize(
    ("config", "wanted"),
    [
        ({"vocab_size": 64}, "no model_type"),
        ({"model_type": "no_such_architecture", "vocab_size": 64}, "no_such_architecture not supported"),
        ({"model_type": "llama", "vocab_size": 64}, "does not build"),
    ],
)
def test_random_weights_of_a_config_that_does_not_build_are_invalid(
    tmp_path: Path, config: dict[str, object], wanted: str
) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    assert wanted in _invalid(str(folder), "fp32", weights="random")
