"""`promptpress monitor ...` in a subprocess: add, list, check's exit codes, remove."""

from __future__ import annotations

import json

from tests.support import monitor_replay as replay


def test_monitor_add_list_check_exit_codes_and_remove(cli, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 100)
    assert cli("logs", "pull", str(sink)).code == 0
    added = cli("monitor", "add", "json", "support/greet", "is-json", "--threshold", "0.9",
                "--last", "20", "--min-samples", "10")
    assert added.code == 0, added.err
    assert "threshold 0.9 over the last 20 calls" in added.out
    bad = cli("monitor", "add", "ref", "support/greet", "bleu")
    assert bad.code == 1 and "expected output" in bad.err

    ok = cli("monitor", "check")
    assert ok.code == 0, ok.err
    assert "json" in ok.out and "0.950" in ok.out and "100 new calls" in ok.out

    replay.write(sink, 101, 150)
    cli("logs", "pull", str(sink))
    below = cli("monitor", "check", "--json")
    assert below.code == 3, below.err
    [status] = json.loads(below.out)
    assert status["below"] and status["new"] == 50 and status["alert"]["status"] == "open"
    assert cli("monitor", "check").code == 3  # still below, nothing new

    listed = json.loads(cli("monitor", "list", "--json").out)
    assert listed[0]["alert"]["status"] == "open"
    assert cli("monitor", "check", "nothing").code == 1
    assert cli("monitor", "remove", "json").code == 0
    assert "No monitors" in cli("monitor", "list").out
    assert cli("monitor", "check").code == 0


def test_logs_export_finetune(cli, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 3)
    cli("logs", "pull", str(sink))
    out = tmp_path / "ft.jsonl"
    none = cli("logs", "export-finetune", str(out))
    assert none.code == 1 and "Nothing to export" in none.err and not out.exists()
    dry = cli("logs", "export-finetune", str(out), "--from", "monitor", "--json")
    assert dry.code == 1 and "--monitor" in dry.err
