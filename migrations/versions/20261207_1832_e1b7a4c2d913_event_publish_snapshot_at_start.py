"""event: publish its snapshot at the start

Revision ID: e1b7a4c2d913
Revises: 3c2b1f6c4fa1
Create Date: 2026-12-07 18:30:00

Existing events keep today's behaviour (a snapshot waits for a Publish click):
the column is false for them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1b7a4c2d913'
down_revision = '3c2b1f6c4fa1'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch: on SQLite a batch may copy the table, and dropping the old copy would
    # delete (ON DELETE CASCADE) every reminder wave and unlink every snapshot. SQLite adds
    # a column with a constant default in place.
    op.add_column(
        'event',
        sa.Column('publish_snapshot_at_start', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # Not in batch: SQLite would copy the table, and dropping the old copy would delete
    # (ON DELETE CASCADE) every row that refers to an event. It drops the column in place.
    op.drop_column('event', 'publish_snapshot_at_start')
