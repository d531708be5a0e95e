from __future__ import annotations

import io
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import mlx.core as mx
import pytest

from inferbench_worker import protocol
from inferbench_worker.protocol import Emitter, Worker
from inferbench_worker.system import PROTOCOL_VERSION

WORKER_ROOT = Path(__file__).resolve().parent.parent

# --- In process: the request handling ------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.worker = Worker(Emitter(self.stream))
        self._read = 0

    def send(self, request: Any) -> list[dict[str, Any]]:
        """Serves one line; returns the events it produced."""
        line = request if isinstance(request, (str, bytes)) else json.dumps(request)
        raw = line if isinstance(line, bytes) else line.encode("utf-8")
        assert self.worker.handle_line(raw + b"\n")
        text = self.stream.getvalue()
        new, self._read = text[self._read:], len(text)
        return [json.loads(l) for l in new.splitlines()]


LOAD = {"type": "load", "id": "l", "model": "tiny-gpt2", "precision": "fp16", "weights": "random", "seed": 0}
MEASURE = {"type": "measure", "id": "m", "context": 16, "generate": 4, "batch": 1, "warmup": 1, "repeats": 2, "seed": 0}


def _only_error(events: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(events) == 1 and events[0]["type"] == "error", events
    return events[0]


@pytest.mark.parametrize(
    "line, request_id, fragment",
    [
        ("{not json", None, "malformed JSON"),
        (b"\xff\xfe", None, "not UTF-8"),
        ("[1, 2]", None, "JSON object"),
        ('{"type": "dance", "id": "d"}', "d", "unknown request type 'dance'"),
        ('{"id": "x"}', "x", "unknown request type None"),
        ('{"type": "measure", "context": 8, "generate": 2}', None, "needs a string id"),
        ('{"type": "load", "id": 7, "model": "tiny-gpt2", "precision": "fp16"}', None, "needs a string id"),
        ('{"type": "load", "id": "a", "precision": "fp16"}', "a", "model must be a string"),
        ('{"type": "load", "id": "b", "model": "tiny-gpt2", "precision": "fp9"}', "b", "unknown precision 'fp9'"),
        ('{"type": "load", "id": "c", "model": "nope", "precision": "fp16"}', "c", "unknown model 'nope'"),
        ('{"type": "load", "id": "e", "model": "tiny-gpt2", "precision": "int4-g128"}', "e", "group size 128"),
        ('{"type": "load", "id": "f", "model": "tiny-gpt2", "precision": "fp16", "seed": -1}', "f", "seed must be"),
        ('{"type": "measure", "id": "g", "context": 8, "generate": 2}', "g", "no model is loaded"),
    ],
)
def test_bad_requests_are_invalid_and_the_worker_goes_on(line: Any, request_id: Optional[str], fragment: str) -> None:
    recorder = Recorder()
    error = _only_error(recorder.send(line))
    assert error == {"type": "error", "id": request_id, "kind": "invalid", "message": error["message"]}
    assert fragment in error["message"]
    assert recorder.send(LOAD)[0]["type"] == "loaded"


@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"context": 300}, "exceeds the model's 256 positions"),
        ({"context": 8.5}, "context must be an integer"),
        ({"generate": True}, "generate must be an integer"),
        ({"batch": "4"}, "batch must be an integer"),
        ({"context": None}, "missing integer field 'context'"),
        ({"repeats": 0}, "repeats must be at least 1"),
        ({"memory_limit_bytes": 0}, "memory_limit_bytes must be between 1 and 9223372036854775807, got 0"),
        ({"memory_limit_bytes": -1024}, "memory_limit_bytes must be between 1 and"),
        ({"memory_limit_bytes": 2**63}, "memory_limit_bytes must be between 1 and"),
        ({"memory_limit_bytes": 1.5e9 + 0.5}, "memory_limit_bytes must be an integer"),
        ({"memory_limit_bytes": "16GiB"}, "memory_limit_bytes must be an integer"),
        ({"memory_limit_bytes": False}, "memory_limit_bytes must be an integer"),
    ],
)
def test_bad_measure_is_invalid_before_any_event(fields: dict[str, Any], fragment: str) -> None:
    recorder = Recorder()
    recorder.send(LOAD)
    error = _only_error(recorder.send({**MEASURE, "warmup": 1000, **fields}))
    assert error["id"] == "m" and error["kind"] == "invalid" and fragment in error["message"]


