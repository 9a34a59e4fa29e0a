"""`promptpress eval` and `play` on an OpenAI-compatible server never import litellm (seconds of
start-up), and still price the calls of models litellm's table knows."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli.conftest import ROOT
from tests.support.fake_provider import FakeProvider

# The CLI, with a record of every attempt to import litellm, printed as the last line at exit.
WATCHED = """
import atexit, sys
tried = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "litellm" or name.startswith("litellm."):
            tried.append(name)
        return None
sys.meta_path.insert(0, Watch())
atexit.register(lambda: print("litellm imports:", tried, file=sys.stderr))
from desktop.main import main
sys.exit(main())
"""

PROMPT = """\
---
model: openai/gpt-4o-mini
parameters:
  temperature: 0.2
  max_tokens: 64
---
{{role "system"}}
You are a concise support agent.
{{role "user"}}
Thank {{ customer }}.
"""


@pytest.fixture(scope="module")
def server():
    with FakeProvider(api_key="sk-loopback") as server:
        yield server


@pytest.fixture
def watched(cli, tmp_path, server):
    prompt = tmp_path / "thanks.prompt"
    prompt.write_text(PROMPT, encoding="utf-8")
    cases = tmp_path / "cases.csv"
    cases.write_text("customer,expected\nAna,Echo: Thank Ana.\nBo,Echo: Thank Bo.\n", encoding="utf-8")
    cli.env["LOOPBACK_KEY"] = "sk-loopback"
    for args in (("prompt", "save", "thanks", "--file", str(prompt)),
                 ("provider", "add", "fast", "--model", "openai/gpt-4o-mini", "--base-url",
                  server.base_url, "--api-key-env", "LOOPBACK_KEY"),
                 ("testset", "import", "gold", str(cases), "--prompt", "thanks")):
        assert cli(*args).code == 0

    def run(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        proc = subprocess.run([sys.executable, "-c", WATCHED, "--workspace", str(cli.workspace), *args],
                              capture_output=True, text=True, cwd=ROOT, env=cli.env, timeout=120)
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("litellm imports:"), proc.stderr[-2000:]
        return proc, eval(last.removeprefix("litellm imports:"))

    return run


def test_eval_runs_and_prices_without_litellm(watched, tmp_path, server):
    out = tmp_path / "run.json"
    proc, tried = watched("eval", "thanks", "--testset", "gold", "--model", "fast",
                          "--evaluator", "equals:{{ expected }}", "--json", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert tried == []
    assert server.requests[-1].body["temperature"] == 0.2
    [column] = json.loads(out.read_text(encoding="utf-8"))["columns"]
    assert column["done"] == 2 and column["mean_score"] == 1.0
    assert column["cost"] > 0 and not column["cost_unknown"]


def test_play_answers_and_prices_without_litellm(watched):
    proc, tried = watched("play", "thanks", "--model", "fast", "--var", "customer=Ana", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert tried == []
    [row] = json.loads(proc.stdout)
    assert row["text"] == "Echo: Thank Ana." and row["cost"] > 0


def test_a_call_only_litellm_can_build_loads_it_and_succeeds(watched, cli, server):
    assert cli("provider", "add", "json", "--model", "openai/gpt-4o-mini", "--base-url",
               server.base_url, "--api-key-env", "LOOPBACK_KEY",
               "--param", "response_format={type: json_object}").code == 0
    proc, tried = watched("play", "thanks", "--model", "json", "--var", "customer=Ana", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "litellm" in tried
    assert server.requests[-1].body["response_format"] == {"type": "json_object"}
    [row] = json.loads(proc.stdout)
    assert row["text"] == "Echo: Thank Ana." and row["cost"] > 0
