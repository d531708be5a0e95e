"""Timing prefill and decode of a loaded model the way mlx_lm.generate.generate_step runs them."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Generator, Iterator, Literal, Optional, cast

import mlx.core as mx
import mlx.nn as nn
from mlx_lm.generate import generation_stream, wired_limit
from mlx_lm.models.cache import make_prompt_cache

from .errors import WorkerError, invalid
from .models import LoadedModel
from .system import rss_bytes

# generate_step's default prefill chunk.
PREFILL_STEP = 2048
# generate_step empties MLX's buffer cache every this many tokens.
CLEAR_CACHE_EVERY = 256
_MAX_COUNT = 2**31 - 1
# The largest memory limit accepted: the engine's int64.
MAX_MEMORY_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class MeasureRequest:
    context: int
    generate: int
    batch: int = 1
    warmup: int = 0
    repeats: int = 1
    seed: int = 0
    memory_limit_bytes: Optional[int] = None  # the memory budget to run under; None for none


@dataclass(frozen=True)
class Repetition:
    elapsed_ms: float
    ttft_ms: float
    prefill_ms: float  # all prompt tokens but the last, in chunks: what BatchGenerator times as prompt
    prefill_tokens_per_sec: float
    decode_ms: float
    decode_tokens_per_sec: Optional[float]
    token_latencies_ms: list[float]
    peak_memory_bytes: int
    rss_bytes: int
    wall_start: float  # Unix seconds at the start of prefill, the first token and the last token:
    wall_first_token: float  # the windows over which the owner reads power meters
    wall_end: float
    tokens: list[list[int]]  # generated ids per sequence; kept for checks, not reported

    def sample_fields(self) -> dict[str, Any]:
        return {
            "ttft_ms": round(self.ttft_ms, 4),
            "prefill_ms": round(self.prefill_ms, 4),
            "prefill_tokens_per_sec": round(self.prefill_tokens_per_sec, 3),
            "decode_ms": round(self.decode_ms, 4),
            "decode_tokens_per_sec": (
                round(self.decode_tokens_per_sec, 3) if self.decode_tokens_per_sec is not None else None
            ),
            "token_latencies_ms": [round(v, 4) for v in self.token_latencies_ms],
            "peak_memory_bytes": self.peak_memory_bytes,
            "rss_bytes": self.rss_bytes,
            "wall_start": round(self.wall_start, 6),
            "wall_first_token": round(self.wall_first_token, 6),
            "wall_end": round(self.wall_end, 6),
        }


@dataclass(frozen=True)
class Outcome:
    phase: Literal["warmup", "sample"]
    rep: int
    repetition: Repetition


def validate(request: MeasureRequest, max_positions: Optional[int]) -> None:
    """Rejects a request that cannot run, before any work."""
    for field, minimum in (("context", 1), ("generate", 1), ("batch", 1), ("warmup", 0), ("repeats", 1)):
        value = getattr(request, field)
        if value < minimum:
            raise invalid(f"{field} must be at least {minimum}, got {value}")
        if value > _MAX_COUNT:  # MLX shapes are 32-bit
            raise invalid(f"{field} must be at most {_MAX_COUNT}, got {value}")
    if max_positions is not None and request.context + request.generate > max_positions:
        raise invalid(
            f"context + generate = {request.context} + {request.generate} = "
            f"{request.context + request.generate} exceeds the model's {max_positions} positions"
        )
    limit = request.memory_limit_bytes
    if limit is not None and not 1 <= limit <= MAX_MEMORY_LIMIT:
        raise invalid(f"memory_limit_bytes must be between 1 and {MAX_MEMORY_LIMIT}, got {limit}")


def format_bytes(n: int) -> str:
    """Decimal units with two decimals: 1.23 GB, 4.50 MB, 0.98 kB."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"


def _two_sizes(used: int, limit: int) -> tuple[str, str]:
    a, b = format_bytes(used), format_bytes(limit)
    if a == b:  # too close to tell apart at two decimals
        a, b = f"{used} bytes", f"{limit} bytes"
    return a, b


@contextmanager
def memory_limit(limit: Optional[int]) -> Iterator[None]:
    """Runs the body under MLX's memory limit `limit` (and a cache limit no larger than it), restoring
    both limits afterwards; does nothing when `limit` is None."""
    if limit is None:
        yield
        return
    previous_memory = mx.set_memory_limit(limit)
    # The cache limit defaults to the memory limit on Metal: a smaller machine's would be smaller.
    previous_cache = mx.set_cache_limit(limit)
    mx.set_cache_limit(min(limit, previous_cache))
    try:
        yield
    finally:
        mx.set_memory_limit(previous_memory)
        mx.set_cache_limit(previous_cache)


def _step(model: nn.Module, tokens: mx.array, cache: list[Any]) -> tuple[mx.array, mx.array]:
    """One forward pass over `tokens` (batch, n) -> the greedy next token per sequence."""
    logits = model(tokens, cache=cache)[:, -1, :]
    # generate_step computes the log-probabilities it hands out along with the token; so do we,
    # so that a step does the same work.
    logprobs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
    return mx.argmax(logprobs, axis=-1), logprobs