def test_measure_defaults_and_float_integers() -> None:
    recorder = Recorder()
    recorder.send(LOAD)
    events = recorder.send({"type": "measure", "id": "m", "context": 8.0, "generate": 3})
    assert [e["type"] for e in events] == ["sample", "done"]  # warmup 0, repeats 1, batch 1
    assert events[1]["repeats"] == 1


def test_memory_limit_null_is_no_limit() -> None:
    recorder = Recorder()
    recorder.send(LOAD)
    events = recorder.send({**MEASURE, "memory_limit_bytes": None})
    assert [e["type"] for e in events] == ["warmup", "sample", "sample", "done"]


def test_peak_over_the_memory_limit_is_oom_and_the_worker_keeps_serving() -> None:
    recorder = Recorder()
    loaded = recorder.send(LOAD)[0]
    events = recorder.send(MEASURE)
    peak = max(e["peak_memory_bytes"] for e in events if e["type"] == "sample")
    limit_before = mx.get_memory_limit()

    generous = recorder.send({**MEASURE, "memory_limit_bytes": 10 * peak})
    assert [e["type"] for e in generous] == ["warmup", "sample", "sample", "done"]

    limit = (loaded["weight_bytes"] + peak) // 2
    error = _only_error(recorder.send({**MEASURE, "memory_limit_bytes": limit}))  # the warm-up fails
    assert error["id"] == "m" and error["kind"] == "oom"
    assert re.fullmatch(
        r"peak memory \d+\.\d\d kB exceeds the memory limit of \d+\.\d\d kB \(context 16, batch 1\)", error["message"]
    ), error["message"]
    assert mx.get_memory_limit() == limit_before

    error = _only_error(recorder.send({**MEASURE, "memory_limit_bytes": loaded["weight_bytes"] // 2}))
    assert error["kind"] == "oom" and "weights" in error["message"] and "alone exceed the memory limit" in error["message"]

    assert [e["type"] for e in recorder.send(MEASURE)] == ["warmup", "sample", "sample", "done"]


def test_oom_is_reported_and_the_worker_keeps_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    # MLX's CPU backend cannot be made to refuse an allocation safely, so the failure is injected
    # with the CPU allocator's exact wording, one level above MLX.
    recorder = Recorder()
    recorder.send(LOAD)
    real = protocol.measure

    def refuse(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise RuntimeError("[malloc] Unable to allocate 1073741824 bytes.")
        yield  # a generator, like the real one

    monkeypatch.setattr(protocol, "measure", refuse)
    error = _only_error(recorder.send(MEASURE))
    assert error == {"type": "error", "id": "m", "kind": "oom", "message": "[malloc] Unable to allocate 1073741824 bytes."}
    monkeypatch.setattr(protocol, "measure", real)
    assert recorder.send(MEASURE)[-1]["type"] == "done"


def test_internal_error_names_the_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    recorder.send(LOAD)

    def explode(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise ZeroDivisionError("division by zero")
        yield

    monkeypatch.setattr(protocol, "measure", explode)
    error = _only_error(recorder.send(MEASURE))
    assert error["kind"] == "internal" and error["message"] == "ZeroDivisionError: division by zero"


def test_error_mid_measurement_sends_no_done(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    recorder.send(LOAD)
    real = protocol.measure

    def fail_after_first(*args: Any, **kwargs: Any) -> Iterator[Any]:
        outcomes = real(*args, **kwargs)
        yield next(outcomes)
        raise RuntimeError("[malloc] Unable to allocate 64 bytes.")

    monkeypatch.setattr(protocol, "measure", fail_after_first)
    events = recorder.send(MEASURE)
    assert [e["type"] for e in events] == ["warmup", "error"]
    assert events[1]["kind"] == "oom"


def test_a_failed_load_leaves_no_model() -> None:
    recorder = Recorder()
    recorder.send(LOAD)
    recorder.send({**LOAD, "precision": "int4-g128"})
    assert "no model is loaded" in _only_error(recorder.send(MEASURE))["message"]


def test_shutdown_ends_the_loop() -> None:
    recorder = Recorder()
    assert recorder.worker.handle_line(b'{"type": "shutdown"}\n') is False


# --- A real process ------------------------------------------------------------------------------


class WorkerProcess:
    def __init__(self, hf_home: Path, stderr_path: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(WORKER_ROOT), HF_HOME=str(hf_home), HF_HUB_CACHE=str(hf_home / "hub"))
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "inferbench_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(WORKER_ROOT),
            env=env,
        )
        self.lines: "queue.Queue[Optional[bytes]]" = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw)
        self.lines.put(None)

    def send(self, request: Any) -> None:
        assert self.proc.stdin is not None
        line = request if isinstance(request, str) else json.dumps(request)
        self.proc.stdin.write(line.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def event(self, timeout: float = 30.0) -> dict[str, Any]:
        raw = self.lines.get(timeout=timeout)
        assert raw is not None, "the worker closed its stdout"
        return json.loads(raw)  # every stdout line is a JSON event

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path / "hf", tmp_path / "stderr.log")
    try:
        yield process
    finally:
        process.close()


def test_end_to_end(worker: WorkerProcess, tmp_path: Path) -> None:
    hello = worker.event()
    assert hello["type"] == "hello" and hello["protocol"] == PROTOCOL_VERSION and hello["pid"] == worker.proc.pid

    worker.send(LOAD)
    loaded = worker.event()
    assert loaded["type"] == "loaded" and loaded["id"] == "l"
    assert loaded["model"] == "tiny-gpt2" and loaded["architecture"] == "gpt2" and loaded["weights"] == "random"
    assert set(loaded) == {
        "type", "id", "model", "architecture", "weights", "weights_path", "precision", "dtype",
        "quantization", "params", "weight_bytes", "max_positions", "vocab_size", "load_ms", "note",
        "layers", "kv_bytes_per_token",
    }
    # tiny-gpt2 fp16: 2 layers of K and V, each 64 values of 2 bytes a position.
    assert (loaded["layers"], loaded["kv_bytes_per_token"]) == (2, 2 * 2 * 64 * 2)

    worker.send("this is not json")
    error = worker.event()
    assert (error["type"], error["id"], error["kind"]) == ("error", None, "invalid")
    assert "malformed JSON" in error["message"]

    worker.send({**MEASURE, "batch": 2})
    events = [worker.event() for _ in range(4)]
    assert [(e["type"], e.get("rep")) for e in events] == [("warmup", 0), ("sample", 0), ("sample", 1), ("done", None)]
    assert all(e["id"] == "m" for e in events)
    assert events[0]["elapsed_ms"] > 0
    for sample in events[1:3]:
        assert len(sample["token_latencies_ms"]) == 3
        assert sample["decode_tokens_per_sec"] == pytest.approx(2 * 3 / (sample["decode_ms"] / 1000), rel=1e-3)
        assert sample["prefill_tokens_per_sec"] == pytest.approx(2 * 16 / (sample["ttft_ms"] / 1000), rel=1e-3)
        assert sample["peak_memory_bytes"] > 0 and sample["rss_bytes"] > 0
        assert 0 < sample["prefill_ms"] < sample["ttft_ms"]
        assert sample["wall_start"] < sample["wall_first_token"] <= sample["wall_end"]
        assert sample["wall_first_token"] - sample["wall_start"] == pytest.approx(sample["ttft_ms"] / 1000, abs=2e-3)
    assert events[3]["repeats"] == 2 and events[3]["elapsed_ms"] >= events[0]["elapsed_ms"]

    worker.send({**MEASURE, "id": "m2", "context": 300})
    error = worker.event()
    assert error["type"] == "error" and error["id"] == "m2" and error["kind"] == "invalid"

    # A memory limit: generous, it changes nothing; below the peak just measured, it is an oom
    # (no sample, no done); the next request, without a limit, runs normally.
    peak = max(sample["peak_memory_bytes"] for sample in events[1:3])
    request = {**MEASURE, "batch": 2, "warmup": 0, "repeats": 1}
    worker.send({**request, "id": "generous", "memory_limit_bytes": 10 * peak})
    assert [(e["type"], e["id"]) for e in (worker.event(), worker.event())] == [("sample", "generous"), ("done", "generous")]
    worker.send({**request, "id": "tight", "memory_limit_bytes": (loaded["weight_bytes"] + peak) // 2})
    error = worker.event()
    assert (error["type"], error["id"], error["kind"]) == ("error", "tight", "oom")
    assert error["message"].startswith("peak memory ") and error["message"].endswith("(context 16, batch 2)")
    worker.send({**request, "id": "after"})
    assert [(e["type"], e["id"]) for e in (worker.event(), worker.event())] == [("sample", "after"), ("done", "after")]

    worker.send({"type": "shutdown"})
    assert worker.proc.wait(timeout=10) == 0
    assert worker.lines.get(timeout=10) is None  # nothing after the last answer
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


def test_closing_stdin_mid_measurement_exits_promptly(worker: WorkerProcess) -> None:
    assert worker.event()["type"] == "hello"
    worker.send({**LOAD, "precision": "fp32"})
    assert worker.event()["type"] == "loaded"
    # About a minute of work at well under a millisecond per token.
    worker.send({**MEASURE, "context": 32, "generate": 200, "warmup": 0, "repeats": 500})
    assert worker.event()["type"] == "sample"  # it is measuring now
    assert worker.proc.stdin is not None
    worker.proc.stdin.close()
    started = time.monotonic()
    assert worker.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 3
    seen = []
    while (raw := worker.lines.get(timeout=10)) is not None:
        seen.append(json.loads(raw)["type"])
    assert "done" not in seen



# --- The owner's death --------------------------------------------------------------------------


def test_parent_gone_sees_a_changed_parent() -> None:
    assert protocol.parent_gone(os.getppid()) is False
    assert protocol.parent_gone(os.getppid() + 1) is True
    assert protocol.parent_gone(0) is False  # no parent named: nothing to watch


def test_the_parent_watch_exits_when_the_parent_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    exited = threading.Event()
    monkeypatch.setattr(protocol, "_exit", lambda events: exited.set())
    watch = threading.Thread(target=protocol._watch_parent, args=(os.getppid() + 1, io.StringIO(), 0.01), daemon=True)
    watch.start()
    assert exited.wait(30), "the watch did not end the worker"


def test_an_orphaned_worker_exits_though_its_stdin_stays_open(tmp_path: Path) -> None:
    # An intermediate process starts the worker, naming itself the parent, and dies; the worker's
    # stdin is this test's pipe, still open, so only the parent watch can end it.
    pid_file = tmp_path / "pid"
    starter = (
        "import os, subprocess, sys\n"
        "env = dict(os.environ, INFERBENCH_PARENT_PID=str(os.getpid()))\n"
        f"p = subprocess.Popen([sys.executable, '-m', 'inferbench_worker'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd={str(WORKER_ROOT)!r})\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "os._exit(0)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(WORKER_ROOT))
    stdin_r, stdin_w = os.pipe()
    try:
        subprocess.run([sys.executable, "-c", starter], stdin=stdin_r, env=env, check=True, timeout=120)
        pid = int(pid_file.read_text())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.05)
        assert not _running(pid), f"worker {pid} outlived its parent"
    finally:
        os.close(stdin_r)
        os.close(stdin_w)


def _running(pid: int) -> bool:
    """Whether pid is a live process (a zombie that nobody reaped counts as gone)."""
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return out != "" and not out.startswith("Z")
