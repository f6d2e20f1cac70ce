"""computed figures: values computed once and shared by every process

Revision ID: c3a9f0d5e812
Revises: b8e4d2c61f07
Create Date: 2026-12-07 21:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

import pact_tracker.core.types

# revision identifiers, used by Alembic.
revision = 'c3a9f0d5e812'
down_revision = 'b8e4d2c61f07'
branch_labels = None
depends_on = None


def upgrade():
    # A new table: nothing existing is copied or altered.
    op.create_table('computed_figure',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('computed_at', pact_tracker.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', pact_tracker.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_computed_figure'))
    )
    op.create_index(
        op.f('ix_computed_figure_expires_at'), 'computed_figure', ['expires_at'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_computed_figure_expires_at'), table_name='computed_figure')
    op.drop_table('computed_figure')
