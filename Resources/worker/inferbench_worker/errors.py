"""Error kinds of the protocol and the mapping of exceptions onto them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorKind = Literal["invalid", "oom", "internal"]

# How MLX's allocators word a refused allocation: the common/CPU allocator
# ("[malloc] Unable to allocate N bytes."), Metal ("[metal::malloc] Attempting to
# allocate ...", "Resource limit (N) exceeded", command buffers failing with
# "Insufficient Memory") and CUDA (cudaGetErrorString gives "out of memory").
_OOM_MARKERS: tuple[str, ...] = (
    "[malloc]",
    "[metal::malloc]",
    "unable to allocate",
    "attempting to allocate",
    "out of memory",
    "outofmemory",
    "insufficient memory",
    "resource limit",
    "cudaerrormemoryallocation",
)


class WorkerError(Exception):
    """An error whose protocol kind is already known."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message


def invalid(message: str) -> WorkerError:
    return WorkerError("invalid", message)


@dataclass(frozen=True)
class Classified:
    kind: ErrorKind
    message: str


def is_allocation_failure(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, (RuntimeError, ValueError)):
        text = str(exc).lower()
        return any(marker in text for marker in _OOM_MARKERS)
    return False


def classify(exc: BaseException) -> Classified:
    if isinstance(exc, WorkerError):
        return Classified(exc.kind, exc.message)
    if is_allocation_failure(exc):
        return Classified("oom", str(exc) or type(exc).__name__)
    return Classified("internal", f"{type(exc).__name__}: {exc}")
