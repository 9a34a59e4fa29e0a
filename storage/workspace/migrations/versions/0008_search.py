"""Prompt search through SQLite FTS5: versions' message text and notes, indexed.

Revision ID: 0008_search
Revises: 0007_monitors
Create Date: 2026-12-03 05:40:00

A new external-content FTS5 table, `versions_fts`, over the view `versions_text` (each
version's message texts one per line, and its note). The trigram tokenizer indexes every
three-character run, so a query finds the same substrings the old LIKE scan found (any script,
RTL, emoji); search then confirms each candidate with the exact LIKE test, so results are
unchanged byte for byte. Triggers keep the index in step with every write, in the same
transaction; the index is back-filled here. Nothing existing changes.
"""

from alembic import op


revision = '0008_search'
down_revision = '0007_monitors'
branch_labels = None
depends_on = None

_TEXT = ("(CASE WHEN json_valid({row}.content) THEN (SELECT group_concat("
         "json_extract(m.value, '$.content'), char(10)) FROM json_each({row}.content, "
         "'$.messages') AS m) END)")
_COLUMNS = "text, note"


def _values(row: str) -> str:
    return f"{row}.pk, {_TEXT.format(row=row)}, {row}.message"


SEARCH = [
    f"CREATE VIEW versions_text AS SELECT pk, {_TEXT.format(row='versions')} AS text, "
    "message AS note FROM versions",
    f"CREATE VIRTUAL TABLE versions_fts USING fts5({_COLUMNS}, content='versions_text', "
    "content_rowid='pk', tokenize='trigram case_sensitive 0')",
    f"CREATE TRIGGER versions_fts_insert AFTER INSERT ON versions BEGIN "
    f"INSERT INTO versions_fts(rowid, {_COLUMNS}) VALUES ({_values('new')}); END",
    f"CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN "
    f"INSERT INTO versions_fts(versions_fts, rowid, {_COLUMNS}) "
    f"VALUES ('delete', {_values('old')}); END",
    f"CREATE TRIGGER versions_fts_update AFTER UPDATE OF content, message ON versions BEGIN "
    f"INSERT INTO versions_fts(versions_fts, rowid, {_COLUMNS}) "
    f"VALUES ('delete', {_values('old')}); "
    f"INSERT INTO versions_fts(rowid, {_COLUMNS}) VALUES ({_values('new')}); END",
    # Back-fill. FTS5's 'rebuild' cannot read this view (SQL logic error in SQLite 3.40), a
    # plain INSERT ... SELECT can.
    f"INSERT INTO versions_fts(rowid, {_COLUMNS}) SELECT pk, {_COLUMNS} FROM versions_text",
]


def upgrade() -> None:
    for statement in SEARCH:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("versions_fts_update", "versions_fts_delete", "versions_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS versions_fts")
    op.execute("DROP VIEW IF EXISTS versions_text")
