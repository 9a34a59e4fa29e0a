"""Runs: grid rows, cached and retried results, score weights and details, the response cache
and blind A/B preferences.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:00:00

Only columns, tables and indexes are added (no table is rebuilt). No runner wrote results
before this revision, so no existing result needs a `row`.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('results', sa.Column('row', sa.Integer(), nullable=True))
    op.add_column('results', sa.Column('cached', sa.Boolean(), nullable=False,
                                       server_default='0'))
    op.add_column('results', sa.Column('attempts', sa.Integer(), nullable=False,
                                       server_default='1'))
    op.create_index('ix_results_run_row', 'results', ['run_id', 'row', 'version_pk', 'provider'],
                    unique=False)
    # Covering: column totals read only this index; percentiles seek in latency order.
    op.create_index('ix_results_run_column', 'results',
                    ['run_id', 'version_pk', 'provider', 'error_kind', 'cached', 'latency_ms',
                     'passed', 'score', 'cost', 'tokens_in', 'tokens_out'], unique=False)
    op.add_column('scores', sa.Column('weight', sa.Float(), nullable=False,
                                      server_default='1.0'))
    op.add_column('scores', sa.Column('details', sa.JSON(), nullable=False,
                                      server_default='{}'))
    op.add_column('scores', sa.Column('rater', sa.String(), nullable=False, server_default=''))
    op.create_table(
        'response_cache',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('model', sa.String(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_response_cache')),
    )
    op.create_table(
        'preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('result_a_id', sa.Integer(), nullable=False),
        sa.Column('result_b_id', sa.Integer(), nullable=False),
        sa.Column('a_on_left', sa.Boolean(), nullable=False),
        sa.Column('choice', sa.String(), nullable=False),
        sa.Column('winner', sa.String(), nullable=False),
        sa.Column('rater', sa.String(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_preferences_run_id_runs'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['test_cases.id'],
                                name=op.f('fk_preferences_case_id_test_cases'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['result_a_id'], ['results.id'],
                                name=op.f('fk_preferences_result_a_id_results'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['result_b_id'], ['results.id'],
                                name=op.f('fk_preferences_result_b_id_results'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_preferences')),
    )
    op.create_index('ix_preferences_run', 'preferences', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_preferences_run', table_name='preferences')
    op.drop_table('preferences')
    op.drop_table('response_cache')
    with op.batch_alter_table('scores') as batch_op:
        batch_op.drop_column('rater')
        batch_op.drop_column('details')
        batch_op.drop_column('weight')
    op.drop_index('ix_results_run_column', table_name='results')
    op.drop_index('ix_results_run_row', table_name='results')
    with op.batch_alter_table('results') as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('cached')
        batch_op.drop_column('row')
