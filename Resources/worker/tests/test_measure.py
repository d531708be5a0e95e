from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import mlx.core as mx
import pytest

from inferbench_worker import measure as measure_module
from inferbench_worker.catalog import load_catalog
from inferbench_worker.errors import WorkerError
from mlx_lm.models.cache import make_prompt_cache

from inferbench_worker.measure import MeasureRequest, Repetition, generate_tokens, measure, run_repetition
from inferbench_worker.models import LoadedModel, LoadRequest, load

CATALOG = load_catalog()


def _load(model: str = "tiny-gpt2", precision: str = "fp16") -> LoadedModel:
    return load(CATALOG, LoadRequest(model=model, precision=precision, weights="random", seed=0))


def _check_repetition(rep: Repetition, request: MeasureRequest) -> None:
    assert len(rep.token_latencies_ms) == request.generate - 1
    assert all(v > 0 for v in rep.token_latencies_ms)
    assert rep.ttft_ms > 0
    assert rep.prefill_tokens_per_sec == pytest.approx(request.batch * request.context / (rep.ttft_ms / 1000))
    assert rep.decode_ms == pytest.approx(sum(rep.token_latencies_ms))
    if request.generate > 1:
        assert rep.decode_tokens_per_sec == pytest.approx(
            request.batch * (request.generate - 1) / (rep.decode_ms / 1000)
        )
    assert rep.peak_memory_bytes > 0 and rep.rss_bytes > 0
    assert len(rep.tokens) == request.batch
    assert all(len(seq) == request.generate for seq in rep.tokens)


@pytest.mark.parametrize("batch", [1, 4])
def test_warmup_then_samples_with_batch_scaled_rates(batch: int) -> None:
    loaded = _load()
    request = MeasureRequest(context=24, generate=6, batch=batch, warmup=1, repeats=2, seed=3)
    outcomes = list(measure(loaded, request))
    assert [(o.phase, o.rep) for o in outcomes] == [("warmup", 0), ("sample", 0), ("sample", 1)]
    for outcome in outcomes:
        _check_repetition(outcome.repetition, request)
    event = outcomes[1].repetition.sample_fields()
    assert len(event["token_latencies_ms"]) == 5
    assert "tokens" not in event
    json.dumps(event, allow_nan=False)


def test_batch_is_decoded_together() -> None:
    loaded = _load()
    one = run_repetition(loaded.model, loaded.vocab_size, MeasureRequest(context=64, generate=4, batch=1), 0)
    four = run_repetition(loaded.model, loaded.vocab_size, MeasureRequest(context=64, generate=4, batch=4), 0)
    # Four sequences hold four KV caches and four rows of logits at once.
    assert four.peak_memory_bytes > one.peak_memory_bytes
    assert len(four.tokens) == 4


@pytest.mark.parametrize("batch", [1, 3])
def test_each_token_is_handed_out_with_the_next_step_queued(batch: int) -> None:
    # The KV cache grows as a step's graph is built, so its length when token n comes out tells how
    # many steps were queued by then: prefill (context) plus n + 1, the next step included.
    loaded = _load()
    cache = make_prompt_cache(loaded.model)
    prompt = mx.random.randint(0, loaded.vocab_size, (batch, 10), key=mx.random.key(0))
    offsets = []
    for n, token in enumerate(generate_tokens(loaded.model, prompt, cache, 5)):
        assert token.shape == (batch,)
        offsets.append(cache[0].offset)
    assert offsets == [10 + n + 1 for n in range(5)]
    assert cache[0].offset == 10 + 5  # the step past the last token, as generate_step queues it


def test_last_token_is_timed_like_the_others() -> None:
    # A step is queued past the last token, as generate_step does: without it, the last token
    # would be stamped after less work than the others (on the CPU backend, almost none).
    loaded = _load()
    request = MeasureRequest(context=16, generate=12)
    ratios = []
    for seed in range(5):
        latencies = run_repetition(loaded.model, loaded.vocab_size, request, seed).token_latencies_ms
        ratios.append(latencies[-1] / statistics.median(latencies))
    assert statistics.median(ratios) > 0.3


