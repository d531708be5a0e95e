from __future__ import annotations

from typing import Optional

import pytest

from inferbench_worker.catalog import Quantization, load_catalog
from inferbench_worker.errors import WorkerError


@pytest.mark.parametrize(
    "name, dtype, quantization",
    [
        ("fp32", "float32", None),
        ("fp16", "float16", None),
        ("bf16", "bfloat16", None),
        ("int8", "float16", Quantization("affine", 8, 64)),
        ("int4", "float16", Quantization("affine", 4, 64)),
        ("int4-g128", "float16", Quantization("affine", 4, 128)),
        ("int2-g32", "float16", Quantization("affine", 2, 32)),
        ("mxfp8", "float16", Quantization("mxfp8", 8, 32)),
        ("mxfp4", "float16", Quantization("mxfp4", 4, 32)),
        ("nvfp4", "float16", Quantization("nvfp4", 4, 16)),
    ],
)
def test_precision_parses(name: str, dtype: str, quantization: Optional[Quantization]) -> None:
    precision = load_catalog().precision(name)
    assert precision.name == name
    assert precision.dtype == dtype
    assert precision.quantization == quantization


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("int9", "unknown precision 'int9'"),
        ("fp8", "unknown precision 'fp8'"),
        ("", "non-empty"),
        ("int4-g", "unknown precision"),
        ("int4-gx", "unknown precision"),
        ("int4-g0", "group size must be at least 1"),
        ("fp16-g64", "not quantized"),
    ],
)
def test_bad_precision_is_invalid_and_lists_valid_ones(name: str, fragment: str) -> None:
    with pytest.raises(WorkerError) as raised:
        load_catalog().precision(name)
    assert raised.value.kind == "invalid"
    assert fragment in raised.value.message
    if "unknown" in fragment:
        for valid in load_catalog().precisions:
            assert valid in raised.value.message


def test_catalog_has_the_test_models() -> None:
    catalog = load_catalog()
    for name in ("tiny-gpt2", "tiny-llama"):
        entry = catalog.model(name)
        assert entry is not None and entry.test and entry.max_positions
