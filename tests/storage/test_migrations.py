"""Migrations: a fresh file and a file at every earlier revision both end at head, rows intact.

When a revision is added, add a seeding function for it to SEEDS so that its rows are checked
through every later upgrade.
"""

from __future__ import annotations

import sqlite3

import pytest

from storage.workspace.db import Workspace, head_revision, known_revisions, upgrade_to


def seed_0001(con: sqlite3.Connection) -> dict[str, int]:
    con.execute("INSERT INTO prompts (id, name, description, created_at, updated_at) "
                "VALUES (1, 'support/summarize', 'd', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, created_at) "
                "VALUES (1, 1, 'abcd', '{}', 'ann', 'first', '2026-01-01 00:00:00')")
    con.execute("INSERT INTO providers (name, model, parameters, key_source, created_at) "
                "VALUES ('fast', 'openai/gpt-4o-mini', '{}', 'none', '2026-01-01 00:00:00')")
    con.execute("INSERT INTO test_sets (id, name, description, evaluators, created_at, updated_at) "
                "VALUES (1, 'gold', '', '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    con.execute("INSERT INTO test_cases (test_set_id, position, variables, notes, tags) "
                "VALUES (1, 0, '{\"a\": \"1\"}', '', '[]')")
    return {"prompts": 1, "versions": 1, "providers": 1, "test_sets": 1, "test_cases": 1}


def seed_0002(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0001(con)
    con.execute("INSERT INTO prompts (id, name, description, created_at, updated_at, deleted_at, "
                "deleted_name, head_pk) VALUES (2, '@deleted/2/old', '', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', '2026-01-02 00:00:00', 'old', NULL)")
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at, parent_pk) VALUES (2, 1, 'bcde', '{}', 'ann', 'second', "
                "'2026-01-02 00:00:00', 1)")
    con.execute("UPDATE prompts SET head_pk = 1 WHERE id = 1")
    con.execute("INSERT INTO prompt_events (prompt_id, kind, version_pk, detail, author, message, "
                "created_at) VALUES (1, 'restored', 1, '{}', 'ann', 'Restored', "
                "'2026-01-03 00:00:00')")
    return {**counts, "prompts": 2, "versions": 2, "prompt_events": 1}


