"""The JSON-lines protocol (docs/protocol.md): requests on stdin, events on stdout."""

from __future__ import annotations

import gc
import json
import logging
import os
import queue
import sys
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field
from typing import IO, Any, Optional

import mlx.core as mx

from .catalog import Catalog, load_catalog
from .errors import classify, invalid
from .measure import MeasureRequest, Outcome, measure
from .models import LoadedModel, LoadRequest, load
from .system import hello

log = logging.getLogger("inferbench_worker")

_MAX_SEED = 2**63 - 1


class Emitter:
    """Writes one event per line to the event stream and flushes it at once."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def emit(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), allow_nan=False)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except BrokenPipeError:
                # The owner stopped reading: as at end-of-stdin, there is nobody left to serve.
                os._exit(0)

    def error(self, request_id: Optional[str], kind: str, message: str) -> None:
        self.emit({"type": "error", "id": request_id, "kind": kind, "message": message})


# --- Request fields ----------------------------------------------------------------------------


def _int(request: dict[str, Any], name: str, default: Optional[int] = None) -> int:
    value = request.get(name, default)
    if value is None:
        raise invalid(f"{request['type']}: missing integer field {name!r}")
    # JSON true/false would pass as ints in Python; 3.0 is fine, 3.5 is not.
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not value.is_integer())
    ):
        raise invalid(f"{request['type']}: {name} must be an integer, got {value!r}")
    return int(value)


def _optional_int(request: dict[str, Any], name: str) -> Optional[int]:
    """An integer field that may be absent or null."""
    return None if request.get(name) is None else _int(request, name)


def _str(request: dict[str, Any], name: str, default: Optional[str] = None) -> str:
    value = request.get(name, default)
    if not isinstance(value, str):
        raise invalid(f"{request['type']}: {name} must be a string, got {value!r}")
    return value


def _seed(request: dict[str, Any]) -> int:
    seed = _int(request, "seed", 0)
    if not 0 <= seed <= _MAX_SEED:
        raise invalid(f"{request['type']}: seed must be between 0 and {_MAX_SEED}, got {seed}")
    return seed


def parse_load(request: dict[str, Any]) -> LoadRequest:
    return LoadRequest(
        model=_str(request, "model"),
        precision=_str(request, "precision"),
        weights=_str(request, "weights", "auto"),
        seed=_seed(request),
    )


def parse_measure(request: dict[str, Any]) -> MeasureRequest:
    return MeasureRequest(
        context=_int(request, "context"),
        generate=_int(request, "generate"),
        batch=_int(request, "batch", 1),
        warmup=_int(request, "warmup", 0),
        repeats=_int(request, "repeats", 1),
        seed=_seed(request),
        memory_limit_bytes=_optional_int(request, "memory_limit_bytes"),
    )


# --- The worker ---------------------------------------------------------------------------------


@dataclass
class Worker:
    emitter: Emitter
    catalog: Catalog = field(default_factory=load_catalog)
    loaded: Optional[LoadedModel] = None

    def handle_line(self, raw: bytes) -> bool:
        """Serves one request line; False when the worker should exit."""
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as e:
            self.emitter.error(None, "invalid", f"request is not UTF-8: {e}")
            return True
        if not text:
            return True
        try:
            request = json.loads(text)
        except json.JSONDecodeError as e:
            self.emitter.error(None, "invalid", f"malformed JSON request: {e}")
            return True
        if not isinstance(request, dict):
            self.emitter.error(None, "invalid", "a request must be a JSON object")
            return True

        raw_id = request.get("id")
        request_id = raw_id if isinstance(raw_id, str) else None
        kind = request.get("type")
        if kind == "shutdown":
            return False
        if kind not in ("load", "measure"):
            self.emitter.error(
                request_id, "invalid", f"unknown request type {kind!r}; expected load, measure or shutdown"
            )
            return True
        if request_id is None:
            self.emitter.error(None, "invalid", f"a {kind} request needs a string id, got {raw_id!r}")
            return True

        oom = False
        try:
            if kind == "load":
                self._load(request_id, request)
            else:
                self._measure(request_id, request)
        except Exception as e:  # every failure becomes an error event; the loop goes on
            outcome = classify(e)
            if outcome.kind == "internal":
                log.exception("%s %s failed", kind, request_id)
            else:
                log.info("%s %s: %s: %s", kind, request_id, outcome.kind, outcome.message)
            self.emitter.error(request_id, outcome.kind, outcome.message)
            oom = outcome.kind == "oom"
        if oom:
            # The failed graph is unreachable once the exception is gone: hand its buffers back.
            gc.collect()
            mx.clear_cache()
        return True

    def _load(self, request_id: str, request: dict[str, Any]) -> None:
        load_request = parse_load(request)
        # One model at a time: free the previous one before building the next.
        self.loaded = None
        gc.collect()
        mx.clear_cache()
        log.info("loading %s at %s (weights %s)", load_request.model, load_request.precision, load_request.weights)
        self.loaded = load(self.catalog, load_request)
        self.emitter.emit(self.loaded.event(request_id))

    def _measure(self, request_id: str, request: dict[str, Any]) -> None:
        measure_request = parse_measure(request)
        if self.loaded is None:
            raise invalid("no model is loaded: send a load request first")
        started = time.perf_counter()
        # closing: however the loop ends, the generator restores MLX's memory limit at once.
        with closing(measure(self.loaded, measure_request)) as outcomes:
            for outcome in outcomes:
                self._emit_outcome(request_id, outcome)
        self.emitter.emit(
            {
                "type": "done",
                "id": request_id,
                "repeats": measure_request.repeats,
                "elapsed_ms": round((time.perf_counter() - started) * 1000.0, 4),
            }
        )

    def _emit_outcome(self, request_id: str, outcome: Outcome) -> None:
        if outcome.phase == "warmup":
            self.emitter.emit(
                {
                    "type": "warmup",
                    "id": request_id,
                    "rep": outcome.rep,
                    "elapsed_ms": round(outcome.repetition.elapsed_ms, 4),
                }
            )
        else:
            self.emitter.emit(
                {"type": "sample", "id": request_id, "rep": outcome.rep, **outcome.repetition.sample_fields()}
            )


# --- Process plumbing ---------------------------------------------------------------------------


def _claim_stdout() -> IO[str]:
    """Keeps the real stdout for events and points fd 1 at stderr, so stray prints (from Python or
    native code) cannot corrupt the event stream."""
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(events_fd, "w", encoding="utf-8", buffering=1, newline="\n")


def _read_stdin(lines: "queue.Queue[bytes]", events: IO[str]) -> None:
    """Feeds request lines to the main loop; at end-of-file ends the process at once, even mid-measurement,
    so that a worker never outlives its owner."""
    for raw in sys.stdin.buffer:
        lines.put(raw)
    log.info("stdin closed: exiting")
    _exit(events)


def parent_gone(parent: int) -> bool:
    """Whether the process that started the worker has died: an orphan is re-parented, so its
    parent pid changes (to 1, or to a subreaper)."""
    return parent > 1 and os.getppid() != parent


def _watch_parent(parent: int, events: IO[str], interval: float = 0.2) -> None:
    """Ends the worker within `interval` of its owner's death, even where no parent-death
    signal exists (macOS) and mid-measurement, when nobody reads stdin's end-of-file."""
    while not parent_gone(parent):
        time.sleep(interval)
    log.info("parent %d is gone: exiting", parent)
    _exit(events)


def _parent_pid() -> int:
    """The owner's pid, as inferbench passes it (INFERBENCH_PARENT_PID); 0 when not given."""
    try:
        return int(os.environ.get("INFERBENCH_PARENT_PID", "0"))
    except ValueError:
        return 0


def _exit(events: IO[str]) -> None:
    try:
        events.flush()
        sys.stderr.flush()
    finally:
        # os._exit: no interpreter shutdown to wait on MLX's threads or the blocked stdin reader.
        os._exit(0)


def main() -> int:
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="inferbench-worker %(levelname)s %(message)s"
    )
    events = _claim_stdout()
    emitter = Emitter(events)
    lines: "queue.Queue[bytes]" = queue.Queue()
    worker = Worker(emitter)
    emitter.emit(hello().event())
    threading.Thread(target=_read_stdin, args=(lines, events), name="stdin", daemon=True).start()
    parent = _parent_pid()
    if parent > 1:
        threading.Thread(target=_watch_parent, args=(parent, events), name="parent", daemon=True).start()
    while worker.handle_line(lines.get()):
        pass
    log.info("shutdown requested: exiting")
    _exit(events)
    return 0
