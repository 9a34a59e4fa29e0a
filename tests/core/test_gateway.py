"""The model gateway against a real OpenAI-compatible server on loopback: litellm, aiohttp and the
wire run for real. Fault behaviour is chosen by model name (see tests/support/fake_provider.py)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop.core import gateway
from desktop.core.gateway import (
    BadKey, ContextTooLong, Gateway, ModelTarget, ProviderError, ProviderFailure, RateLimited, Timeout,
    UnknownModel, Unreachable,
)
from tests.support.fake_provider import FakeProvider, Reply, count_tokens

ROOT = Path(__file__).resolve().parents[2]
LATENCY = 0.03
HELLO = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello there"}]


# Started before this process imports litellm, so the two imports overlap (seconds each).
PROBE_TEST = "test_importing_the_gateway_does_not_import_litellm_and_first_calls_load_it_off_the_loop"
IMPORT_PROBE = textwrap.dedent("""
    import asyncio, sys, time
    import desktop.core.gateway as gateway
    assert "litellm" not in sys.modules, "import desktop.core.gateway imported litellm"
    assert "aiohttp" not in sys.modules

    async def main():
        gaps, last = [], time.perf_counter()
        async def heartbeat():
            nonlocal last
            while True:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now
        beat = asyncio.create_task(heartbeat())
        target = gateway.ModelTarget("x", "openai/x", base_url="http://127.0.0.1:%d/v1",
                                     parameters={"temperature": 0})
        hi = [{"role": "user", "content": "hi"}]
        # A plain call to an OpenAI-compatible server needs no litellm.
        [plain] = await asyncio.gather(gateway.complete(target, hi), return_exceptions=True)
        assert "litellm" not in sys.modules
        # Several first calls that do need it, at once: one import, done in a worker thread.
        results = await asyncio.gather(*(gateway.complete(target, hi, params={"tools": [TOOL]})
                                         for _ in range(4)), return_exceptions=True)
        beat.cancel()
        assert all(isinstance(r, gateway.Unreachable) for r in [plain, *results]), results
        return max(gaps)

    TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    worst = asyncio.run(main())
    import os
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert "litellm" in sys.modules
    print(worst)
