"""organiser overview: indexes for the update in force and the next traffic-light change

Revision ID: b8e4d2c61f07
Revises: a4f9c2e7b815
Create Date: 2026-12-07 21:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e4d2c61f07'
down_revision = 'a4f9c2e7b815'
branch_labels = None
depends_on = None


def upgrade():
    # Indexes only, created in place: no table is copied (progress_update is never
    # batch-altered on SQLite).
    op.create_index(
        'ix_progress_update_commitment_reported',
        'progress_update',
        ['commitment_id', 'reported_at', 'recorded_at', 'id'],
        unique=False,
        postgresql_include=['percent_complete'],
    )
    op.create_index(
        'ix_commitment_status_inactive', 'commitment', ['status', 'inactive_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_commitment_status_inactive', table_name='commitment')
    op.drop_index('ix_progress_update_commitment_reported', table_name='progress_update')
