"""Search: a trigram index of version notes alone, and the walk index covers prompt_id.

Revision ID: 0011_search_notes
Revises: 0010_versions_created
Create Date: 2026-12-03 11:30:00

`versions_fts` (0008_search) holds message text and notes in one index, so a note query for
common trigrams read the (long) lists of every message that has them before the column filter
dropped them: 20–70 ms to learn that no note matched. `versions_note_fts` indexes notes only
(an external-content table over `versions.message`, kept in step by triggers, filled here).

`ix_versions_created` becomes `ix_versions_created_prompt` on (created_at, prompt_id): the
newest-first walk of a common word reads which prompt each version belongs to from the index
alone, without reading the versions' rows. No table changes.
"""

from alembic import op


revision = '0011_search_notes'
down_revision = '0010_versions_created'
branch_labels = None
depends_on = None

NOTES = [
    "CREATE VIRTUAL TABLE versions_note_fts USING fts5(message, content='versions', "
    "content_rowid='pk', tokenize='trigram case_sensitive 0')",
    "CREATE TRIGGER versions_note_fts_insert AFTER INSERT ON versions BEGIN "
    "INSERT INTO versions_note_fts(rowid, message) VALUES (new.pk, new.message); END",
    "CREATE TRIGGER versions_note_fts_delete AFTER DELETE ON versions BEGIN "
    "INSERT INTO versions_note_fts(versions_note_fts, rowid, message) "
    "VALUES ('delete', old.pk, old.message); END",
    "CREATE TRIGGER versions_note_fts_update AFTER UPDATE OF message ON versions BEGIN "
    "INSERT INTO versions_note_fts(versions_note_fts, rowid, message) "
    "VALUES ('delete', old.pk, old.message); "
    "INSERT INTO versions_note_fts(rowid, message) VALUES (new.pk, new.message); END",
    "INSERT INTO versions_note_fts(versions_note_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    for statement in NOTES:
        op.execute(statement)
    op.drop_index('ix_versions_created', table_name='versions')
    op.create_index('ix_versions_created_prompt', 'versions', ['created_at', 'prompt_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_versions_created_prompt', table_name='versions')
    op.create_index('ix_versions_created', 'versions', ['created_at'], unique=False)
    for trigger in ("versions_note_fts_update", "versions_note_fts_delete",
                    "versions_note_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS versions_note_fts")
