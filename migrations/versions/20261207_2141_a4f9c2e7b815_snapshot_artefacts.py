"""snapshot artefacts: a published snapshot's charts and exports rendered once and kept

Revision ID: a4f9c2e7b815
Revises: 5a8c0d3e7f21
Create Date: 2026-12-07 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import pact_tracker.core.types


# revision identifiers, used by Alembic.
revision = 'a4f9c2e7b815'
down_revision = '5a8c0d3e7f21'
branch_labels = None
depends_on = None


def upgrade():
    # A new table (not a batch alter of ``snapshot``): nothing to copy, no cascade to fear.
    op.create_table('snapshot_artefact',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('variant', sa.Enum('public', 'full', name='artefactvariant', native_enum=False, length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('rendered_at', pact_tracker.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], name=op.f('fk_snapshot_artefact_snapshot_id_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'kind', 'variant', 'language', name=op.f('pk_snapshot_artefact'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Large files are read a piece at a time (substr): kept uncompressed, PostgreSQL
        # reads only the piece's pages instead of decompressing the whole value each time.
        op.execute('ALTER TABLE snapshot_artefact ALTER COLUMN body SET STORAGE EXTERNAL')


def downgrade():
    op.drop_table('snapshot_artefact')
