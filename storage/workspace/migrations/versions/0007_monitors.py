"""Monitors: quality checks run over production logs, their per-log scores and their alerts.

Revision ID: 0007_monitors
Revises: 0005_batch
Create Date: 2026-12-03 05:30:00

New tables only. A score is stored per (monitor, logged call) without the threshold applied, so
changing a monitor's threshold never needs rescoring; scoring a monitor again reads only the
calls it has no score for.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_monitors'
down_revision = '0005_batch'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monitors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('target', sa.String(), nullable=False),
        sa.Column('check_spec', sa.Text(), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('margin', sa.Float(), nullable=False),
        sa.Column('window_calls', sa.Integer(), nullable=True),
        sa.Column('window_days', sa.Float(), nullable=True),
        sa.Column('min_samples', sa.Integer(), nullable=False),
        sa.Column('sample_rate', sa.Float(), nullable=False),
        sa.Column('daily_budget', sa.Integer(), nullable=True),
        sa.Column('webhook', sa.String(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitors')),
        sa.UniqueConstraint('name', name=op.f('uq_monitors_name')),
    )
    op.create_table(
        'monitor_scores',
        sa.Column('monitor_id', sa.Integer(), nullable=False),
        sa.Column('call_pk', sa.Integer(), nullable=False),
        sa.Column('time', sa.DateTime(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['monitor_id'], ['monitors.id'],
                                name=op.f('fk_monitor_scores_monitor_id_monitors'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['call_pk'], ['log_calls.pk'],
                                name=op.f('fk_monitor_scores_call_pk_log_calls'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('monitor_id', 'call_pk', name=op.f('pk_monitor_scores')),
    )
    op.create_index('ix_monitor_scores_time', 'monitor_scores', ['monitor_id', 'time'])
    op.create_table(
        'monitor_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('monitor_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('opened_call_pk', sa.Integer(), nullable=True),
        sa.Column('opened_value', sa.Float(), nullable=False),
        sa.Column('worst_value', sa.Float(), nullable=False),
        sa.Column('call_pks', sa.Text(), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_call_pk', sa.Integer(), nullable=True),
        sa.Column('closed_by', sa.String(), nullable=True),
        sa.Column('webhook_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['monitor_id'], ['monitors.id'],
                                name=op.f('fk_monitor_alerts_monitor_id_monitors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_alerts')),
    )
    op.create_index('ix_monitor_alerts_status', 'monitor_alerts', ['monitor_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_monitor_alerts_status', table_name='monitor_alerts')
    op.drop_table('monitor_alerts')
    op.drop_index('ix_monitor_scores_time', table_name='monitor_scores')
    op.drop_table('monitor_scores')
    op.drop_table('monitors')