def test_generate_one_has_no_decode() -> None:
    loaded = _load()
    rep = run_repetition(loaded.model, loaded.vocab_size, MeasureRequest(context=8, generate=1, batch=2), 0)
    assert rep.token_latencies_ms == [] and rep.decode_ms == 0 and rep.decode_tokens_per_sec is None
    fields = rep.sample_fields()
    assert fields["decode_tokens_per_sec"] is None and fields["decode_ms"] == 0


@pytest.mark.parametrize("precision", list(CATALOG.precisions))
def test_every_precision_measures_on_tiny_gpt2(precision: str) -> None:
    loaded = _load(precision=precision)
    request = MeasureRequest(context=8, generate=3, batch=2)
    rep = run_repetition(loaded.model, loaded.vocab_size, request, 0)
    _check_repetition(rep, request)
    assert all(math.isfinite(v) for v in rep.token_latencies_ms)


def _greedy_without_cache(loaded: LoadedModel, prompt: mx.array, generate: int) -> list[list[int]]:
    sequence = prompt
    for _ in range(generate):
        logits = loaded.model(sequence)[:, -1, :]
        sequence = mx.concatenate([sequence, mx.argmax(logits, axis=-1)[:, None]], axis=1)
    return sequence[:, prompt.shape[1]:].tolist()


@pytest.mark.parametrize("model", ["tiny-gpt2", "tiny-llama"])
def test_chunked_pipelined_decode_generates_the_greedy_tokens(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = _load(model, "fp32")
    monkeypatch.setattr(measure_module, "PREFILL_STEP", 5)  # 23 prompt tokens: chunks 5,5,5,5,2 then 1
    request = MeasureRequest(context=23, generate=6, batch=3)
    rep = run_repetition(loaded.model, loaded.vocab_size, request, 11)
    prompt = mx.random.randint(0, loaded.vocab_size, (3, 23), key=mx.random.key(11))
    assert rep.tokens == _greedy_without_cache(loaded, prompt, 6)


def test_prompt_longer_than_one_chunk(tmp_path: Path) -> None:
    config = dict(CATALOG.models["tiny-llama"].config, max_position_embeddings=4096)
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = load(CATALOG, LoadRequest(model=str(tmp_path), precision="fp16", weights="random"))
    assert loaded.max_positions == 4096
    request = MeasureRequest(context=2100, generate=2)
    _check_repetition(run_repetition(loaded.model, loaded.vocab_size, request, 0), request)


@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"context": 0}, "context must be at least 1"),
        ({"generate": 0}, "generate must be at least 1"),
        ({"batch": 0}, "batch must be at least 1"),
        ({"warmup": -1}, "warmup must be at least 0"),
        ({"repeats": 0}, "repeats must be at least 1"),
        ({"batch": 2**31}, "batch must be at most"),
        ({"context": 250, "generate": 7}, "exceeds the model's 256 positions"),
        ({"context": 256, "generate": 1}, "exceeds the model's 256 positions"),
    ],
)
def test_invalid_requests_fail_before_any_work(fields: dict[str, int], fragment: str) -> None:
    loaded = _load()
    request = MeasureRequest(**{"context": 8, "generate": 4, "warmup": 2, **fields})
    mx.reset_peak_memory()
    before = mx.get_peak_memory()
    with pytest.raises(WorkerError) as raised:
        next(measure(loaded, request))
    assert raised.value.kind == "invalid"
    assert fragment in raised.value.message
    # Nothing ran: no prompt, no KV cache, not a single buffer beyond the weights.
    assert mx.get_peak_memory() == before


def test_context_plus_generate_at_the_limit_is_fine() -> None:
    loaded = _load()
    request = MeasureRequest(context=250, generate=6)
    _check_repetition(next(measure(loaded, request)).repetition, request)


# --- Memory limit --------------------------------------------------------------------------------


def _outcomes_or_error(loaded: LoadedModel, request: MeasureRequest) -> tuple[list[str], WorkerError | None]:
    """The phases handed out before the request ended, and the error that ended it (None when none)."""
    phases = []
    try:
        for outcome in measure(loaded, request):
            phases.append(outcome.phase)
    except WorkerError as e:
        return phases, e
    return phases, None


