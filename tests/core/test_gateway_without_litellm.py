"""What the gateway does without litellm is what litellm would have done.

Plain calls to OpenAI-compatible providers are routed and built without importing litellm
(routing.resolve_plain, plain_request), and every call is priced from our packaged copy of
litellm's table. Here each is held to litellm's own answer, with litellm loaded.
"""

from __future__ import annotations

import itertools
import runpy
from pathlib import Path

import pytest

from desktop.core import gateway
from desktop.core.gateway import direct, pricing, routing

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "system", "content": "Be brief.  "}, {"role": "user", "content": "héllo\r\n"},
            {"role": "assistant", "content": ""}, {"role": "user", "content": "again"}]
SAMPLES = {  # values for every plain parameter
    "temperature": [0, 0.2, 1.5], "top_p": [0.9], "n": [1, 2], "stop": ["x", ["a", "b"]],
    "max_tokens": [1, 64], "max_completion_tokens": [32], "presence_penalty": [0.5],
    "frequency_penalty": [-0.5], "logit_bias": [{"50256": -100}], "seed": [0, 42],
    "logprobs": [True, False], "top_logprobs": [2],
}
PARAMETER_SETS = [{}, {"temperature": 0.2, "max_tokens": 64},
                  {name: values[0] for name, values in SAMPLES.items()},
                  {name: values[-1] for name, values in SAMPLES.items()}]
MODELS = ["openai/gpt-4o-mini", "openai/gpt-4", "openai/gpt-3.5-turbo-16k", "openai/echo",
          "openai/meta-llama/Llama-3.1-8B-Instruct", "openai/claude-3-5-sonnet-latest",
          "openai/chatgpt-4o-latest", "hosted_vllm/llama", "hosted_vllm/Qwen/Qwen2.5-7B",
          "lm_studio/qwen", "llamafile/x"]
BASES = [None, "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/", "https://llm.example/v1/chat/completions",
         "http://localhost:1234"]


@pytest.fixture(scope="module", autouse=True)
def litellm_loaded():
    gateway.preload()


def litellm_route(model_id: str, base_url: str | None) -> routing.Route:
    return routing.resolve.__wrapped__(model_id, base_url, True)  # not cached: the environment varies


def same_route(plain: routing.Route, theirs: routing.Route) -> None:
    assert plain.plain and theirs.direct and not theirs.plain
    assert (plain.provider, plain.model, plain.api_base, plain.default_key, plain.url, plain.proxy) == \
        (theirs.provider, theirs.model, theirs.api_base, theirs.default_key, theirs.url, theirs.proxy)


ENVIRONMENTS = [
    {},
    {"OPENAI_API_KEY": "sk-env", "HOSTED_VLLM_API_KEY": "vllm-env", "LM_STUDIO_API_KEY": "lms-env",
     "LLAMAFILE_API_KEY": "true"},
    {"OPENAI_BASE_URL": "http://proxy.example/v1", "HOSTED_VLLM_API_BASE": "http://vllm.example/v1",
     "LM_STUDIO_API_BASE": "http://lms.example/v1/", "LLAMAFILE_API_BASE": "http://lf.example/v1"},
    {"OPENAI_API_BASE": "http://old.example/v1", "OPENAI_API_KEY": ""},
    {"HTTP_PROXY": "http://proxy.example:3128", "NO_PROXY": "localhost"},
]


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=["bare", "keys", "bases", "old-names", "proxy"])
def test_plain_routes_are_the_routes_litellm_gives(monkeypatch, env):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "HTTP_PROXY", "http_proxy",
                 "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    routed = 0
    for model_id, base_url in itertools.product(MODELS, BASES):
        plain = routing.resolve_plain(model_id, base_url)
        theirs = litellm_route(model_id, base_url)
        if plain is None:
            assert model_id.startswith(("hosted_vllm/", "lm_studio/")) and base_url is None, model_id
            continue  # no base URL: litellm explains
        same_route(plain, theirs)
        routed += 1
    assert routed >= len(MODELS) * (len(BASES) - 1)