def seed_0003(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0002(con)
    con.execute("INSERT INTO runs (id, test_set_id, test_set_hash, status, settings, created_at) "
                "VALUES (1, 1, 'h', 'finished', '{\"case_ids\": [1]}', '2026-01-04 00:00:00')")
    con.execute("INSERT INTO results (id, run_id, case_id, version_pk, provider, model, output, "
                "score, passed, created_at, row, cached, attempts) VALUES (1, 1, 1, 1, 'fast', "
                "'m', 'out', 1.0, 1, '2026-01-04 00:00:00', 0, 1, 0)")
    con.execute("INSERT INTO scores (result_id, evaluator, kind, value, passed, reason, "
                "created_at, weight, details, rater) VALUES (1, 'contains:o', 'auto', 1.0, 1, '', "
                "'2026-01-04 00:00:00', 2.0, '{}', '')")
    con.execute("INSERT INTO response_cache (key, model, response, created_at) VALUES "
                "('k', 'm', '{\"text\": \"out\"}', '2026-01-04 00:00:00')")
    con.execute("INSERT INTO results (id, run_id, case_id, version_pk, provider, model, output, "
                "created_at, row) VALUES (2, 1, 1, 2, 'fast', 'm', 'out2', '2026-01-04 00:00:00', 0)")
    con.execute("INSERT INTO preferences (run_id, case_id, result_a_id, result_b_id, a_on_left, "
                "choice, winner, rater, comment, created_at) VALUES (1, 1, 1, 2, 1, 'left', 'a', "
                "'ann', '', '2026-01-04 00:00:00')")
    return {**counts, "runs": 1, "results": 2, "scores": 1, "response_cache": 1,
            "preferences": 1}


def seed_0004_logs(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0003(con)
    con.execute("INSERT INTO log_sinks (repository, location, project, created_at) VALUES "
                "('/r/', '/logs', 'acme', '2026-01-05 00:00:00')")
    con.execute("INSERT INTO log_segments (id, source, path, status, size, records, problems, "
                "pulled_at) VALUES (1, '/logs', 'acme/2026-01-05/x.jsonl', 'done', 10, 2, '[]', "
                "'2026-01-05 00:00:00')")
    con.execute("INSERT INTO log_calls (log_id, project, channel, release, prompt, version_id, "
                "time, model, variables, variables_hash, output, details, segment_id, "
                "imported_at) VALUES ('0123456789abcdef-1', 'acme', 'production', 1, "
                "'support/summarize', 'abcd', '2026-01-05 00:00:00', 'm', '{\"t\": \"hi\"}', "
                "'h', 'out', '{}', 1, '2026-01-05 00:00:00')")
    con.execute("INSERT INTO log_feedback (feedback_id, log_id, project, time, rating, polarity, "
                "comment, details, segment_id, imported_at) VALUES ('0123456789abcdef-2', "
                "'0123456789abcdef-1', 'acme', '2026-01-05 00:00:00', 'false', 'negative', "
                "'wrong', '{}', 1, '2026-01-05 00:00:00')")
    return {**counts, "log_sinks": 1, "log_segments": 1, "log_calls": 1, "log_feedback": 1}


def seed_0005_batch(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0004_logs(con)
    con.execute("INSERT INTO run_batches (run_id, provider, api, batch_id, status, cells, total, "
                "completed, failed, created_at, updated_at) VALUES (1, 'fast', 'openai', "
                "'batch_1', 'in_progress', '[[0, 1]]', 1, 0, 0, '2026-01-05 00:00:00', "
                "'2026-01-05 00:00:00')")
    return {**counts, "run_batches": 1}


def seed_0007_monitors(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0005_batch(con)
    con.execute("INSERT INTO monitors (name, target, check_spec, threshold, margin, "
                "window_calls, min_samples, sample_rate, created_at) VALUES ('json', "
                "'support/', 'is-json', 0.9, 0.05, 100, 20, 1.0, '2026-01-06 00:00:00')")
    pk = con.execute("SELECT min(pk) FROM log_calls").fetchone()[0]
    con.execute("INSERT INTO monitor_scores (monitor_id, call_pk, time, value, status, reason) "
                "VALUES (1, ?, '2026-01-06 00:00:00', 0.0, 'scored', '')", (pk,))
    con.execute("INSERT INTO monitor_alerts (monitor_id, status, opened_at, opened_value, "
                "worst_value, call_pks) VALUES (1, 'open', '2026-01-06 00:00:00', 0.5, 0.5, "
                "'[1]')")
    return {**counts, "monitors": 1, "monitor_scores": 1, "monitor_alerts": 1}


_RTL_CONTENT = ('{"messages": [{"content": "\u05e9\u05dc\u05d5\u05dd  refund \U0001f600\\n", '
                '"role": "system"}], "model": "m"}')


def seed_0008_search(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0007_monitors(con)
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at, parent_pk) VALUES (3, 1, 'cdef', ?, 'ann', 'مرحبا note', "
                "'2026-01-06 00:00:00', 2)", (_RTL_CONTENT,))
    return {**counts, "versions": 3}


def seed_0009_grid(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0008_search(con)
    plan = con.execute("EXPLAIN QUERY PLAN SELECT row FROM results WHERE run_id = 1 AND "
                       "(passed = 0 OR error_kind IS NOT NULL)").fetchall()
    assert any("ix_results_run_failures" in str(step) for step in plan), plan
    return counts


def seed_0010_versions_created(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0009_grid(con)
    plan = con.execute("EXPLAIN QUERY PLAN SELECT pk FROM versions ORDER BY created_at DESC, "
                       "pk DESC").fetchall()
    assert any("ix_versions_created" in str(step) for step in plan), plan
    return counts


def seed_0011_search_notes(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0010_versions_created(con)
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at, parent_pk) VALUES (4, 1, 'ef01', ?, 'ann', 'warmer tone 🎉', "
                "'2026-01-07 00:00:00', 3)", (_RTL_CONTENT,))
    plan = con.execute("EXPLAIN QUERY PLAN SELECT prompt_id, pk FROM versions ORDER BY "
                       "created_at DESC, pk DESC").fetchall()
    assert any("COVERING INDEX ix_versions_created_prompt" in str(step) for step in plan), plan
    return {**counts, "versions": 4}


_TWO_MESSAGES = ('{"messages": [{"content": "Be kind.\\r\\n", "role": "system"}, '
                 '{"content": "\u0645\u0631\u062d\u0628\u064b\u0627 {{ name }}!  ", '
                 '"role": "user"}], "model": "refund-model"}')


def seed_0012_search_texts(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0011_search_notes(con)
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at, parent_pk) VALUES (5, 1, 'ef02', ?, 'ann', '', "
                "'2026-01-08 00:00:00', 4)", (_TWO_MESSAGES,))
    return {**counts, "versions": 5, "version_texts": 5}


def seed_0013_search_chars(con: sqlite3.Connection) -> dict[str, int]:
    counts = seed_0012_search_texts(con)
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at, parent_pk) VALUES (6, 1, 'ef03', ?, 'ann', 'Zz', "
                "'2026-01-09 00:00:00', 5)", (_TWO_MESSAGES,))
    return {**counts, "versions": 6, "version_texts": 6, "version_chars": 6}


SEEDS = {"0001": seed_0001, "0002": seed_0002, "0003": seed_0003, "0004_logs": seed_0004_logs,
         "0005_batch": seed_0005_batch, "0007_monitors": seed_0007_monitors,
         "0008_search": seed_0008_search, "0009_grid": seed_0009_grid,
         "0010_versions_created": seed_0010_versions_created,
         "0012_search_texts": seed_0012_search_texts,
         "0011_search_notes": seed_0011_search_notes,
         "0013_search_chars": seed_0013_search_chars}


def test_every_revision_has_a_seed():
    assert set(known_revisions()) == set(SEEDS), "add a seed for each new revision"


def test_fresh_file_ends_at_head(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws, ws.engine.connect() as con:
        assert con.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()


@pytest.mark.parametrize("revision", known_revisions())
def test_upgrade_from_each_revision_keeps_rows(tmp_path, revision):
    path = tmp_path / "old.promptpress"
    upgrade_to(path, revision)
    con = sqlite3.connect(path)
    expected = SEEDS[revision](con)
    con.commit()
    con.close()
    with Workspace.open(path) as ws, ws.engine.connect() as con:
        assert con.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
        for table, count in expected.items():
            assert con.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == count


def test_revisions_read_from_the_files_are_alembics():
    from alembic.script import ScriptDirectory

    from storage.workspace.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    assert known_revisions() == [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert head_revision() == script.get_current_head()


def test_opening_an_up_to_date_workspace_does_not_load_alembic(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "w.promptpress"
    Workspace.open(path).close()
    probe = ("import sys; from storage.workspace.db import Workspace; "
             f"Workspace.open({str(path)!r}).close(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "False"


def test_logs_search_index_follows_writes_through_the_migration(tmp_path):
    """0004_logs' triggers keep the FTS5 index in step with rows written by plain SQL."""
    path = tmp_path / "old.promptpress"
    upgrade_to(path, "0004_logs")
    con = sqlite3.connect(path)
    seed_0004_logs(con)
    con.commit()
    assert con.execute("SELECT count(*) FROM log_calls_fts WHERE log_calls_fts MATCH 'hi'"
                       ).fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM log_feedback_fts WHERE log_feedback_fts MATCH "
                       "'wrong'").fetchone()[0] == 1
    con.execute("UPDATE log_calls SET output = 'refund'")
    con.execute("DELETE FROM log_feedback")
    for table in ("log_calls_fts", "log_feedback_fts"):
        con.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    assert con.execute("SELECT count(*) FROM log_calls_fts WHERE log_calls_fts MATCH 'refund'"
                       ).fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM log_calls_fts WHERE log_calls_fts MATCH 'out'"
                       ).fetchone()[0] == 0
    con.close()


def _fts_count(con, match: str) -> int:
    return con.execute("SELECT count(*) FROM versions_fts WHERE versions_fts MATCH ?",
                       (match,)).fetchone()[0]


def test_version_search_index_is_back_filled_and_follows_writes(tmp_path):
    """0008_search fills versions_fts from the rows already there, and its triggers keep it in
    step with rows written by plain SQL afterwards."""
    path = tmp_path / "old.promptpress"
    upgrade_to(path, "0005_batch")
    con = sqlite3.connect(path)
    seed_0005_batch(con)
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at) VALUES (3, 1, 'cdef', ?, 'ann', 'مرحبا note', "
                "'2026-01-06 00:00:00')", (_RTL_CONTENT,))
    con.commit()
    con.close()
    Workspace.open(path).close()  # migrates, with the usual backup first
    assert list(tmp_path.glob("old.promptpress.before-upgrade-0005_batch-*"))
    con = sqlite3.connect(path)
    assert _fts_count(con, 'text : "שלום  refund 😀"') == 1
    assert _fts_count(con, 'note : "مرحبا"') == 1
    assert _fts_count(con, 'note : "second"') == 1
    con.execute("UPDATE versions SET message = 'renamed note' WHERE pk = 3")
    con.execute("DELETE FROM versions WHERE pk = 2")
    con.execute("INSERT INTO versions_fts(versions_fts) VALUES ('integrity-check')")
    assert _fts_count(con, 'note : "مرحبا"') == 0
    assert _fts_count(con, 'note : "renamed"') == 1
    assert _fts_count(con, 'note : "second"') == 0
    con.close()


def test_version_texts_are_back_filled_and_follow_writes(tmp_path):
    """0012_search_texts fills version_texts from the versions already there, byte-exact (the
    note, and each message's text with U+001F between them), and its triggers follow plain SQL."""
    path = tmp_path / "old.promptpress"
    upgrade_to(path, "0011_search_notes")
    con = sqlite3.connect(path)
    seed_0011_search_notes(con)
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at) VALUES (9, 1, 'ab09', ?, 'ann', '', '2026-01-09 00:00:00')",
                (_TWO_MESSAGES,))
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at) VALUES (10, 1, 'ab10', 'not json', 'ann', 'n', "
                "'2026-01-10 00:00:00')")
    con.commit()
    con.close()
    Workspace.open(path).close()
    con = sqlite3.connect(path)

    def texts() -> dict[int, tuple[str, str]]:
        return {pk: (n, t) for pk, n, t in con.execute("SELECT pk, note, texts FROM version_texts")}

    got = texts()
    assert set(got) == {pk for (pk,) in con.execute("SELECT pk FROM versions")}
    assert got[9] == ("", "Be kind.\r\n\x1fمرحبًا {{ name }}!  ")
    assert got[4] == ("warmer tone 🎉", "שלום  refund 😀\n")
    assert got[10] == ("n", "")  # content that is not JSON has no message text
    con.execute("UPDATE versions SET message = 'renamed' WHERE pk = 9")
    con.execute("DELETE FROM versions WHERE pk = 4")
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at) VALUES (11, 1, 'ab11', ?, 'ann', 'x', '2026-01-11 00:00:00')",
                (_RTL_CONTENT,))
    con.commit()
    got = texts()
    assert 4 not in got and got[9][0] == "renamed" and got[11] == ("x", "שלום  refund 😀\n")
    con.close()


def _upgraded_from(path, revision: str, seed) -> sqlite3.Connection:
    """A file at `revision` with `seed`'s rows, upgraded by opening it; a plain connection to it."""
    upgrade_to(path, revision)
    con = sqlite3.connect(path)
    seed(con)
    con.commit()
    con.close()
    Workspace.open(path).close()
    return sqlite3.connect(path)


def test_version_chars_are_back_filled_then_worked_out_when_a_write_commits(tmp_path):
    """0013_search_chars works out each version's distinct characters (ASCII letters folded,
    as LIKE does); a version written later by plain SQL is pending (NULL), found by a short
    search all the same, and worked out when the app next commits a write."""
    from storage.releases.content import Message, PromptContent
    from storage.workspace import prompts as repo
    from storage.workspace.search_chars import distinct_chars

    path = tmp_path / "old.promptpress"
    con = _upgraded_from(path, "0012_search_texts", seed_0012_search_texts)

    def chars() -> dict[int, tuple[str | None, str | None]]:
        return {pk: (t, n) for pk, t, n in con.execute("SELECT pk, texts, note FROM version_chars")}

    got = chars()
    assert set(got) == {pk for (pk,) in con.execute("SELECT pk FROM versions")}
    assert got[4] == ("\n defnruולםש😀", " aemnortw🎉")
    assert got[5] == (distinct_chars("Be kind.\r\n\x1fمرحبًا {{ name }}!  "), "")
    assert "B" not in got[5][0] and "b" in got[5][0]
    con.execute("UPDATE versions SET message = 'Renamed' WHERE pk = 5")
    con.execute("DELETE FROM versions WHERE pk = 4")
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at) VALUES (11, 1, 'ab11', ?, 'ann', '🦉', '2026-01-11 00:00:00')",
                (_RTL_CONTENT,))
    con.commit()
    got = chars()
    assert 4 not in got and got[5] == (None, None) and got[11] == (None, None)
    with Workspace.open(path) as ws:
        with ws.session() as s:  # pending rows are candidates: found before they are worked out
            assert [h.field for h in repo.search(s, "🦉")] == ["note"]
            assert [h.field for h in repo.search(s, "R") if h.field == "note"] == ["note"]
        assert chars()[11] == (None, None)  # a search writes nothing
        with ws.session() as s:
            repo.save_version(s, "another", PromptContent(messages=[Message("user", "hi")]))
    got = chars()
    assert got[5][1] == distinct_chars("Renamed") == "ademnr"
    assert got[11] == ("\n defnruולםש😀", "🦉")
    assert all(t is not None for t, _ in got.values())
    con.close()


