"""Organising prompts: rename and move keep history, folders move together, delete is undoable,
search finds names, message text and notes; history rows and restore."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace
from storage.workspace.models import Draft, Folder, Prompt


def content(text: str, role: str = "user") -> PromptContent:
    return PromptContent(messages=[Message("system", "You help."), Message(role, text)])


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "organise.promptpress")
    yield workspace
    workspace.close()


def save(ws, name, text, **kw):
    with ws.session() as s:
        return repo.save_version(s, name, content(text), **kw).version.version_id


def test_rename_keeps_versions_drafts_and_records_the_rename(ws):
    first = save(ws, "support/greet", "Hello {{ name }}", message="first", author="ann")
    second = save(ws, "support/greet", "Hi {{ name }}", message="second", author="bob")
    with ws.session() as s:
        prompt = repo.require_prompt(s, "support/greet")
        s.add(Draft(prompt_id=prompt.id, title="greet"))
    with ws.session() as s:
        repo.rename_prompt(s, "support/greet", "sales/welcome", author="cy")
    with ws.session() as s:
        assert repo.get_prompt(s, "support/greet") is None
        prompt = repo.require_prompt(s, "sales/welcome")
        rows = repo.history_rows(s, prompt)
        assert [r.version_id for r in rows if r.kind == "saved"] == [second, first]
        renamed = [r for r in rows if r.kind == "renamed"]
        assert renamed[0].detail == {"from": "support/greet", "to": "sales/welcome"}
        assert renamed[0].author == "cy"
        assert s.scalar(select(Draft.prompt_id)) == prompt.id
        assert "sales" in repo.list_folders(s)
        assert repo.resolve(s, f"sales/welcome@{first[:6]}").message == "first"


def test_rename_refuses_a_taken_or_invalid_name(ws):
    save(ws, "a", "x")
    save(ws, "b", "y")
    with ws.session() as s, pytest.raises(repo.PromptError, match="already exists"):
        repo.rename_prompt(s, "a", "b")
    with ws.session() as s, pytest.raises(repo.PromptError, match="'@'"):
        repo.rename_prompt(s, "a", "a@b")
    with ws.session() as s, pytest.raises(repo.PromptError, match="no prompt named"):
        repo.rename_prompt(s, "nope", "c")


def test_move_into_a_folder_and_back_to_the_top(ws):
    save(ws, "draft-reply", "x")
    with ws.session() as s:
        moved = repo.move_prompt(s, "draft-reply", "support/emails")
        assert moved.name == "support/emails/draft-reply"
    with ws.session() as s:
        assert repo.move_prompt(s, "support/emails/draft-reply", "").name == "draft-reply"
        assert {"support", "support/emails"} <= set(repo.list_folders(s))


def test_rename_folder_moves_everything_in_one_transaction(ws):
    for name in ("support/a", "support/deep/b", "support-old/c", "support"):
        save(ws, name, name)
    with ws.session() as s:
        repo.create_folder(s, "support/empty")
    with ws.session() as s:
        moved = repo.rename_folder(s, "support", "help")
    assert sorted(moved) == [("support/a", "help/a"), ("support/deep/b", "help/deep/b")]
    with ws.session() as s:
        names = [p.name for p in repo.list_prompts(s)]
        assert names == ["help/a", "help/deep/b", "support", "support-old/c"]
        folders = set(s.scalars(select(Folder.path)))
        assert {"help", "help/deep", "help/empty"} <= folders
        assert not {"support/deep", "support/empty"} & folders


def test_rename_folder_refuses_collisions_and_changes_nothing(ws):
    save(ws, "support/a", "1")
    save(ws, "support/b", "2")
    save(ws, "help/b", "3")
    with ws.session() as s, pytest.raises(repo.PromptError, match="help/b"):
        repo.rename_folder(s, "support", "help")
    with ws.session() as s:
        assert [p.name for p in repo.list_prompts(s)] == ["help/b", "support/a", "support/b"]
    with ws.session() as s, pytest.raises(repo.PromptError, match="into itself"):
        repo.rename_folder(s, "support", "support/inner")
    with ws.session() as s, pytest.raises(repo.PromptError, match="no folder"):
        repo.rename_folder(s, "nowhere", "x")


def test_delete_is_undoable_and_frees_the_name(ws):
    old = save(ws, "support/greet", "old text")
    with ws.session() as s:
        deleted = repo.delete_prompt(s, "support/greet", author="ann")
    assert deleted.versions == 1
    with ws.session() as s:
        assert repo.get_prompt(s, "support/greet") is None
        assert [p.name for p in repo.list_prompts(s)] == []
        assert [d.name for d in repo.list_deleted(s)] == ["support/greet"]
        assert repo.search(s, "old text") == []
    # The name is free again; the deleted prompt cannot take it back while it is used.
    save(ws, "support/greet", "new text")
    with ws.session() as s, pytest.raises(repo.PromptError, match="--as"):
        repo.undelete_prompt(s, "support/greet")
    with ws.session() as s:
        back = repo.undelete_prompt(s, "support/greet", new_name="support/greet-old")
        assert back.name == "support/greet-old"
        assert repo.resolve(s, "support/greet-old").version_id == old
        kinds = [r.kind for r in repo.history_rows(s, back)]
        assert kinds[:2] == ["undeleted", "deleted"]
        assert repo.list_deleted(s) == []
    with ws.session() as s, pytest.raises(repo.PromptError, match="no deleted prompt"):
        repo.undelete_prompt(s, "support/greet")


def test_purge_empties_the_trash_for_good(ws):
    save(ws, "a", "1")
    save(ws, "b", "2")
    with ws.session() as s:
        repo.delete_prompt(s, "a")
    with ws.session() as s:
        assert repo.purge_deleted(s, older_than=datetime.now(timezone.utc) - timedelta(days=1)) == 0
        assert repo.purge_deleted(s) == 1
    with ws.session() as s:
        assert s.scalar(select(Prompt.id).where(Prompt.deleted_at.is_not(None))) is None
        assert [p.name for p in repo.list_prompts(s)] == ["b"]


def test_delete_folder(ws):
    save(ws, "team/a", "1")
    save(ws, "team/sub/b", "2")
    with ws.session() as s, pytest.raises(repo.PromptError, match="holds 2 prompt"):
        repo.delete_folder(s, "team")
    with ws.session() as s:
        assert repo.delete_folder(s, "team", recursive=True) == ["team/a", "team/sub/b"]
    with ws.session() as s:
        assert repo.list_folders(s) == []
        assert len(repo.list_deleted(s)) == 2


def test_search_names_text_and_notes(ws):
    save(ws, "support/refund-reply", "Apologise for the delay.", message="tone: warmer")
    save(ws, "support/refund-reply", "Apologise once. Offer a 10% voucher.", message="shorter")
    save(ws, "sales/intro", 'Say "hello"\nthen pitch.', message="first cut")
    with ws.session() as s:
        by = lambda q: {(h.name, h.field) for h in repo.search(s, q)}  # noqa: E731
        assert by("REFUND") == {("support/refund-reply", "name")}
        assert by("delay") == {("support/refund-reply", "text")}
        assert by("warmer") == {("support/refund-reply", "note")}
        assert by("10%") == {("support/refund-reply", "text")}  # LIKE wildcards are literal
        assert by('"hello"\nthen') == {("sales/intro", "text")}  # quotes and newlines match
        assert by("model") == set()  # JSON keys of the stored content never match
        hit = next(h for h in repo.search(s, "apologise") if h.field == "text")
        assert hit.in_current and hit.matching_versions == 2
        old = next(h for h in repo.search(s, "delay"))
        assert not old.in_current and "delay" in old.snippet


def test_history_rows_newest_first_with_parents(ws):
    a = save(ws, "p", "one", author="ann", message="first")
    b = save(ws, "p", "two", author="bob", message="second")
    with ws.session() as s:
        rows = repo.history_rows(s, repo.require_prompt(s, "p"))
    assert [(r.version_id, r.parent_id, r.author, r.message) for r in rows] == [
        (b, a, "bob", "second"), (a, None, "ann", "first")]
    assert [r.is_current for r in rows] == [True, False]
    assert rows[0].created_at.tzinfo is not None


def test_restore_makes_an_old_version_current_and_the_next_save_builds_on_it(ws):
    a = save(ws, "p", "one")
    b = save(ws, "p", "two")
    with ws.session() as s:
        old = repo.resolve(s, f"p@{a[:8]}")
        outcome = repo.restore_version(s, old, author="ann")
        assert outcome.changed and outcome.previous.version_id == b
    with ws.session() as s:
        prompt = repo.require_prompt(s, "p")
        assert repo.resolve(s, "p").version_id == a
        assert repo.list_prompts(s)[0].latest_id == a
        rows = repo.history_rows(s, prompt)
        assert (rows[0].kind, rows[0].version_id, rows[0].parent_id) == ("restored", a, b)
        assert rows[0].message == f"Restored from {a[:12]}"
        assert [r.is_current for r in rows if r.kind == "saved"] == [False, True]
        assert not repo.restore_version(s, repo.resolve(s, "p")).changed
    c = save(ws, "p", "three")
    with ws.session() as s:
        latest = repo.resolve(s, "p")
        assert latest.version_id == c and latest.parent.version_id == a
    # Saving content identical to an existing version still creates nothing.
    with ws.session() as s:
        outcome = repo.save_version(s, "p", content("two"))
        assert not outcome.created and outcome.version.version_id == b
        assert repo.resolve(s, "p").version_id == c


# -- The history panel, restore and fork as desktop.core offers them ---------------------------
# (Here rather than in tests/core because this file owns the fixtures; move with them.)


def test_history_panel_entries_carry_releases_and_latest_scores(ws):
    from desktop.core import version_history
    from storage.workspace.models import Release, Result, Run

    a = save(ws, "greet", "one", author="ann", message="first")
    b = save(ws, "greet", "two", author="bob", message="second")
    with ws.session() as s:
        pa, pb = repo.resolve(s, f"greet@{a[:6]}").pk, repo.resolve(s, f"greet@{b[:6]}").pk
        s.add(Release(project="demo", number=1, channel="production", destination="d",
                      manifest_sha256="0" * 64, prompts={"greet": a}))
        old, new = Run(settings={}), Run(settings={})
        s.add_all([old, new])
        s.flush()
        s.add_all([Result(run_id=old.id, version_pk=pa, provider="x", score=0.2),
                   Result(run_id=new.id, version_pk=pa, provider="x", score=0.8),
                   Result(run_id=new.id, version_pk=pa, provider="y", score=0.6),
                   Result(run_id=new.id, version_pk=pb, provider="y", score=None)])
    with ws.session() as s:
        repo.rename_prompt(s, "greet", "support/greet")  # releases still name "greet"
    with ws.session() as s:
        entries = version_history.version_history(s, "support/greet")
    saved = [e for e in entries if e.kind == "saved"]
    assert [(e.version_id, e.parent_id, e.author, e.message) for e in saved] == [
        (b, a, "bob", "second"), (a, None, "ann", "first")]
    assert saved[0].is_current and saved[0].releases == () and saved[0].score is None
    assert [(r.channel, r.number) for r in saved[1].releases] == [("production", 1)]
    assert saved[1].score == pytest.approx(0.7) and saved[1].scored_cases == 2
    assert entries[0].kind == "renamed"


def test_fork_restore_and_diff_through_core(ws):
    from desktop.core import version_history

    a = save(ws, "p", "Hello world")
    b = save(ws, "p", "Hello world ")
    with ws.session() as s:
        seed = version_history.fork(s, f"p@{a[:6]}")
        assert (seed.base_version_id, seed.prompt_name) == (a, "p")
        assert seed.content == content("Hello world")
        result = version_history.diff(s, f"p@{a[:6]}")  # against the current version
        assert (result.old_id, result.new_id) == (a, b) and result.changed
        assert version_history.diff(s, f"p@{a[:6]}", b[:6]).new_id == b
        assert version_history.diff(s, f"p@{a[:6]}", f"@{a[:6]}").changed is False
        outcome = version_history.restore(s, f"p@{a[:6]}", author="ann", message="back to basics")
        assert outcome.previous.version_id == b
    with ws.session() as s:
        entries = version_history.version_history(s, "p")
        assert (entries[0].kind, entries[0].version_id, entries[0].parent_id,
                entries[0].message) == ("restored", a, b, "back to basics")
        assert [e.is_current for e in entries if e.kind == "saved"] == [False, True]


def test_search_index_stays_in_step_through_save_rename_delete_and_restore(ws):
    """Search reads candidates from the FTS5 trigram index (0008_search); what it returns is
    still exactly the LIKE semantics, through every write that changes what is searchable."""
    rtl = "שלום  לקוח 😀 refund\n"
    first = save(ws, "support/שלום", rtl, message="مرحبا first")
    save(ws, "support/שלום", "Café plain", message="second")
    with ws.session() as s:
        by = lambda q: {(h.name, h.field, h.in_current) for h in repo.search(s, q)}  # noqa: E731
        assert by("😀 ref") == {("support/שלום", "text", False)}
        assert by("  לקוח") == {("support/שלום", "text", False)}  # two spaces, byte-exact
        assert by(" לקוח 😀") == {("support/שלום", "text", False)}
        assert by("مرحبا") == {("support/שלום", "note", False)}
        assert by("CAFÉ") == set()  # LIKE folds ASCII only; the index's wider folding is checked
        assert by("CAFé") == {("support/שלום", "text", True)}
        assert by("😀") == {("support/שלום", "text", False)}  # shorter than a trigram: scanned
    with ws.session() as s:
        repo.rename_prompt(s, "support/שלום", "help/greet")
    with ws.session() as s:
        assert by("😀 ref") == {("help/greet", "text", False)}
    with ws.session() as s:
        repo.restore_version(s, repo.resolve(s, f"help/greet@{first}"))
    with ws.session() as s:
        assert by("😀 ref") == {("help/greet", "text", True)}
    with ws.session() as s:
        repo.delete_prompt(s, "help/greet")
    with ws.session() as s:
        assert by("😀 ref") == set()
        repo.undelete_prompt(s, "help/greet")
    with ws.session() as s:
        assert by("😀 ref") == {("help/greet", "text", True)}
        repo.purge_deleted(s)
    with ws.session() as s:
        repo.delete_prompt(s, "help/greet")
    with ws.session() as s:
        assert repo.purge_deleted(s) == 1
    with ws.engine.begin() as con:
        assert con.exec_driver_sql("SELECT count(*) FROM versions_fts_docsize").scalar() == 0
        con.exec_driver_sql("INSERT INTO versions_fts(versions_fts) VALUES ('integrity-check')")


def test_history_rows_with_a_limit_are_the_first_rows_of_the_whole_list(ws):
    ids = [save(ws, "p", f"text {k}", message=f"note {k}") for k in range(6)]
    with ws.session() as s:
        repo.restore_version(s, repo.resolve(s, f"p@{ids[1]}"))
    save(ws, "p", "text 6")
    with ws.session() as s:
        repo.rename_prompt(s, "p", "q")
    with ws.session() as s:
        prompt = repo.require_prompt(s, "q")
        whole = repo.history_rows(s, prompt)
        assert [r.kind for r in whole[:3]] == ["renamed", "saved", "restored"]
        for limit in range(1, 9):
            page = repo.history_rows(s, prompt, limit=limit)
            assert page == whole[:len(page)]
            assert sum(r.kind == "saved" for r in page) == min(limit, 7)