def test_plain_requests_are_what_litellm_sends():
    for model_id, base_url in itertools.product(MODELS, ["http://127.0.0.1:9/v1", None]):
        plain = routing.resolve_plain(model_id, base_url)
        if plain is None:
            continue
        theirs = litellm_route(model_id, base_url)
        for parameters in PARAMETER_SETS:
            for key in (None, "sk-1"):
                assert routing.plain_call(parameters, MESSAGES)
                ours = routing.plain_request(plain, [dict(m) for m in MESSAGES], dict(parameters), key)
                expected = direct._litellm_request(theirs, [dict(m) for m in MESSAGES], dict(parameters),
                                                   key)
                assert ours == expected, (model_id, parameters)


def test_every_openai_model_litellm_knows_is_left_to_it_or_sent_as_it_would():
    import litellm

    names = sorted(set(litellm.open_ai_chat_completion_models))
    assert len(names) > 100
    left = 0
    for name in names:
        plain = routing.resolve_plain(f"openai/{name}", None)
        if plain is None:
            left += 1
            continue
        theirs = litellm_route(f"openai/{name}", None)
        same_route(plain, theirs)
        for parameters in PARAMETER_SETS[1:]:
            ours = routing.plain_request(plain, list(MESSAGES), dict(parameters), "sk")
            assert ours == direct._litellm_request(theirs, list(MESSAGES), dict(parameters), "sk"), name
    assert 0 < left < len(names)  # the reasoning models (o1, o3, gpt-5...) are litellm's to map


@pytest.mark.parametrize("model_id", [
    "openai/o3-mini", "openai/o1", "openai/gpt-5", "openai/gpt-5-mini", "openai/my-gpt-5-proxy",
    "gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "ollama/llama3", "custom_openai/x",
    "azure/gpt-4o", "groq/llama3", "openai/",
])
def test_models_litellm_treats_its_own_way_have_no_plain_route(model_id):
    assert routing.resolve_plain(model_id, "http://127.0.0.1:9/v1") is None


def test_aliases_and_the_litellm_proxy_switch_are_left_to_litellm(monkeypatch):
    alias = next(a for a in pricing.table()["aliases"] if "/" in a)
    provider, _, name = alias.partition("/")
    monkeypatch.setitem(routing._PLAIN_PROVIDERS, provider, (None, None, None, None))
    assert routing.resolve_plain(alias, "http://127.0.0.1:9/v1") is None
    assert routing.resolve_plain("openai/echo", "http://127.0.0.1:9/v1") is not None
    monkeypatch.setenv("USE_LITELLM_PROXY", "True")
    assert routing.resolve_plain("openai/echo", "http://127.0.0.1:9/v1") is None


@pytest.mark.parametrize(("parameters", "messages"), [
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, MESSAGES),
    ({"response_format": {"type": "json_object"}}, MESSAGES),
    ({"top_k": 3}, MESSAGES),
    ({"user": "u"}, MESSAGES),
    ({"reasoning_effort": "low"}, MESSAGES),
    ({"temperature": None}, MESSAGES),
    ({}, [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]),
    ({}, [{"role": "user", "content": "hi", "name": "ann"}]),
    ({}, [{"role": "developer", "content": "hi"}]),
    ({}, [{"role": "tool", "content": "42", "tool_call_id": "1"}]),
], ids=["tools", "response_format", "unknown", "user", "reasoning", "none", "parts", "name",
        "developer", "tool"])
def test_other_calls_are_not_plain(parameters, messages):
    assert not routing.plain_call(parameters, messages)


# ---- the packaged price table --------------------------------------------------------------------


def test_the_packaged_price_table_is_the_installed_litellms():
    script = runpy.run_path(str(ROOT / "scripts" / "build_price_table.py"))
    packaged = (ROOT / "resources" / "model_prices.json").read_text(encoding="utf-8")
    assert packaged == script["build"](), "run scripts/build_price_table.py after upgrading litellm"


def test_prices_from_the_package_are_the_prices_in_litellms_table():
    import litellm

    checked = 0
    for key, entry in litellm.model_cost.items():
        provider, price_in = entry.get("litellm_provider"), entry.get("input_cost_per_token")
        price_out = entry.get("output_cost_per_token")
        if not key.startswith(f"{provider}/") or not isinstance(price_in, float) or \
                not isinstance(price_out, float):
            continue
        price = pricing.price_for(provider, key.removeprefix(f"{provider}/"))
        assert price is not None and (price.input, price.output) == (price_in, price_out), key
        checked += 1
    assert checked > 1000
