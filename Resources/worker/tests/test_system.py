from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

import mlx.core as mx

from inferbench_worker.system import PROTOCOL_VERSION, hello, rss_bytes


def test_hello_fields() -> None:
    event = hello().event()
    assert event["type"] == "hello"
    assert event["protocol"] == PROTOCOL_VERSION
    assert event["pid"] == os.getpid()
    assert event["python"] == platform.python_version()
    assert event["mlx"] == metadata.version("mlx")
    assert event["mlx_lm"] == metadata.version("mlx-lm")
    expected_backend = "metal" if mx.metal.is_available() else (
        "cuda" if hasattr(mx, "cuda") and mx.cuda.is_available() else "cpu"
    )
    assert event["backend"] == expected_backend
    assert isinstance(event["device"], str) and event["device"]
    assert isinstance(event["memory_bytes"], int) and event["memory_bytes"] > 2**20
    if expected_backend == "metal":
        assert isinstance(event["recommended_working_set_bytes"], int)
    else:
        assert event["recommended_working_set_bytes"] is None
    if expected_backend == "cpu" and sys.platform.startswith("linux"):
        with open("/proc/meminfo") as f:
            total_kb = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
        assert event["memory_bytes"] == total_kb * 1024
    assert set(event) == {
        "type", "protocol", "pid", "python", "mlx", "mlx_lm", "backend", "device",
        "memory_bytes", "recommended_working_set_bytes",
    }


def test_rss_grows_with_resident_memory() -> None:
    before = rss_bytes()
    block = bytearray(64 * 2**20)  # touched: zero-filled
    after = rss_bytes()
    assert before > 0
    assert after - before > 32 * 2**20
    del block
