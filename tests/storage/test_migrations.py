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


SEEDS = {"0001": seed_0001}


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
