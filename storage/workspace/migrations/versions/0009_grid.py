"""The run grid at a million results: an index to sort by a column's score, one for failures.

Revision ID: 0009_grid
Revises: 0008_search
Create Date: 2026-12-03 05:30:00

Two new indexes on results; no table changes.
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_grid'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_results_run_column_score', 'results',
                    ['run_id', 'version_pk', 'provider', 'score', 'row'], unique=False)
    op.create_index('ix_results_run_failures', 'results', ['run_id', 'row'], unique=False,
                    sqlite_where=sa.text('passed = 0 OR error_kind IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_results_run_failures', table_name='results')
    op.drop_index('ix_results_run_column_score', table_name='results')
