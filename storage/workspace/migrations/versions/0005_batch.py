"""Batch runs: the provider batches a run was submitted as, so that closing the app loses nothing.

Revision ID: 0005_batch
Revises: 0003
Create Date: 2026-11-28 12:00:00

One new table; nothing existing changes.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005_batch'
down_revision = '0004_logs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'run_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(), nullable=False),
        sa.Column('api', sa.String(), nullable=False),
        sa.Column('batch_id', sa.String(), nullable=False),
        sa.Column('input_file_id', sa.String(), nullable=True),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('completed', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('collected_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_batches_run_id_runs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_run_batches')),
    )
    op.create_index('ix_run_batches_run', 'run_batches', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_run_batches_run', table_name='run_batches')
    op.drop_table('run_batches')
