"""Organise and history: undoable delete, restore (a prompt's head), history events, score index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:30:00

Only columns and tables are added: SQLite would rebuild `prompts` to change its constraints, and
dropping the old table with foreign keys on would cascade into `versions`. So a deleted prompt
frees its name by renaming itself (see models.Prompt), not through a partial unique index.
"""

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('prompts', sa.Column('deleted_at', sa.DateTime(), nullable=True))
    op.add_column('prompts', sa.Column('deleted_name', sa.String(), nullable=True))
    # ADD COLUMN with REFERENCES is allowed when the default is NULL; Alembic would try to add
    # the constraint separately, which SQLite cannot do.
    op.execute(
        "ALTER TABLE prompts ADD COLUMN head_pk INTEGER "
        "CONSTRAINT fk_prompts_head_pk_versions REFERENCES versions (pk) ON DELETE SET NULL"
    )
    op.create_table(
        'prompt_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prompt_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('version_pk', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('author', sa.String(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'],
                                name=op.f('fk_prompt_events_prompt_id_prompts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_pk'], ['versions.pk'],
                                name=op.f('fk_prompt_events_version_pk_versions'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_events')),
    )
    op.create_index('ix_prompt_events_prompt_created', 'prompt_events',
                    ['prompt_id', 'created_at'], unique=False)
    op.create_index('ix_results_version_pk', 'results', ['version_pk', 'run_id', 'score'],
                    unique=False)


def downgrade() -> None:
    # head_pk stays: SQLite cannot drop a column that carries a foreign key without rebuilding
    # `prompts` (see above); 0001 code ignores it.
    op.drop_index('ix_results_version_pk', table_name='results')
    op.drop_index('ix_prompt_events_prompt_created', table_name='prompt_events')
    op.drop_table('prompt_events')
    op.drop_column('prompts', 'deleted_name')
    op.drop_column('prompts', 'deleted_at')
