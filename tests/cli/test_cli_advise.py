"""`promptpress advise` in a subprocess against stub models on the loopback server."""

from __future__ import annotations

import json

import pytest

from desktop.core.providers import add_provider
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, testsets
from storage.workspace.db import Workspace
from tests.support.fake_provider import FakeProvider


@pytest.fixture
def server():
    with FakeProvider() as provider:
        provider.set_quality(0.95, model="gpt-4.1-nano")
        yield provider


def setup(path, server, cases):
    ws = Workspace.open(path)
    try:
        for name, model in {"current": "gpt-4o", "mini": "gpt-4o-mini",
                            "nano": "gpt-4.1-nano"}.items():
            add_provider(ws, name, f"openai/{model}", base_url=server.base_url)
        content = PromptContent(messages=(
            Message("system", "Repeat what the user writes, after 'Echo: ', and nothing more. "
                              "Do not add anything else at all, please."),
            Message("user", "Hi {{ name }}")), model="openai/gpt-4o")
        with ws.session() as s:
            prompts.save_version(s, "greet", content)
            ts = testsets.create_test_set(s, "gold", evaluators=["equals:{{ expected }}"])
            testsets.append_cases(s, ts, [testsets.CaseData({"name": f"p{i}"},
                                                            expected=f"Echo: Hi p{i}")
                                          for i in range(cases)])
    finally:
        ws.close()


def test_advise_prints_the_table_and_writes_json(cli, server, tmp_path):
    setup(cli.workspace, server, 300)
    server.script("gpt-4o-mini", ["<prompt>Repeat the user's text after 'Echo: '.</prompt>"])
    out = tmp_path / "advice.json"
    result = cli("advise", "greet", "--testset", "gold", "--rewrite-with", "mini",
                 "--no-combinations", "--json", str(out), timeout=120)
    assert result.code == 0, result.err
    text = result.out
    assert "making one first" in result.err
    # The rewrites are shown as diffs before anything runs on them.
    assert text.index("Shorter instructions (by mini)") < text.index("\nSUGGESTION ")
    assert "max_tokens" in text and "Estimated cost of the search" in text
    assert "same *" in text and "Suggested: mini (openai/gpt-4o-mini)" in text
    data = json.loads(out.read_text())
    assert data["recommended"] == "model:mini"
    decisions = {v["key"]: v["decision"] for v in data["verdicts"]}
    assert decisions["model:mini"] == "same" and decisions["model:nano"] != "same"
    assert {p["key"] for p in data["chart"]} >= {"current", "model:mini", "model:nano"}
    assert data["verdicts"][0]["score_difference"]["method"] == "exact"


def test_advise_dry_run_spends_nothing_and_a_bad_request_says_why(cli, server):
    setup(cli.workspace, server, 5)
    result = cli("advise", "greet", "--testset", "gold", "--dry-run", "--budget", "1")
    assert result.code == 0, result.err
    assert "model:mini" in result.out and "Estimated cost of the search" in result.out
    assert server.requests == []
    bad = cli("advise", "greet", "--testset", "gold", "--model", "nobody")
    assert bad.code == 1 and "no provider named 'nobody'" in bad.err

