"""membership.invited_name: the name an inviter typed, shown until the invitee accepts

Revision ID: d016b29be104
Revises: c5101052c530
Create Date: 2026-12-07 18:10:00.000000

Invitations already pending keep no name: what their inviters typed was
only ever stored as the name of a new account, and cannot be told apart from
an existing account's own name, which must not be shown. They show their
address alone until accepted.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd016b29be104'
down_revision = 'c5101052c530'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_name', sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('invited_name')
