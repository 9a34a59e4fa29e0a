"""Batch runs through the loopback server's batch endpoints (OpenAI Batch and Anthropic
Message Batches): submit, poll with progress, fill results, survive a closed app, refuse
providers without a batch API."""

from __future__ import annotations

import asyncio

import pytest

from desktop.core import gateway
from desktop.core.providers import add_provider
from desktop.core.runner import EvalError, EvalRequest, prepare_resume, prepare_run
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, runs, testsets
from storage.workspace.db import Workspace
from tests.support.fake_provider import FakeProvider


@pytest.fixture(scope="module", autouse=True)
def litellm_loaded():
    gateway.preload()


@pytest.fixture
def server():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "batch.promptpress")
    yield workspace
    workspace.close()


def setup(ws, server, cases=6, providers=(("gpt", "openai/gpt-4o-mini", "v1"),)):
    for name, model, base in providers:
        url = server.base_url if base == "v1" else server.ollama_url
        add_provider(ws, name, model, base_url=url)
    with ws.session() as s:
        prompts.save_version(s, "greet", PromptContent(messages=(
            Message("system", "Echo."), Message("user", "Hi {{ name }}"))))
        ts = testsets.create_test_set(s, "gold", evaluators=["equals:{{ expected }}"])
        testsets.append_cases(s, ts, [testsets.CaseData({"name": f"n{i}"}, expected=f"Echo: Hi n{i}")
                                      for i in range(cases)])


def batch_run(ws, providers=("gpt",), poll=0.02, **kw):
    runner = prepare_run(ws, EvalRequest(["greet"], "gold", list(providers), batch=True, **kw))
    runner.batch_poll_s = poll
    return runner


def cells(ws, run_id):
    with ws.session() as s:
        return [c for row in runs.load_rows(s, run_id, 0, 1000, preview_chars=None)
                for c in row.cells.values()]


def test_an_openai_batch_is_submitted_polled_and_filled(ws, server):
    setup(ws, server)
    server.batch_latency = 0.2
    runner = batch_run(ws)
    seen = []
    outcome = asyncio.run(runner.run(on_progress=seen.append))
    assert outcome.status == "finished" and (outcome.done, outcome.errors) == (6, 0)
    paths = [(r.method, r.path) for r in server.requests]
    assert ("POST", "/v1/files") in paths and ("POST", "/v1/batches") in paths
    assert not any(p.endswith("/chat/completions") for _, p in paths)  # no direct calls
    polls = [p for m, p in paths if m == "GET" and p.startswith("/v1/batches/")]
    assert len(polls) >= 2 and any("content" in p for _, p in paths)
    assert any(p.waiting == 6 and "in_progress" in p.batch for p in seen)
    stored = cells(ws, outcome.run_id)
    assert all(c.output == f"Echo: Hi n{c.row}" and c.passed for c in stored)
    assert all(c.latency_ms is None and c.cost and c.cost > 0 for c in stored)
    # Half the table's price: gpt-4o-mini at $0.15/M in, $0.60/M out.
    c = stored[0]
    assert c.cost == pytest.approx((c.tokens_in * 0.15e-6 + c.tokens_out * 0.6e-6) / 2)
    with ws.session() as s:
        [batch] = runs.run_batches(s, outcome.run_id)
        assert batch.status == "collected" and batch.total == 6 and batch.api == "openai"
        assert runs.runs_waiting_for_batches(s) == []


def test_closing_the_app_loses_nothing_a_resume_collects_the_same_batch(ws, server):
    setup(ws, server)
    server.batch_latency = 30  # the provider takes its time

    runner = batch_run(ws)

    def progress(p):
        if p.waiting:
            runner.cancel()  # the app closes once the batch is submitted
    first = asyncio.run(runner.run(on_progress=progress))
    assert first.status == "cancelled" and first.done == 0
    with ws.session() as s:
        assert runs.runs_waiting_for_batches(s) == [first.run_id]
        [batch] = runs.open_batches(s, first.run_id)
    server.batch_latency = 0  # ... and has finished by the time the app is back
    submitted = sum(1 for r in server.requests if r.path == "/v1/batches")
    again = prepare_resume(ws, first.run_id)
    again.batch_poll_s = 0.02
    outcome = asyncio.run(again.run())
    assert outcome.status == "finished" and outcome.done == 6 and outcome.errors == 0
    assert sum(1 for r in server.requests if r.path == "/v1/batches") == submitted
    assert any(r.path == f"/v1/batches/{batch.batch_id}" for r in server.requests)
    assert len(cells(ws, first.run_id)) == 6


def test_failed_lines_and_an_expired_batch_become_cell_errors(ws, server):
    setup(ws, server, cases=4, providers=(("gpt", "openai/gpt-4o-mini", "v1"),
                                          ("broken", "openai/fault-500", "v1")))
    server.batch_outcome = "expired"
    outcome = asyncio.run(batch_run(ws, providers=("gpt", "broken")).run())
    by = {}
    for c in cells(ws, outcome.run_id):
        by.setdefault(c.provider, []).append(c)
    assert sum(1 for c in by["gpt"] if c.error_kind is None) == 2
    assert {c.error_kind for c in by["gpt"] if c.error_kind} == {"batch"}
    assert "expired" in next(c.error_message for c in by["gpt"] if c.error_kind)
    assert all(c.error_kind for c in by["broken"])
    assert any(c.error_kind == "provider_failure" for c in by["broken"])


def test_an_anthropic_message_batch(ws, server):
    setup(ws, server, cases=3, providers=(("claude", "anthropic/claude-3-5-haiku-20241022", "root"),))
    outcome = asyncio.run(batch_run(ws, providers=("claude",)).run())
    assert outcome.status == "finished" and outcome.errors == 0
    [create] = [r for r in server.requests if r.path == "/v1/messages/batches"]
    params = create.body["requests"][0]["params"]
    assert params["system"] == "Echo." and params["max_tokens"] == 4096
    assert params["messages"] == [{"role": "user", "content": "Hi n0"}]
    assert all(c.passed for c in cells(ws, outcome.run_id))


def test_providers_without_a_batch_api_are_refused_before_anything_is_stored(ws, server):
    setup(ws, server, providers=(("local", "ollama/llama3", "root"),))
    with pytest.raises(EvalError, match=r"local \(ollama/llama3\) has no batch API"):
        batch_run(ws, providers=("local",))
    with ws.session() as s:
        assert runs.list_runs(s) == []