""")


@pytest.fixture(scope="module", autouse=True)
def import_probe(request):
    probe = None
    if any(item.name == PROBE_TEST for item in request.session.items):
        # Without the variable, only preload() stands between litellm and its price table online; any
        # HTTPS it tried would go to a closed loopback port instead of the internet.
        env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
        env.update(HTTPS_PROXY="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", NO_PROXY="",
                   no_proxy="", LITELLM_LOG="WARNING")  # a fetch attempt would be logged
        probe = subprocess.Popen([sys.executable, "-c", IMPORT_PROBE % free_port()], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    gateway.preload()  # seconds, once for the module
    yield probe
    if probe is not None:
        if probe.poll() is None:
            probe.kill()
        probe.wait()
        probe.stdout.close()
        probe.stderr.close()


@pytest.fixture
def server():
    with FakeProvider(latency=LATENCY) as provider:
        yield provider


def target(server: FakeProvider, model: str = "echo", **kw) -> ModelTarget:
    return ModelTarget(name="Fake", model=f"openai/{model}", base_url=server.base_url, api_key="sk-test",
                       **kw)


def call(tgt: ModelTarget, messages=HELLO, *, direct: bool = True, **kw):
    return asyncio.run(timed_call(tgt, messages, direct=direct, **kw))[0]


async def timed_call(tgt: ModelTarget, messages=HELLO, *, direct: bool = True, **kw):
    """The result, and how long the call itself took (without starting the loop or the gateway)."""
    try:
        async with Gateway(direct_openai=direct) as gw:
            start = time.perf_counter()
            try:
                return await gw.complete(tgt, messages, **kw), time.perf_counter() - start
            except ProviderError as exc:
                exc.elapsed = time.perf_counter() - start
                raise
    finally:
        await gateway.aclose()  # litellm's clients for this loop, as the app does at shutdown


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PATHS = [pytest.param(True, id="direct"), pytest.param(False, id="litellm")]


# ---- import cost -------------------------------------------------------------------------------


def test_importing_the_gateway_does_not_import_litellm_and_first_calls_load_it_off_the_loop(import_probe):
    out, err = import_probe.communicate(timeout=90)
    assert import_probe.returncode == 0, err[-3000:]
    assert "cost map" not in err.lower(), err[-3000:]  # litellm never tried to fetch its price table
    # litellm takes seconds to import; the loop kept turning meanwhile (a busy machine may pause it).
    assert float(out.strip().splitlines()[-1]) < 2.0


# ---- answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("direct", PATHS)
def test_non_streaming_answer(server, direct):
    result = call(target(server, "gpt-4o-mini"), direct=direct)
    assert result.text == "Echo: hello there"
    assert result.tokens_in == count_tokens("Be brief.") + count_tokens("hello there")
    assert result.tokens_out == count_tokens("Echo: hello there")
    assert result.finish_reason == "stop"
    assert result.latency_s >= LATENCY
    assert result.ttft_s == result.latency_s
    assert result.model.endswith("gpt-4o-mini")


@pytest.mark.parametrize("direct", PATHS)
def test_streaming_answer_arrives_in_pieces(server, direct):
    server.chunk_interval = 0.02
    pieces: list[str] = []
    result = call(target(server, "gpt-4o-mini"), stream=True, on_delta=pieces.append, direct=direct)
    assert "".join(pieces) == result.text == "Echo: hello there"
    assert len(pieces) == 3
    assert LATENCY <= result.ttft_s < result.latency_s
    assert result.latency_s >= LATENCY + 2 * 0.02
    assert (result.tokens_in, result.tokens_out) == (4, 3)
    assert result.finish_reason == "stop"
    assert server.requests[-1].body["stream_options"] == {"include_usage": True}


def test_parameters_reach_the_provider_and_max_tokens_cuts_the_answer(server):
    tgt = target(server, parameters={"temperature": 0.9, "max_tokens": 100, "seed": 7})
    result = call(tgt, [{"role": "user", "content": "one two three four five"}],
                  params={"temperature": 0.1, "max_tokens": 2, "top_p": 0.5, "stop": ["\n\n"]})
    body = server.requests[-1].body
    assert body["temperature"] == 0.1 and body["max_tokens"] == 2 and body["seed"] == 7
    assert body["top_p"] == 0.5 and body["stop"] == ["\n\n"]
    assert body["messages"] == [{"role": "user", "content": "one two three four five"}]
    assert (result.text, result.finish_reason) == ("Echo: one ", "length")


def test_response_format_is_sent(server):
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    call(target(server), params={"response_format": schema})
    assert server.requests[-1].body["response_format"] == schema


def test_scripted_reply_and_custom_finish_reason(server):
    server.script("echo", [Reply(text="Scripted.", finish_reason="content_filter")])
    result = call(target(server))
    assert (result.text, result.finish_reason) == ("Scripted.", "content_filter")


def test_key_is_sent_as_bearer_and_a_wrong_key_is_bad_key():
    with FakeProvider(api_key="sk-right") as server:
        ok = ModelTarget("Fake", "openai/echo", base_url=server.base_url, api_key="sk-right")
        assert call(ok).text == "Echo: hello there"
        assert server.requests[-1].headers["authorization"] == "Bearer sk-right"
        with pytest.raises(BadKey) as caught:
            call(ModelTarget("Fake", "openai/echo", base_url=server.base_url, api_key="sk-wrong"))
        assert caught.value.status == 401
        assert "key" in caught.value.hint.lower()
        assert "sk-wrong" not in str(caught.value)


def test_the_openai_key_from_the_environment_is_not_sent_to_other_servers(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    result = call(ModelTarget("Local", "openai/echo", base_url=server.base_url))
    assert result.text == "Echo: hello there"
    assert "authorization" not in server.requests[-1].headers


def test_parameters_that_are_not_json_still_reach_the_provider(server):
    import pydantic

    class Verdict(pydantic.BaseModel):  # litellm turns a model class into a JSON schema
        score: int

    call(target(server), params={"response_format": Verdict, "temperature": 0.5, "custom_field": 1})
    body = server.requests[-1].body
    assert body["response_format"]["json_schema"]["schema"]["properties"]["score"]["type"] == "integer"
    assert body["temperature"] == 0.5
    assert body["custom_field"] == 1  # unknown to litellm: passed through as extra body


def test_target_repr_hides_the_key(server):
    assert "sk-test" not in repr(target(server))


def test_module_level_complete_shares_one_gateway_per_loop(server):
    async def go():
        first = await gateway.complete(target(server), HELLO, params={"temperature": 0})
        second = await gateway.complete(target(server), HELLO, stream=True)
        await gateway.aclose()
        return first, second

    first, second = asyncio.run(go())
    assert first.text == second.text == "Echo: hello there"
    # One keep-alive connection served both calls.
    assert len({r.headers.get("host") for r in server.requests}) == 1


# ---- cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize("direct", PATHS)
def test_cost_is_none_for_a_model_the_price_table_does_not_know(server, direct):
    result = call(target(server, "my-finetune-7b"), direct=direct)
    assert result.tokens_in and result.tokens_out
    assert result.cost is None


@pytest.mark.parametrize("direct", PATHS)
def test_cost_of_a_priced_model_comes_from_the_bundled_table(server, direct):
    import litellm

    result = call(target(server, "gpt-4o-mini"), direct=direct)
    price = litellm.model_cost["gpt-4o-mini"]
    expected = (result.tokens_in * price["input_cost_per_token"]
                + result.tokens_out * price["output_cost_per_token"])
    assert result.cost == pytest.approx(expected)
    assert result.cost > 0


def test_long_inputs_use_the_tables_higher_tier_and_cached_tokens_their_own_price():
    from desktop.core.gateway.pricing import price_for

    price = price_for("gemini", "gemini-2.5-pro")
    assert price is not None and price.tiers
    threshold, tier_in, tier_out = price.tiers[0]
    assert price.cost(threshold + 1, 10) == pytest.approx((threshold + 1) * tier_in + 10 * tier_out)
    assert price.cost(1000, 10) == pytest.approx(1000 * price.input + 10 * price.output)
    mini = price_for("openai", "gpt-4o-mini")
    assert mini is not None and mini.cached_input is not None
    assert mini.cost(1000, 0, cached_in=400) == pytest.approx(600 * mini.input + 400 * mini.cached_input)


def test_a_self_hosted_provider_does_not_borrow_openai_prices(server):
    tgt = ModelTarget("vLLM", "hosted_vllm/gpt-4o-mini", base_url=server.base_url, api_key="k")
    result = call(tgt)
    assert result.text == "Echo: hello there"
    assert result.cost is None


# ---- failures ----------------------------------------------------------------------------------

FAULTS = [
    ("fault-429:7", RateLimited, "rate_limited"),
    ("fault-500", ProviderFailure, "provider_failure"),
    ("fault-401", BadKey, "bad_key"),
    ("fault-404", UnknownModel, "unknown_model"),
    ("fault-context", ContextTooLong, "context_too_long"),
    ("fault-malformed", ProviderFailure, "provider_failure"),
    ("fault-drop", ProviderFailure, "provider_failure"),
]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("direct", PATHS)
@pytest.mark.parametrize(("model", "error", "kind"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_failure_has_its_typed_error(server, model, error, kind, direct, stream):
    with pytest.raises(error) as caught:
        call(target(server, model), stream=stream, direct=direct, timeout=10)
    err = caught.value
    assert isinstance(err, ProviderError)
    assert err.kind == kind
    assert err.message and err.hint and str(err) == err.message
    assert "Fake" in err.message or "model" in err.message
    if error is RateLimited:
        assert err.retry_after == 7
        assert "7 s" in err.hint
        assert err.retryable
    if error is ContextTooLong:
        assert "shorten" in err.hint.lower()
    if model in ("fault-malformed", "fault-drop"):
        assert err.status is None  # nothing the provider said: the answer itself was broken


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("direct", PATHS)
def test_a_hanging_provider_times_out_within_the_timeout(server, direct, stream):
    with pytest.raises(Timeout) as caught:
        call(target(server, "fault-hang"), timeout=0.4, direct=direct, stream=stream)
    assert 0.4 <= caught.value.elapsed < 1.4
    assert "0.4 s" in caught.value.message
    assert caught.value.retryable


@pytest.mark.parametrize("direct", PATHS)
def test_nothing_listening_is_unreachable_at_once(direct):
    base = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(Unreachable) as caught:
        call(ModelTarget("Local", "openai/x", base_url=base, api_key="k"), timeout=30, direct=direct)
    assert caught.value.elapsed < 1.0  # no retries, no waiting for the timeout
    assert base in caught.value.message
    assert "base url" in caught.value.hint.lower()


def test_unknown_provider_is_unknown_model():
    with pytest.raises(UnknownModel) as caught:
        call(ModelTarget("?", "nosuchprovider/some-model"))
    assert "nosuchprovider/some-model" in caught.value.message
    assert "openai/gpt-4o-mini" in caught.value.hint


def test_a_429_without_retry_after_still_says_to_wait(server):
    server.script("echo", [Reply(fault="429")])
    server.script("other", [Reply(fault="429", retry_after=2.5)])
    with pytest.raises(RateLimited) as caught:
        call(target(server))
    assert caught.value.retry_after == 1  # the fake's default header
    with pytest.raises(RateLimited) as caught:
        call(target(server, "other"))
    assert caught.value.retry_after == 2.5


def test_retry_after_is_read_in_its_three_forms():
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    from desktop.core.gateway.errors import parse_retry_after

    assert parse_retry_after({"Retry-After": "12"}) == 12
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < parse_retry_after({"Retry-After": later}) <= 30
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_an_empty_account_is_not_worth_retrying():
    from desktop.core.gateway.errors import error_for_status

    body = {"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",
                      "code": "insufficient_quota"}}
    err = error_for_status(429, json.dumps(body), {}, who="OpenAI", model="openai/gpt-4o")
    assert isinstance(err, RateLimited) and not err.retryable
    assert "billing" in err.hint


# ---- cancellation ------------------------------------------------------------------------------


@pytest.mark.parametrize("direct", PATHS)
def test_cancelling_a_streaming_call_propagates_and_closes_the_stream(server, direct):
    server.chunk_interval = 0.2
    server.script("echo", [" ".join(f"w{i}" for i in range(50))])

    async def go():
        got_first = asyncio.Event()
        async with Gateway(direct_openai=direct) as gw:
            task = asyncio.create_task(gw.complete(target(server), HELLO, stream=True,
                                                   on_delta=lambda _: got_first.set(), timeout=30))
            await asyncio.wait_for(got_first.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The server notices the client went away long before the 10 s the answer would take.
            for _ in range(100):
                if server.abandoned:
                    break
                await asyncio.sleep(0.02)
        await gateway.aclose()

    asyncio.run(go())
    assert server.abandoned == 1


# ---- other providers go through litellm ----------------------------------------------------------


@pytest.mark.parametrize("model", ["ollama_chat/llama3", "ollama/llama3"])
def test_ollama_goes_through_litellm(server, model):
    tgt = ModelTarget("Local", model, base_url=server.ollama_url)
    pieces: list[str] = []
    whole = call(tgt, [{"role": "user", "content": "hello there"}])
    streamed = call(tgt, [{"role": "user", "content": "hello there"}], stream=True, on_delta=pieces.append)
    assert "hello there" in whole.text
    assert "".join(pieces) == streamed.text == whole.text
    assert whole.tokens_out == streamed.tokens_out == count_tokens(whole.text)
    assert whole.cost == 0.0  # the price table lists local Ollama models as free
    assert {r.path for r in server.requests} <= {"/api/chat", "/api/generate", "/api/show"}


def test_ollama_errors_are_typed_too(server):
    with pytest.raises(UnknownModel) as caught:
        call(ModelTarget("Local", "ollama_chat/fault-404", base_url=server.ollama_url))
    assert "try pulling it" in caught.value.message


def test_request_log_is_plain_json(server):
    call(target(server))
    assert json.loads(json.dumps(server.requests[-1].body))["model"] == "echo"
