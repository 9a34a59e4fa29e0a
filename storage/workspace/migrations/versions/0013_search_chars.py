"""Search: each version's distinct characters, for queries shorter than a trigram.

Revision ID: 0013_search_chars
Revises: 0012_search_texts
Create Date: 2026-12-06 21:30:00

The trigram indexes (0008_search, 0011_search_notes) cannot serve a query of one or two
characters (an emoji, a two-character Chinese or Japanese word), so such a search read every
version's texts: 150-300 ms at 100,000 versions. `version_chars` holds, per version, the
distinct characters of its message texts and of its note (ASCII letters in lower case, as LIKE
folds them), a few dozen characters where the texts hold thousands: a version can hold the
query only if it holds each of its characters, and testing that on this narrow table is a
tenth of the cost.

SQL cannot work out distinct characters in linear time, so the program does, in Python, when
a transaction that wrote to the workspace commits (`storage.workspace.search_chars`). The
triggers only keep the table's rows in step with `versions`, in plain SQL: a new or changed
version gets NULL ("not worked out yet"), which search treats as a candidate, so a row written
by any other SQLite client is still found and the file stays writable by plain SQL. The rows
of the versions already there are worked out here.
"""

from alembic import op


revision = '0013_search_chars'
down_revision = '0012_search_texts'
branch_labels = None
depends_on = None

CHARS = [
    "CREATE TABLE version_chars (pk INTEGER PRIMARY KEY, texts TEXT, note TEXT)",
    "CREATE INDEX ix_version_chars_pending ON version_chars(pk) WHERE texts IS NULL",
    "CREATE TRIGGER version_chars_insert AFTER INSERT ON versions BEGIN "
    "INSERT OR REPLACE INTO version_chars(pk) VALUES (new.pk); END",
    "CREATE TRIGGER version_chars_delete AFTER DELETE ON versions BEGIN "
    "DELETE FROM version_chars WHERE pk = old.pk; END",
    "CREATE TRIGGER version_chars_update AFTER UPDATE OF content, message ON versions BEGIN "
    "UPDATE version_chars SET texts = NULL, note = NULL WHERE pk = new.pk; END",
]

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def distinct_chars(value: str) -> str:
    """The distinct characters of `value`, sorted, ASCII letters in lower case (the same as
    `storage.workspace.search_chars.distinct_chars`, kept here so this step never changes)."""
    return "".join(sorted(set(value.translate(_ASCII_LOWER))))


def upgrade() -> None:
    for statement in CHARS:
        op.execute(statement)
    connection = op.get_bind().connection.driver_connection
    rows = connection.execute("SELECT pk, texts, note FROM version_texts")
    while batch := rows.fetchmany(5_000):
        connection.executemany(
            "INSERT INTO version_chars(pk, texts, note) VALUES (?, ?, ?)",
            [(pk, distinct_chars(texts), distinct_chars(note)) for pk, texts, note in batch])


def downgrade() -> None:
    for trigger in ("version_chars_update", "version_chars_delete", "version_chars_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS version_chars")