def _note_count(con, match: str) -> int:
    return con.execute("SELECT count(*) FROM versions_note_fts WHERE versions_note_fts MATCH ?",
                       (match,)).fetchone()[0]


def test_note_search_index_is_back_filled_and_follows_writes(tmp_path):
    """0011_search_notes fills versions_note_fts from the notes already there (message text is
    not in it), and its triggers follow rows written by plain SQL afterwards."""
    path = tmp_path / "old.promptpress"
    con = _upgraded_from(path, "0010_versions_created", seed_0010_versions_created)
    assert _note_count(con, '"مرحبا"') == 1
    assert _note_count(con, '"second"') == 1
    assert _note_count(con, '"refund"') == 0  # in a message's text, not a note
    con.execute("UPDATE versions SET message = 'renamed note' WHERE pk = 3")
    con.execute("DELETE FROM versions WHERE pk = 2")
    con.execute("INSERT INTO versions (pk, prompt_id, version_id, content, author, message, "
                "created_at) VALUES (9, 1, 'ffff', '{}', 'ann', 'a fresh NOTE', "
                "'2026-01-08 00:00:00')")
    con.execute("INSERT INTO versions_note_fts(versions_note_fts) VALUES ('integrity-check')")
    assert _note_count(con, '"مرحبا"') == 0
    assert _note_count(con, '"renamed"') == 1
    assert _note_count(con, '"second"') == 0
    assert _note_count(con, '"fresh note"') == 1
    con.close()


def test_models_describe_the_migrated_tables(tmp_path):
    """Every column the models declare (a mixin's too) is in a fresh file, as nullable or not."""
    from storage.workspace.models import Base

    with Workspace.open(tmp_path / "w.promptpress") as ws, ws.engine.connect() as con:
        for table in Base.metadata.sorted_tables:
            stored = {row[1]: bool(row[3]) or bool(row[5])  # notnull, or part of the primary key
                      for row in con.exec_driver_sql(f"PRAGMA table_info({table.name})")}
            declared = {c.name: not c.nullable for c in table.columns}
            assert stored == declared, table.name
