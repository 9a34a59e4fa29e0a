"""benchmarks/make_big_workspace.py builds every workspace of issue 14 (here small ones), so
anyone can reproduce the figures: a grid run, a test set, and many versions that search finds."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]


def test_builds_the_grid_the_test_set_and_the_versions(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from benchmarks import make_big_workspace

    from storage.workspace import prompts as repo
    from storage.workspace.db import Workspace

    monkeypatch.setattr(sys, "argv", ["make_big_workspace.py", "--out", str(tmp_path),
                                      "--cases", "30", "--models", "3", "--testset-cases", "12",
                                      "--versions", "60"])
    assert make_big_workspace.main() == 0
    printed = capsys.readouterr().out
    assert "built 90 results" in printed and "built 60 versions" in printed

    def count(name: str, sql: str) -> int:
        with Workspace.open(tmp_path / name) as ws, ws.session() as s:
            return s.execute(text(sql)).scalar()

    assert count("grid-30x3.promptpress", "SELECT count(*) FROM results") == 90
    assert count("testset-12.promptpress", "SELECT count(*) FROM test_cases") == 12
    assert count("versions-60.promptpress", "SELECT count(*) FROM versions") == 60
    with Workspace.open(tmp_path / "versions-60.promptpress") as ws, ws.session() as s:
        assert s.execute(text("SELECT count(*) FROM version_chars WHERE texts IS NULL")
                         ).scalar() == 0  # every version's characters worked out
        assert repo.search(s, "顧客")  # the builder's words, found by a two-character search
