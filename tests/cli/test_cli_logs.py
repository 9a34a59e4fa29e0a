"""`promptpress logs ...` in a subprocess, on a temporary workspace and a folder sink."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli.conftest import ROOT
from tests.support import log_segments as seg

SLY = "Ann\x1b[2J \u202eevil\r\nsecond  "


@pytest.fixture
def sink(tmp_path):
    path = tmp_path / "logs"
    records = [seg.call(1, variables={"name": SLY}, output="Hi Ann  "),
               seg.call(2, variables={"name": "Bo"}, output="Hi Bo", error="RateLimited: x"),
               seg.call(3, variables={"name": "Cy"}, output="Hey Cy", time="2026-11-01T10:00:00."
                                                                        "000000Z"),
               b"{broken",
               seg.feedback(4, seg.call_id(1), rating=False, comment="rude",
                            corrected="Hello Ann.\n")]
    seg.write(path, seg.segment(records))
    return path


def test_logs_help_imports_nothing_heavy():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "desktop.main", "logs",
                           "list", "--help"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 0 and "--feedback" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & {"PySide6", "litellm", "sqlalchemy", "httpx"}


def test_pull_list_show_and_to_testset(cli, sink):
    pulled = cli("logs", "pull", str(sink))
    assert pulled.code == 0, pulled.err
    assert "Pulled 3 new calls and 1 new feedback" in pulled.out
    assert f"acme/{seg.DAY}/" in pulled.err and ":5: not valid JSON" in pulled.err
    assert "Pulled 0 new calls" in cli("logs", "pull", str(sink)).out

    table = cli("logs", "list", "support/greet")
    assert table.code == 0, table.err
    assert "\x1b" not in table.out and "\u202e" not in table.out
    assert "name=Ann⟨U+001B⟩[2J ⟨U+202E⟩evil␍⏎" in table.out
    assert "Hi Ann··" in table.out and "ERROR RateLimited: x" in table.out
    assert "-1 corrected" in table.out and seg.call_id(1) in table.out

    listed = cli("logs", "list", "--feedback", "negative", "--json")
    assert "\x1b" not in listed.out and "\\u001b" in listed.out and "\\u202e" in listed.out
    (call,) = json.loads(listed.out)
    assert call["variables"] == {"name": SLY} and call["output"] == "Hi Ann  "
    assert call["feedback"][0]["corrected_output"] == "Hello Ann.\n"

    assert len(json.loads(cli("logs", "list", "--since", "2026-11-15", "--json").out)) == 2
    assert len(json.loads(cli("logs", "list", "--errors", "--json").out)) == 1
    assert len(json.loads(cli("logs", "list", "--search", "hey", "--json").out)) == 1
    bad = cli("logs", "list", "--since", "last tuesday")
    assert bad.code == 1 and bad.err.startswith("promptpress: --since 'last tuesday'")

    shown = cli("logs", "show", seg.call_id(1))
    assert shown.code == 0 and "\x1b" not in shown.out and "rude" in shown.out
    assert "Ann⟨U+001B⟩[2J ⟨U+202E⟩evil␍⏎\n  second··" in shown.out
    assert "Hello Ann." in shown.out and "is not in this workspace" in shown.out
    assert cli("logs", "show", "0123456789abcdef-ff").code == 1

    added = cli("logs", "to-testset", "support/greet", "--testset", "from prod",
                "--no-errors", "--since", "2026-12-01")
    assert added.code == 0 and "Added 1 logged call to the new test set from prod" in added.out
    assert "from prod  1" in cli("testset", "list").out
    again = cli("logs", "to-testset", "support/greet", "--testset", "from prod", "--no-errors")
    assert "Added 1 logged call" in again.out and "1 already in it were left out" in again.out


def test_sinks_of_a_repository_pull_together(cli, sink, tmp_path):
    releases = tmp_path / "releases"
    added = cli("logs", "sink", "add", str(releases), str(sink), "--project", "acme")
    assert added.code == 0 and "Added the log sink" in added.out
    assert str(sink) in cli("logs", "sink", "list").out
    pulled = cli("logs", "pull", str(releases))
    assert pulled.code == 0 and "Pulled 3 new calls" in pulled.out
    inside = cli("logs", "sink", "add", str(releases), str(releases / "logs"))
    assert inside.code == 1 and "inside the release repository" in inside.err
    assert cli("logs", "sink", "remove", str(releases), str(sink)).code == 0
    assert cli("logs", "pull", str(tmp_path / "nowhere")).code == 1
