"""Search: each version's note and message texts in a narrow table of their own.

Revision ID: 0012_search_texts
Revises: 0011_search_notes
Create Date: 2026-12-03 18:00:00

Search tested a version by parsing its stored JSON (`json_each`), about six times the cost of
the LIKE test itself, and the note sits after the content in a `versions` row, so reading it
went through the content's pages. At 100,000 versions, counting a common word's matches was
most of a search. `version_texts` holds, per version, its note and its messages' texts joined
by U+001F (the unit separator, so a query without it never matches across two messages): a
LIKE on it is the same test as before without any JSON. Triggers keep it in step with every
write to `versions`, in the same transaction; it is filled here. `versions` does not change.
"""

from alembic import op


revision = '0012_search_texts'
down_revision = '0011_search_notes'
branch_labels = None
depends_on = None

_TEXTS = ("coalesce((CASE WHEN json_valid({row}.content) THEN (SELECT group_concat("
          "json_extract(m.value, '$.content'), char(31)) FROM json_each({row}.content, "
          "'$.messages') AS m) END), '')")


def _values(row: str) -> str:
    return f"{row}.pk, {row}.message, {_TEXTS.format(row=row)}"


TEXTS = [
    "CREATE TABLE version_texts (pk INTEGER PRIMARY KEY, note TEXT NOT NULL, "
    "texts TEXT NOT NULL)",
    "CREATE TRIGGER version_texts_insert AFTER INSERT ON versions BEGIN "
    f"INSERT INTO version_texts(pk, note, texts) VALUES ({_values('new')}); END",
    "CREATE TRIGGER version_texts_delete AFTER DELETE ON versions BEGIN "
    "DELETE FROM version_texts WHERE pk = old.pk; END",
    "CREATE TRIGGER version_texts_update AFTER UPDATE OF content, message ON versions BEGIN "
    f"INSERT OR REPLACE INTO version_texts(pk, note, texts) VALUES ({_values('new')}); END",
    f"INSERT INTO version_texts(pk, note, texts) SELECT {_values('versions')} FROM versions",
]


def upgrade() -> None:
    for statement in TEXTS:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("version_texts_update", "version_texts_delete", "version_texts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS version_texts")
