"""Opening workspaces: every failure explains itself and changes nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings

from storage.releases.content import Message, PromptContent, canonical_bytes, version_id
from storage.workspace import prompts as repo
from storage.workspace.db import (
    CorruptWorkspace,
    NewerWorkspace,
    NotAWorkspace,
    ReadOnlyWorkspace,
    Workspace,
    WorkspaceLocked,
)
from tests.storage.test_content import contents


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "test.promptpress")
    yield workspace
    workspace.close()


def test_a_fresh_workspace_uses_wal_foreign_keys_and_busy_timeout(ws):
    with ws.engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert con.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    assert ws.name == "test"


def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "w.promptpress"
    with Workspace.open(path) as ws, ws.session() as s:
        vid = repo.save_version(s, "a/b", PromptContent(messages=[Message("user", "hi\r\n")])).version.version_id
    with Workspace.open(path) as ws, ws.session() as s:
        version = repo.resolve(s, "a/b")
        assert version.version_id == vid
        assert repo.content_of(version).messages[0].content == "hi\r\n"


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.promptpress"
    path.write_text("my shopping list\n" * 20)
    before = digest(path)
    with pytest.raises(NotAWorkspace, match="not a Promptpress workspace"):
        Workspace.open(path)
    assert digest(path) == before


def test_another_programs_database(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers (name) VALUES ('Ada')")
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(NotAWorkspace, match="another program"):
        Workspace.open(path)
    assert digest(path) == before


def test_corrupt_workspace(tmp_path):
    path = tmp_path / "w.promptpress"
    with Workspace.open(path) as ws, ws.session() as s:
        for i in range(50):
            repo.save_version(s, f"p{i}", PromptContent(messages=[Message("user", "x" * 2000 + str(i))]))
    with Workspace.open(path):
        pass  # a clean close checkpoints the WAL into the file
    data = bytearray(path.read_bytes())
    data[4096 * 2: 4096 * 2 + 512] = os.urandom(512)  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises((CorruptWorkspace, NotAWorkspace), match="damaged|not a Promptpress"):
        Workspace.open(path)
    assert digest(path) == before


def test_truncated_workspace(tmp_path):
    path = tmp_path / "w.promptpress"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10")
    with pytest.raises(CorruptWorkspace, match="truncated"):
        Workspace.open(path)


def test_read_only_workspace(tmp_path):
    path = tmp_path / "w.promptpress"
    Workspace.open(path).close()
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    before = digest(path)
    try:
        with pytest.raises(ReadOnlyWorkspace, match="read-only"):
            Workspace.open(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert digest(path) == before


def test_workspace_open_in_another_promptpress(tmp_path):
    path = tmp_path / "w.promptpress"
    Workspace.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from storage.workspace.db import Workspace
            ws = Workspace.open({str(path)!r})
            print("open", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(WorkspaceLocked, match="already open"):
            Workspace.open(path)
    finally:
        holder.stdin.close()
        holder.wait(10)
    Workspace.open(path).close()  # released when the other process ends


def test_workspace_written_by_a_newer_version(tmp_path):
    path = tmp_path / "w.promptpress"
    Workspace.open(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(NewerWorkspace, match="newer version"):
        Workspace.open(path)
    assert digest(path) == before


def test_a_folder_is_not_a_workspace(tmp_path):
    with pytest.raises(NotAWorkspace, match="folder"):
        Workspace.open(tmp_path)


def test_saving_identical_content_creates_nothing(ws):
    content = PromptContent(messages=[Message("system", "Be brief. ")])
    with ws.session() as s:
        first = repo.save_version(s, "brief", content, message="one")
        again = repo.save_version(s, "brief", content, message="two")
        assert first.created and not again.created
        assert again.version.pk == first.version.pk
        assert len(repo.version_history(s, repo.require_prompt(s, "brief"))) == 1


def test_history_parents_and_refs(ws):
    with ws.session() as s:
        a = repo.save_version(s, "p", PromptContent(messages=[Message("user", "a")])).version
        b = repo.save_version(s, "p", PromptContent(messages=[Message("user", "b")])).version
        assert b.parent_pk == a.pk
        assert [v.pk for v in repo.version_history(s, repo.require_prompt(s, "p"))] == [b.pk, a.pk]
        assert repo.resolve(s, "p").pk == b.pk
        assert repo.resolve(s, f"p@{a.version_id[:6]}").pk == a.pk
        with pytest.raises(repo.PromptError, match="no version"):
            repo.resolve(s, "p@ffffffff")
        with pytest.raises(repo.PromptError, match="not a version id"):
            repo.resolve(s, "p@zz")
        with pytest.raises(repo.PromptError, match="no prompt named"):
            repo.resolve(s, "missing")


@pytest.mark.parametrize("name", ["", " lead", "a//b", "a/../b", "x@y", "a\\b", "tab\tname", "a/ b"])
def test_bad_prompt_names_are_refused(name):
    with pytest.raises(repo.PromptError):
        repo.validate_prompt_name(name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents)
def test_stored_text_is_byte_exact(ws, content):
    with ws.session() as s:
        version = repo.save_version(s, "prop", content).version
        pk = version.pk
    with ws.session() as s:
        stored = s.get(type(version), pk)
        assert stored.content.encode("utf-8") == canonical_bytes(content)
        assert stored.version_id == version_id(content)
        assert repo.content_of(stored) == content
