"""`promptpress play` against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_provider import FakeProvider

PROMPT = """\
---
model: openai/gpt-4o-mini
variables:
  customer:
    description: Who we greet
  product:
    description: What they bought
---
{{role "system"}}
You are a concise support agent.
{{role "user"}}
Thank {{ customer }} for buying {{ product }}.
"""


@pytest.fixture(scope="module")
def server():
    with FakeProvider(latency=0.05, api_key="sk-loopback") as server:
        yield server


@pytest.fixture
def ready(cli, tmp_path, server):
    f = tmp_path / "thanks.prompt"
    f.write_text(PROMPT, encoding="utf-8")
    assert cli("prompt", "save", "support/thanks", "--file", str(f)).code == 0
    for name, model in (("fast", "openai/gpt-4o-mini"), ("local", "openai/my-local-model")):
        added = cli("provider", "add", name, "--model", model, "--base-url", server.base_url,
                    "--api-key-env", "LOOPBACK_KEY")
        assert added.code == 0, added.err
    cli.env["LOOPBACK_KEY"] = "sk-loopback"
    return cli


def test_play_on_two_models_prints_both_with_tokens_and_latency(ready):
    result = ready("play", "support/thanks", "--model", "fast", "--model", "local",
                   "--var", "customer=Ana María", "--var", "product=a kettle ☕")
    assert result.code == 0, result.err
    out = result.out
    assert out.count("Echo: Thank Ana María for buying a kettle ☕.") == 2
    assert "── fast (openai/gpt-4o-mini)" in out and "── local (openai/my-local-model)" in out
    assert out.count("tokens ") == 2 and out.count("latency ") == 2
    # gpt-4o-mini has a known price; a custom model on a custom server does not.
    fast_block, local_block = out.split("── local")
    assert "cost $" in fast_block and "cost unknown" in local_block


def test_play_json_and_vars_file(ready, tmp_path):
    values = tmp_path / "vars.json"
    values.write_text(json.dumps({"customer": "زينب", "product": "books"}), encoding="utf-8")
    result = ready("play", "support/thanks", "--model", "fast", "--vars-file", str(values), "--json")
    assert result.code == 0, result.err
    [row] = json.loads(result.out)
    assert row["ok"] and row["text"] == "Echo: Thank زينب for buying books."
    assert row["tokens_in"] > 0 and row["latency_s"] > 0


def test_missing_variable_is_refused_before_any_call(ready, server):
    before = len(server.requests)
    result = ready("play", "support/thanks", "--model", "fast", "--var", "customer=x")
    assert result.code == 1
    assert "'product'" in result.err and "user message (message 2)" in result.err
    assert "Traceback" not in result.err
    assert len(server.requests) == before


def test_rate_limited_is_one_clear_line(ready, server):
    assert ready("provider", "add", "busy", "--model", "openai/fault-429:7", "--base-url",
                 server.base_url, "--api-key-env", "LOOPBACK_KEY").code == 0
    result = ready("play", "support/thanks", "--model", "fast", "--model", "busy",
                   "--var", "customer=a", "--var", "product=b")
    assert result.code == 1
    assert "Echo: Thank a for buying b." in result.out  # the other model carried on
    [line] = [l for l in result.err.splitlines() if l.strip()]
    assert line.startswith("promptpress: busy:") and "7" in line
    assert "Traceback" not in result.err


def test_unreachable_server_is_one_clear_line(ready):
    assert ready("provider", "add", "down", "--model", "openai/gpt-4o-mini", "--base-url",
                 "http://127.0.0.1:9/v1", "--api-key-env", "LOOPBACK_KEY").code == 0
    result = ready("play", "support/thanks", "--model", "down", "--var", "customer=a",
                   "--var", "product=b", "--timeout", "20")
    assert result.code == 1
    [line] = [l for l in result.err.splitlines() if l.strip()]
    assert line.startswith("promptpress: down:") and "Traceback" not in result.err


def test_bad_key_says_so(ready):
    result = ready("play", "support/thanks", "--model", "fast", "--var", "customer=a",
                   "--var", "product=b", env={"LOOPBACK_KEY": "wrong"})
    assert result.code == 1
    assert "key" in result.err.lower() and "Traceback" not in result.err


def test_missing_env_key_says_which_variable(ready):
    env = dict(ready.env)
    env.pop("LOOPBACK_KEY")
    ready.env = env
    result = ready("play", "support/thanks", "--model", "fast", "--var", "customer=a",
                   "--var", "product=b")
    assert result.code == 1 and "LOOPBACK_KEY" in result.err
