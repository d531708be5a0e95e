"""What the worker runs on: versions, backend, device, memory."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any, Optional

import mlx.core as mx

PROTOCOL_VERSION = 2


@dataclass(frozen=True)
class Hello:
    protocol: int
    pid: int
    python: str
    mlx: str
    mlx_lm: str
    backend: str
    device: str
    memory_bytes: Optional[int]
    recommended_working_set_bytes: Optional[int]

    def event(self) -> dict[str, Any]:
        return {"type": "hello", **asdict(self)}


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def backend() -> str:
    if mx.metal.is_available():
        return "metal"
    cuda = getattr(mx, "cuda", None)  # absent from older MLX builds
    if cuda is not None and cuda.is_available():
        return "cuda"
    return "cpu"


def _device_info() -> dict[str, Any]:
    try:
        return dict(mx.device_info())
    except Exception:  # an MLX build without device_info: fall back to the OS
        return {}


def _int_or_none(value: Any) -> Optional[int]:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def system_memory_bytes() -> Optional[int]:
    """Physical memory: MemTotal on Linux, hw.memsize on macOS."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo", "r", encoding="ascii") as f:
                for line in f:
                    if line.startswith("MemTotal:"):
                        return int(line.split()[1]) * 1024  # reported in kB
        except OSError:
            return None
        return None
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "hw.memsize"], capture_output=True, text=True, check=True
            )
            return int(out.stdout.strip())
        except (OSError, ValueError, subprocess.CalledProcessError):
            return None
    return None


def rss_bytes() -> int:
    """The process's resident set size now (on macOS: its peak, the only figure at hand)."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/statm", "r", encoding="ascii") as f:
                resident_pages = int(f.read().split()[1])
            return resident_pages * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in bytes on macOS and in kilobytes elsewhere.
    return int(max_rss) if sys.platform == "darwin" else int(max_rss) * 1024


def hello() -> Hello:
    kind = backend()
    info = _device_info()
    memory: Optional[int] = None
    if kind != "cpu":
        # Metal calls it memory_size, CUDA total_memory.
        memory = _int_or_none(info.get("memory_size")) or _int_or_none(info.get("total_memory"))
    if memory is None:
        memory = system_memory_bytes()
    device = info.get("device_name") or platform.processor() or platform.machine()
    return Hello(
        protocol=PROTOCOL_VERSION,
        pid=os.getpid(),
        python=platform.python_version(),
        mlx=_version("mlx"),
        mlx_lm=_version("mlx-lm"),
        backend=kind,
        device=str(device),
        memory_bytes=memory,
        recommended_working_set_bytes=(
            _int_or_none(info.get("max_recommended_working_set_size")) if kind == "metal" else None
        ),
    )
