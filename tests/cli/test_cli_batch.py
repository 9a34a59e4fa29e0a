"""`promptpress eval --batch` in a subprocess against the loopback server's batch endpoints."""

from __future__ import annotations

import pytest

from desktop.core.providers import add_provider
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, testsets
from storage.workspace.db import Workspace
from tests.support.fake_provider import FakeProvider


@pytest.fixture
def server():
    with FakeProvider() as provider:
        yield provider


def test_eval_batch_runs_through_the_batch_api_and_refuses_local_models(cli, server):
    ws = Workspace.open(cli.workspace)
    try:
        add_provider(ws, "gpt", "openai/gpt-4o-mini", base_url=server.base_url)
        add_provider(ws, "local", "ollama/llama3", base_url=server.ollama_url)
        with ws.session() as s:
            prompts.save_version(s, "greet", PromptContent(messages=(Message("user", "Hi {{ name }}"),)))
            ts = testsets.create_test_set(s, "gold", evaluators=["equals:{{ expected }}"])
            testsets.append_cases(s, ts, [testsets.CaseData({"name": f"p{i}"}, expected=f"Echo: Hi p{i}")
                                          for i in range(5)])
    finally:
        ws.close()
    result = cli("eval", "greet", "--testset", "gold", "--model", "gpt", "--batch", "--poll", "0.05")
    assert result.code == 0, result.err
    assert "as provider batches" in result.err and "5/5" in result.out
    assert any(r.path == "/v1/batches" for r in server.requests)
    refused = cli("eval", "greet", "--testset", "gold", "--model", "local", "--batch")
    assert refused.code == 1 and "has no batch API" in refused.err
