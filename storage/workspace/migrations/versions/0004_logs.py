"""Production logs: calls and feedback pulled from log sinks, with full-text search.

Revision ID: 0004_logs
Revises: 0003
Create Date: 2026-12-02 12:00:00

New tables only. Search uses SQLite FTS5: `log_calls_fts` indexes the view `log_calls_text`
(variable values one per line, output, error) and `log_feedback_fts` indexes feedback
labels, comments and corrected outputs. Both are external-content tables (the text is stored
once, in log_calls / log_feedback) kept in step by the triggers below, in the same transaction
as every write.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_logs'
down_revision = '0003'
branch_labels = None
depends_on = None

_VALUES = "(SELECT group_concat(value, char(10)) FROM json_each({row}.variables))"
_CALL_COLUMNS = "variables, output, error"
_FEEDBACK_COLUMNS = "label, comment, corrected_output"


def _call_values(row: str) -> str:
    return f"{row}.pk, {_VALUES.format(row=row)}, {row}.output, {row}.error"


def _feedback_values(row: str) -> str:
    return f"{row}.pk, {row}.label, {row}.comment, {row}.corrected_output"


SEARCH = [
    f"CREATE VIEW log_calls_text AS SELECT pk, {_VALUES.format(row='log_calls')} "
    "AS variables, output, error FROM log_calls",
    f"CREATE VIRTUAL TABLE log_calls_fts USING fts5({_CALL_COLUMNS}, content='log_calls_text', "
    "content_rowid='pk', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER log_calls_fts_insert AFTER INSERT ON log_calls BEGIN "
    f"INSERT INTO log_calls_fts(rowid, {_CALL_COLUMNS}) VALUES ({_call_values('new')}); END",
    f"CREATE TRIGGER log_calls_fts_delete AFTER DELETE ON log_calls BEGIN "
    f"INSERT INTO log_calls_fts(log_calls_fts, rowid, {_CALL_COLUMNS}) "
    f"VALUES ('delete', {_call_values('old')}); END",
    f"CREATE TRIGGER log_calls_fts_update AFTER UPDATE ON log_calls BEGIN "
    f"INSERT INTO log_calls_fts(log_calls_fts, rowid, {_CALL_COLUMNS}) "
    f"VALUES ('delete', {_call_values('old')}); "
    f"INSERT INTO log_calls_fts(rowid, {_CALL_COLUMNS}) VALUES ({_call_values('new')}); END",
    f"CREATE VIRTUAL TABLE log_feedback_fts USING fts5({_FEEDBACK_COLUMNS}, "
    "content='log_feedback', content_rowid='pk', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER log_feedback_fts_insert AFTER INSERT ON log_feedback BEGIN "
    f"INSERT INTO log_feedback_fts(rowid, {_FEEDBACK_COLUMNS}) "
    f"VALUES ({_feedback_values('new')}); END",
    f"CREATE TRIGGER log_feedback_fts_delete AFTER DELETE ON log_feedback BEGIN "
    f"INSERT INTO log_feedback_fts(log_feedback_fts, rowid, {_FEEDBACK_COLUMNS}) "
    f"VALUES ('delete', {_feedback_values('old')}); END",
    f"CREATE TRIGGER log_feedback_fts_update AFTER UPDATE ON log_feedback BEGIN "
    f"INSERT INTO log_feedback_fts(log_feedback_fts, rowid, {_FEEDBACK_COLUMNS}) "
    f"VALUES ('delete', {_feedback_values('old')}); "
    f"INSERT INTO log_feedback_fts(rowid, {_FEEDBACK_COLUMNS}) "
    f"VALUES ({_feedback_values('new')}); END",
]


def upgrade() -> None:
    op.create_table(
        'log_sinks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('repository', sa.String(), nullable=False),
        sa.Column('location', sa.String(), nullable=False),
        sa.Column('project', sa.String(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('pulled_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_log_sinks')),
        sa.UniqueConstraint('repository', 'location', name=op.f('uq_log_sinks_repository')),
    )
    op.create_table(
        'log_segments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(), nullable=False),
        sa.Column('path', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('problems', sa.Text(), nullable=False),
        sa.Column('pulled_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_log_segments')),
        sa.UniqueConstraint('source', 'path', name=op.f('uq_log_segments_source')),
    )
    op.create_table(
        'log_calls',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('log_id', sa.String(), nullable=False),
        sa.Column('project', sa.String(), nullable=False),
        sa.Column('channel', sa.String(), nullable=True),
        sa.Column('release', sa.Integer(), nullable=True),
        sa.Column('prompt', sa.String(), nullable=False),
        sa.Column('version_id', sa.String(length=64), nullable=False),
        sa.Column('time', sa.DateTime(), nullable=False),
        sa.Column('model', sa.String(), nullable=True),
        sa.Column('variables', sa.Text(), nullable=False),
        sa.Column('variables_hash', sa.String(length=64), nullable=False),
        sa.Column('output', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('latency_ms', sa.Float(), nullable=True),
        sa.Column('tokens_in', sa.Integer(), nullable=True),
        sa.Column('tokens_out', sa.Integer(), nullable=True),
        sa.Column('cost', sa.Float(), nullable=True),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['segment_id'], ['log_segments.id'],
                                name=op.f('fk_log_calls_segment_id_log_segments'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('pk', name=op.f('pk_log_calls')),
        sa.UniqueConstraint('log_id', name=op.f('uq_log_calls_log_id')),
    )
    op.create_index('ix_log_calls_prompt_time', 'log_calls', ['prompt', 'time'])
    op.create_index('ix_log_calls_time', 'log_calls', ['time'])
    op.create_index('ix_log_calls_release_time', 'log_calls', ['release', 'time'])
    op.create_table(
        'log_feedback',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('feedback_id', sa.String(), nullable=False),
        sa.Column('log_id', sa.String(), nullable=False),
        sa.Column('project', sa.String(), nullable=False),
        sa.Column('time', sa.DateTime(), nullable=False),
        sa.Column('rating', sa.Text(), nullable=True),
        sa.Column('polarity', sa.String(), nullable=True),
        sa.Column('label', sa.Text(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('corrected_output', sa.Text(), nullable=True),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['segment_id'], ['log_segments.id'],
                                name=op.f('fk_log_feedback_segment_id_log_segments'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('pk', name=op.f('pk_log_feedback')),
        sa.UniqueConstraint('feedback_id', name=op.f('uq_log_feedback_feedback_id')),
    )
    op.create_index('ix_log_feedback_log', 'log_feedback', ['log_id', 'polarity'])
    for statement in SEARCH:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("log_feedback_fts_update", "log_feedback_fts_delete",
                    "log_feedback_fts_insert", "log_calls_fts_update", "log_calls_fts_delete",
                    "log_calls_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS log_feedback_fts")
    op.execute("DROP TABLE IF EXISTS log_calls_fts")
    op.execute("DROP VIEW IF EXISTS log_calls_text")
    op.drop_index('ix_log_feedback_log', table_name='log_feedback')
    op.drop_table('log_feedback')
    for index in ('ix_log_calls_release_time', 'ix_log_calls_time', 'ix_log_calls_prompt_time'):
        op.drop_index(index, table_name='log_calls')
    op.drop_table('log_calls')
    op.drop_table('log_segments')
    op.drop_table('log_sinks')
