"""Search walks versions newest first: an index on versions.created_at.

Revision ID: 0010_versions_created
Revises: 0009_grid
Create Date: 2026-12-03 08:40:00

A search for a word most versions contain reads versions newest first and stops once it has a
hit for enough prompts; without this index SQLite sorted every matching version first. The
index holds (created_at, pk), so it also gives the tie order. No table changes.
"""

from alembic import op


revision = '0010_versions_created'
down_revision = '0009_grid'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_versions_created', 'versions', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_versions_created', table_name='versions')
