from __future__ import annotations

import pytest

from inferbench_worker.errors import WorkerError, classify


@pytest.mark.parametrize(
    "exc, kind",
    [
        (MemoryError(), "oom"),
        # The allocators' own wording: MLX's common (CPU) allocator, Metal, CUDA.
        (RuntimeError("[malloc] Unable to allocate 1073741824 bytes."), "oom"),
        (RuntimeError("[metal::malloc] Attempting to allocate 17179869184 bytes which is greater than the maximum allowed buffer size of 8589934592 bytes."), "oom"),
        (RuntimeError("[metal::malloc] Resource limit (499000) exceeded."), "oom"),
        (RuntimeError("[METAL] Command buffer execution failed: Insufficient Memory (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)"), "oom"),
        (RuntimeError("CUDA error: out of memory"), "oom"),
        (ValueError("[quantize] The last dimension of the matrix needs to be divisible by the quantization group size 128."), "internal"),
        (RuntimeError("something else broke"), "internal"),
        (KeyError("n_embd"), "internal"),
        (WorkerError("invalid", "bad request"), "invalid"),
    ],
)
def test_classify(exc: BaseException, kind: str) -> None:
    assert classify(exc).kind == kind


def test_internal_names_the_exception_type() -> None:
    assert classify(KeyError("n_embd")).message == "KeyError: 'n_embd'"