def test_a_generous_memory_limit_changes_nothing_and_is_restored() -> None:
    loaded = _load()
    free = run_repetition(loaded.model, loaded.vocab_size, MeasureRequest(context=32, generate=4, batch=2), 0)
    before = mx.get_memory_limit()
    request = MeasureRequest(context=32, generate=4, batch=2, warmup=1, repeats=2, memory_limit_bytes=10 * free.peak_memory_bytes)
    outcomes = list(measure(loaded, request))
    assert [o.phase for o in outcomes] == ["warmup", "sample", "sample"]
    for outcome in outcomes:
        _check_repetition(outcome.repetition, request)
        assert outcome.repetition.peak_memory_bytes <= request.memory_limit_bytes  # type: ignore[operator]
    assert mx.get_memory_limit() == before


def test_peak_over_the_limit_is_oom_and_the_next_request_runs_normally() -> None:
    loaded = _load()
    request = MeasureRequest(context=64, generate=4, batch=4, warmup=1, repeats=2)
    peak = run_repetition(loaded.model, loaded.vocab_size, request, 0).peak_memory_bytes
    limit = (loaded.weight_bytes + peak) // 2
    before = mx.get_memory_limit()
    phases, error = _outcomes_or_error(loaded, MeasureRequest(**{**request.__dict__, "memory_limit_bytes": limit}))
    assert phases == [] and error is not None  # the warm-up already fails
    assert error.kind == "oom"
    assert error.message.startswith("peak memory ") and error.message.endswith(
        f"exceeds the memory limit of {measure_module.format_bytes(limit)} (context 64, batch 4)"
    )
    assert mx.get_memory_limit() == before
    assert [o.phase for o in measure(loaded, request)] == ["warmup", "sample", "sample"]


def test_weights_over_the_limit_are_oom_before_any_work() -> None:
    loaded = _load()
    mx.reset_peak_memory()
    before = mx.get_peak_memory()
    phases, error = _outcomes_or_error(
        loaded, MeasureRequest(context=8, generate=2, memory_limit_bytes=loaded.weight_bytes - 1)
    )
    assert phases == [] and error is not None and error.kind == "oom"
    assert error.message == (
        f"the model's weights ({loaded.weight_bytes} bytes) alone exceed the memory limit of "
        f"{loaded.weight_bytes - 1} bytes"
    )
    assert mx.get_peak_memory() == before  # nothing ran


def test_a_fixed_limit_draws_a_context_boundary() -> None:
    # The limit comes from this machine's own peaks: halfway between context 16's and context 256's.
    loaded = _load("tiny-llama")

    def request(context: int, limit: int | None = None) -> MeasureRequest:
        return MeasureRequest(context=context, generate=4, batch=8, memory_limit_bytes=limit)

    peaks = {c: run_repetition(loaded.model, loaded.vocab_size, request(c), 0).peak_memory_bytes for c in (16, 256)}
    limit = (peaks[16] + peaks[256]) // 2
    contexts = [16, 64, 128, 192, 256]
    fits = [_outcomes_or_error(loaded, request(c, limit))[1] is None for c in contexts]
    assert fits[0] and not fits[-1]
    assert fits == sorted(fits, reverse=True), dict(zip(contexts, fits))  # passes, then failures
    # Every failure is a peak over the limit, named with its configuration.
    _, error = _outcomes_or_error(loaded, request(256, limit))
    assert error is not None and error.kind == "oom" and "(context 256, batch 8)" in error.message


@pytest.mark.parametrize("limit", [0, -1, 2**63])
def test_out_of_range_memory_limit_is_invalid(limit: int) -> None:
    loaded = _load()
    _, error = _outcomes_or_error(loaded, MeasureRequest(context=8, generate=2, memory_limit_bytes=limit))
    assert error is not None and error.kind == "invalid"
    assert f"memory_limit_bytes must be between 1 and {2**63 - 1}, got {limit}" == error.message


@pytest.mark.parametrize(
    "n, text",
    [(0, "0 bytes"), (999, "999 bytes"), (1000, "1.00 kB"), (2_325_397, "2.33 MB"), (1_234_567_890, "1.23 GB"),
     (16 * 2**30, "17.18 GB")],
)
def test_format_bytes(n: int, text: str) -> None:
    assert measure_module.format_bytes(n) == text
