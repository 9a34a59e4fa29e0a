"""Backups are consistent while the workspace is being written; restore never loses data."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.backup import (
    BackupError,
    backup_workspace,
    inspect_backup,
    restore_workspace,
)
from storage.workspace.db import (
    CorruptWorkspace,
    NewerWorkspace,
    NotAWorkspace,
    Workspace,
    WorkspaceLocked,
)
from storage.workspace.models import Result, Run, Score

BATCH = 5  # results (each with one score) committed per transaction by the writer


def save(ws: Workspace, name: str, text: str) -> str:
    with ws.session() as s:
        return repo.save_version(s, name, PromptContent(messages=[Message("user", text)])
                                 ).version.version_id


def test_backup_while_a_run_writes_is_a_committed_snapshot(tmp_path):
    ws = Workspace.open(tmp_path / "busy.promptpress")
    save(ws, "p", "hello")
    with ws.session() as s:
        run = Run(settings={})
        s.add(run)
        s.flush()
        run_id = run.id
    committed = {0}
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        n = 0
        try:
            while not stop.is_set():
                with ws.session() as s:
                    for _ in range(BATCH):
                        result = Result(run_id=run_id, provider=f"p{n}", output="x" * 2000)
                        result.scores.append(Score(evaluator="exact", value=1.0))
                        s.add(result)
                        n += 1
                committed.add(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while max(committed) < 200:
            time.sleep(0.01)
        infos = [backup_workspace(ws, tmp_path / f"backup-{i}.promptpress") for i in range(3)]
    finally:
        stop.set()
        thread.join(30)
    assert not errors
    final = max(committed)
    for info in infos:
        con = sqlite3.connect(info.path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            results = con.execute("SELECT count(*) FROM results").fetchone()[0]
            scores = con.execute("SELECT count(*) FROM scores").fetchone()[0]
        finally:
            con.close()
        assert results in committed and 200 <= results <= final
        assert scores == results  # no result without its score: one transaction, all or none
        assert info.counts["results"] == results and info.counts["versions"] == 1
        assert not (tmp_path / (info.path.name + "-wal")).exists()
    ws.close()
    # A backup opens as a workspace.
    with Workspace.open(infos[0].path) as copy, copy.session() as s:
        assert repo.resolve(s, "p").version_id


def test_backup_refuses_to_overwrite_and_to_copy_onto_itself(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        save(ws, "p", "x")
        target = tmp_path / "b.promptpress"
        target.write_bytes(b"precious")
        with pytest.raises(BackupError, match="already exists"):
            backup_workspace(ws, target)
        assert target.read_bytes() == b"precious"
        assert backup_workspace(ws, target, overwrite=True).counts["prompts"] == 1
        with pytest.raises(BackupError, match="another file"):
            backup_workspace(ws, ws.path)
        folder = tmp_path / "backups"
        folder.mkdir()
        info = backup_workspace(ws, folder)
        assert info.path.parent == folder and info.path.name.startswith("w-")
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_restore_replaces_the_workspace_and_keeps_the_old_one(tmp_path):
    path = tmp_path / "w.promptpress"
    with Workspace.open(path) as ws:
        before = save(ws, "p", "before")
        backup = backup_workspace(ws, tmp_path / "b.promptpress")
        after = save(ws, "p", "after")  # only in the workspace, and in its WAL
        save(ws, "q", "only here")
        with pytest.raises(WorkspaceLocked, match="open in Promptpress"):
            restore_workspace(backup.path, path)
    info = restore_workspace(backup.path, path)
    assert info.kept is not None and info.kept.name.startswith("w.promptpress.before-restore-")
    with Workspace.open(path) as ws, ws.session() as s:
        assert repo.resolve(s, "p").version_id == before
        assert repo.get_prompt(s, "q") is None
    with Workspace.open(info.kept) as old, old.session() as s:
        assert repo.resolve(s, "p").version_id == after
        assert repo.get_prompt(s, "q") is not None


def test_restore_into_a_missing_workspace(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        save(ws, "p", "x")
        backup = backup_workspace(ws, tmp_path / "b.promptpress")
    target = tmp_path / "new" / "restored.promptpress"
    target.parent.mkdir()
    info = restore_workspace(backup.path, target)
    assert info.kept is None
    with Workspace.open(target) as ws, ws.session() as s:
        assert repo.get_prompt(s, "p") is not None


@pytest.mark.parametrize("kind", ["text", "other-db", "corrupt", "newer"])
def test_restore_refuses_bad_backups_and_changes_nothing(tmp_path, kind):
    path = tmp_path / "w.promptpress"
    with Workspace.open(path) as ws:
        save(ws, "p", "x")
    bad = tmp_path / "bad.promptpress"
    if kind == "text":
        bad.write_text("not a database")
        expected = NotAWorkspace
    elif kind == "other-db":
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        expected = NotAWorkspace
    else:
        backup_workspace(path, bad)
        if kind == "corrupt":
            data = bytearray(bad.read_bytes())
            data[len(data) // 2: len(data) // 2 + 4096] = b"\xff" * 4096
            bad.write_bytes(bytes(data))
            expected = (CorruptWorkspace, NotAWorkspace)
        else:
            con = sqlite3.connect(bad)
            con.execute("UPDATE alembic_version SET version_num = '9999'")
            con.commit()
            con.close()
            expected = NewerWorkspace
    snapshot = path.read_bytes()
    with pytest.raises(expected):
        restore_workspace(bad, path)
    assert path.read_bytes() == snapshot
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_inspect_backup_reports_counts(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        save(ws, "a", "1")
        save(ws, "a", "2")
        info = backup_workspace(ws, tmp_path / "b.promptpress")
    again = inspect_backup(info.path)
    assert again.counts["prompts"] == 1 and again.counts["versions"] == 2
    assert again.revision == info.revision


def _busy_workspace(tmp_path, results: int = 3000):
    ws = Workspace.open(tmp_path / "big.promptpress")
    save(ws, "p", "hello")
    with ws.session() as s:
        run = Run(settings={})
        s.add(run)
        s.flush()
        for n in range(results):
            s.add(Result(run_id=run.id, provider=f"p{n}", output="ت" * 1500))
        run_id = run.id
    return ws, run_id


def test_a_stepped_backup_is_not_restarted_by_writes_and_reports_progress(tmp_path, monkeypatch):
    """In steps of one page, with another connection committing all the while: the copy still
    moves forward only (SQLite restarts a stepped backup on every outside write unless it holds
    one read transaction), ends, and is the snapshot of when it began."""
    import storage.workspace.backup as backup_module

    monkeypatch.setattr(backup_module, "STEP_PAGES", 1)
    ws, run_id = _busy_workspace(tmp_path)
    with ws.session() as s:
        before = s.query(Result).count()
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set():
            with ws.session() as s:
                s.add(Result(run_id=run_id, provider="late", output="y" * 3000))
            written[0] += 1

    seen: list[tuple[int, int]] = []
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        time.sleep(0.0005)  # a slow disk: the writer commits between steps

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        info = backup_workspace(ws, tmp_path / "copy.promptpress", progress=progress,
                                cancelled=lambda: time.monotonic() - started > 60)
    finally:
        stop.set()
        thread.join(30)
    assert written[0] > 10, "the app's writes went on during the backup"
    assert len(seen) > 100
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:])), "the copy never started over"
    assert seen[-1][0] == seen[-1][1] == seen[0][1]
    # What was committed when it began: not the writes made while it copied.
    assert before <= info.counts["results"] < before + written[0] - 5
    ws.close()


def test_a_cancelled_backup_writes_nothing(tmp_path, monkeypatch):
    import storage.workspace.backup as backup_module

    monkeypatch.setattr(backup_module, "STEP_PAGES", 4)
    ws, _ = _busy_workspace(tmp_path)
    target = tmp_path / "out" / "copy.promptpress"
    steps = [0]

    def progress(_done: int, _total: int) -> None:
        steps[0] += 1

    with pytest.raises(backup_module.BackupCancelled, match="cancelled. Nothing was written"):
        backup_workspace(ws, target, progress=progress, cancelled=lambda: steps[0] >= 3)
    assert steps[0] == 3
    assert not target.exists() and list(target.parent.iterdir()) == []  # no temporary left
    # The workspace is untouched and a later backup works.
    assert backup_workspace(ws, target).counts["results"] == 3000
    ws.close()


def test_a_backup_says_how_much_space_compacting_would_give_back(tmp_path):
    ws, run_id = _busy_workspace(tmp_path)
    assert backup_workspace(ws, tmp_path / "a.promptpress").reclaimable < 100_000
    with ws.session() as s:
        s.query(Result).filter(Result.run_id == run_id).delete()
    info = backup_workspace(ws, tmp_path / "b.promptpress")
    assert info.reclaimable > 5_000_000  # 3,000 × 1,500 Arabic letters (3 KB each) deleted
    ws.close()
