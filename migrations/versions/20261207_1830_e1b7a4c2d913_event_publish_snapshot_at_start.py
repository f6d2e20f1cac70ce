"""event: publish its snapshot at the start

Revision ID: e1b7a4c2d913
Revises: c5101052c530
Create Date: 2026-12-07 18:30:00

Existing events keep today's behaviour (a snapshot waits for a Publish click):
the column is false for them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1b7a4c2d913'
down_revision = 'c5101052c530'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_snapshot_at_start', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('publish_snapshot_at_start')
