"""`promptpress testset ...` and `promptpress eval ...` against a loopback model server: summary,
exit codes, JSON out, and a run in a subprocess killed with SIGKILL, then resumed."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from desktop.core.providers import add_provider
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts
from storage.workspace.db import Workspace
from tests.cli.conftest import ROOT, Result
from tests.support.fake_provider import FakeProvider

# Runs the real CLI; adds the eval verbs to the parser and dispatch if they are not wired in yet.
HARNESS = """
import argparse, sys
from desktop.cli import parser as cli_parser, run as cli_run
from desktop.cli.evals_args import add_arguments, handles
from desktop.cli.evals import handler
parser = cli_parser.build_parser()
commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
if "eval" not in commands.choices:
    add_arguments(commands)
args = parser.parse_args(sys.argv[1:])
wired = cli_run._handler
cli_run._handler = lambda a: handler(a) if handles(a) else wired(a)
sys.exit(cli_run.run_command(args))
"""


def build_parser():
    """The real parser, with the eval verbs added if they are not wired in yet."""
    import argparse

    from desktop.cli import parser as cli_parser
    from desktop.cli.evals_args import add_arguments

    parser = cli_parser.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "eval" not in commands.choices:
        add_arguments(commands)
    return parser


class EvalCLI:
    """The CLI in this process (fast: litellm is imported once), or as a subprocess."""

    def __init__(self, workspace) -> None:
        self.workspace = workspace
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", HARNESS, "--workspace", str(self.workspace), *args]

    def __call__(self, *args: str) -> Result:
        from desktop.cli import run as cli_run
        from desktop.cli.evals import handler
        from desktop.cli.evals_args import handles

        parsed = build_parser().parse_args(["--workspace", str(self.workspace), *args])
        out, err = io.StringIO(), io.StringIO()
        wired = cli_run._handler
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_run._handler = lambda a: handler(a) if handles(a) else wired(a)
                code = cli_run.run_command(parsed)
            finally:
                cli_run._handler = wired
        return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def server():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def cli(tmp_path, server):
    path = tmp_path / "eval.promptpress"
    with Workspace.open(path) as ws:
        add_provider(ws, "fast", "openai/echo", base_url=server.base_url)
        add_provider(ws, "broken", "openai/fault-500", base_url=server.base_url)
        with ws.session() as s:
            prompts.save_version(s, "greet", PromptContent(
                messages=(Message("user", "Hi {{ name }}"),)))
    return EvalCLI(path)


def write_csv(path, rows, header="name,expected"):
    path.write_bytes(("\ufeff" + header + "\r\n" + "".join(r + "\r\n" for r in rows))
                     .encode("utf-8"))
    return str(path)


def test_testset_import_list_export_and_a_bad_file_imports_nothing(cli, tmp_path):
    good = write_csv(tmp_path / "gold.csv", [f"n{i},Echo: Hi n{i}" for i in range(4)])
    result = cli("testset", "import", "gold", good, "--prompt", "greet", "--min-score", "0.9")
    assert result.code == 0, result.err
    assert "Imported 4 case(s) into 'gold'" in result.out and "utf-8" in result.out
    listed = cli("testset", "list")
    assert "gold" in listed.out and "0.9" in listed.out

    bad = write_csv(tmp_path / "bad.csv", ["n1,x"], header="nom,expected")
    refused = cli("testset", "import", "gold", bad, "--prompt", "greet")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "no column for the variable 'name'" in refused.err
    assert "Nothing was imported" in refused.err
    assert "gold  4" in cli("testset", "list").out.replace("   ", "  ")

    out = tmp_path / "out.jsonl"
    exported = cli("testset", "export", "gold", "--to", str(out))
    assert exported.code == 0, exported.err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["name"] == "n0" and lines[0]["expected"] == "Echo: Hi n0"
    assert cli("testset", "export", "gold", "--to", str(tmp_path / "x.txt")).code == 1


def test_eval_prints_a_summary_and_fails_under_the_threshold(cli, tmp_path):
    rows = [f"n{i},Echo: Hi n{i}" for i in range(4)] + ["n4,something else"]
    assert cli("testset", "import", "gold", write_csv(tmp_path / "g.csv", rows)).code == 0
    spec = ["--evaluator", "equals:{{ expected }}"]
    failing = cli("eval", "greet", "--testset", "gold", "--model", "fast", *spec,
                  "--fail-under", "0.9", "--json", str(tmp_path / "run.json"))
    assert failing.code == 3, failing.err
    assert "VERSION · MODEL" in failing.out and "80.0%" in failing.out
    assert "0.800" in failing.out and "Gate 0.9: FAILED" in failing.out
    last = failing.err.strip().splitlines()[-1]
    assert last.startswith("promptpress: FAILED: mean score below 0.9")
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert len(data["results"]) == 5 and data["gate"]["passed"] is False
    assert data["results"][4]["scores"][0]["passed"] is False

    passing = cli("eval", "greet", "--testset", "gold", "--model", "fast", *spec,
                  "--fail-under", "0.7")
    assert passing.code == 0, passing.err
    assert "Gate 0.7: passed" in passing.out


def test_eval_fails_on_errors_beyond_the_budget(cli, tmp_path):
    assert cli("testset", "import", "gold", write_csv(tmp_path / "g.csv", ["a,x", "b,y"])).code == 0
    strict = cli("eval", "greet", "--testset", "gold", "--model", "fast", "--model", "broken")
    assert strict.code == 4, strict.err
    assert "2 of 4 cells failed (first in greet@" in strict.err and "broken" in strict.err
    lenient = cli("eval", "greet", "--testset", "gold", "--model", "fast", "--model", "broken",
                  "--max-errors", "50%")
    assert lenient.code == 0, lenient.err
    listed = cli("eval", "--list")
    assert listed.code == 0 and "finished" in listed.out


def test_a_bad_evaluator_is_one_clear_line(cli, tmp_path):
    assert cli("testset", "import", "gold", write_csv(tmp_path / "g.csv", ["a,x"])).code == 0
    result = cli("eval", "greet", "--testset", "gold", "--model", "fast",
                 "--evaluator", "regex:([a-z")
    assert result.code == 1 and "Traceback" not in result.err
    assert "invalid regular expression" in result.err
    assert len(result.err.strip().splitlines()) == 1


def _results(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT row, output FROM results WHERE run_id = 1").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def test_a_run_killed_mid_way_resumes_with_only_the_missing_cells(cli, tmp_path, server):
    server.set_latency(0.25)
    cases = 24
    rows = [f"n{i},Echo: Hi n{i}" for i in range(cases)]
    assert cli("testset", "import", "gold", write_csv(tmp_path / "g.csv", rows)).code == 0
    proc = subprocess.Popen(cli.command("eval", "greet", "--testset", "gold", "--model", "fast",
                                        "--evaluator", "contains:Echo", "--concurrency", "3"),
                            cwd=ROOT, env=cli.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(_results(cli.workspace)) < 6:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no results were committed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    committed = {output.removeprefix("Echo: ") for _, output in _results(cli.workspace)}
    assert 6 <= len(committed) < cases
    before = len(server.requests)

    listed = cli("eval", "--list")
    assert "interrupted" in listed.out
    resumed = cli("eval", "--resume", "1")
    assert resumed.code == 0, resumed.err
    assert "Resuming 1:" in resumed.err and f"{cases - len(committed)} cell(s) to run" in resumed.err

    stored = _results(cli.workspace)
    assert sorted(r for r, _ in stored) == list(range(cases))  # every cell, exactly once
    after = [r.body["messages"][-1]["content"] for r in server.requests[before:]]
    assert not committed & set(after), "a cell with a saved result was run again"
    assert len(after) == cases - len(committed)
    per_case = {}
    for r in server.requests:
        text = r.body["messages"][-1]["content"]
        per_case[text] = per_case.get(text, 0) + 1
    # Only calls in flight at the kill were made twice.
    assert all(n == 1 for text, n in per_case.items() if text in committed)