def generate_tokens(
    model: nn.Module,
    prompt: mx.array,
    cache: list[Any],
    generate: int,
    on_prefilled: Callable[[], None] = lambda: None,
) -> Iterator[mx.array]:
    """generate_step's schedule for a (batch, context) prompt: yields each greedy token (batch,) as
    soon as it is evaluated, and calls on_prefilled once every prompt token but the last is in the
    cache."""
    with mx.stream(generation_stream):
        # Prefill every prompt token but the last in chunks, keeping only the cache.
        remaining = prompt
        while remaining.shape[1] > 1:
            n = min(PREFILL_STEP, remaining.shape[1] - 1)
            model(remaining[:, :n], cache=cache)
            mx.eval([c.state for c in cache])
            remaining = remaining[:, n:]
            mx.clear_cache()
        on_prefilled()

        y, logprobs = _step(model, remaining, cache)
        mx.async_eval(y, logprobs)
        for n in range(generate):
            # Queue token n+1 before waiting on token n, so the device never idles on Python. Like
            # generate_step, this queues one step past the last token too: every token is stamped
            # after the same work, the last one included.
            next_y, next_logprobs = _step(model, y[:, None], cache)
            mx.async_eval(next_y, next_logprobs)
            mx.eval(y)
            yield y
            if n % CLEAR_CACHE_EVERY == 0:
                mx.clear_cache()
            y, logprobs = next_y, next_logprobs
        # The step past the end finishes here, outside the timing, before memory is read.
        mx.eval(y, logprobs)


def run_repetition(model: nn.Module, vocab_size: int, request: MeasureRequest, prompt_seed: int) -> Repetition:
    started = time.perf_counter()
    cache = make_prompt_cache(model)
    prompt = mx.random.randint(
        0, vocab_size, (request.batch, request.context), key=mx.random.key(prompt_seed)
    )
    mx.eval(prompt)
    mx.reset_peak_memory()

    stamps: list[float] = []
    prefilled: list[float] = []
    generated: list[mx.array] = []
    wall0 = time.time()
    t0 = time.perf_counter()
    for y in generate_tokens(
        model, prompt, cache, request.generate, on_prefilled=lambda: prefilled.append(time.perf_counter())
    ):
        stamps.append(time.perf_counter())
        generated.append(y)

    peak = int(mx.get_peak_memory())
    rss = rss_bytes()
    ttft_s = stamps[0] - t0
    latencies_ms = [(b - a) * 1000.0 for a, b in zip(stamps, stamps[1:])]
    decode_s = stamps[-1] - stamps[0]
    decoded = request.batch * (request.generate - 1)
    return Repetition(
        elapsed_ms=(time.perf_counter() - started) * 1000.0,
        ttft_ms=ttft_s * 1000.0,
        prefill_ms=(prefilled[0] - t0) * 1000.0,
        prefill_tokens_per_sec=request.batch * request.context / ttft_s,
        decode_ms=decode_s * 1000.0,
        decode_tokens_per_sec=decoded / decode_s if decoded > 0 and decode_s > 0 else None,
        token_latencies_ms=latencies_ms,
        peak_memory_bytes=peak,
        rss_bytes=rss,
        wall_start=wall0,
        wall_first_token=wall0 + ttft_s,
        wall_end=wall0 + (stamps[-1] - t0),
        tokens=cast(list[list[int]], mx.stack(generated, axis=1).tolist()),
    )


def measure(loaded: LoadedModel, request: MeasureRequest) -> Generator[Outcome, None, None]:
    """Warm-up repetitions, then the measured ones; each has its own prompt (seed + its index).

    Under a memory limit, weights larger than the limit fail (oom) before any work, and a repetition
    whose peak memory exceeds the limit fails (oom) instead of being handed out."""
    validate(request, loaded.max_positions)
    limit = request.memory_limit_bytes
    if limit is not None and loaded.weight_bytes > limit:
        weights, budget = _two_sizes(loaded.weight_bytes, limit)
        raise WorkerError("oom", f"the model's weights ({weights}) alone exceed the memory limit of {budget}")
    index = 0
    # On Metal, mlx_lm's generation wires the model's memory (the recommended working set) so the
    # GPU does not page it; measure the same way. Elsewhere it does nothing.
    with memory_limit(limit), wired_limit(loaded.model):
        for phase, count in (("warmup", request.warmup), ("sample", request.repeats)):
            for rep in range(count):
                repetition = run_repetition(loaded.model, loaded.vocab_size, request, request.seed + index)
                index += 1
                if limit is not None and repetition.peak_memory_bytes > limit:
                    peak, budget = _two_sizes(repetition.peak_memory_bytes, limit)
                    raise WorkerError(
                        "oom",
                        f"peak memory {peak} exceeds the memory limit of {budget} "
                        f"(context {request.context}, batch {request.batch})",
                    )
                yield Outcome(phase=phase, rep=rep, repetition=repetition)  # type: ignore[arg-type]
