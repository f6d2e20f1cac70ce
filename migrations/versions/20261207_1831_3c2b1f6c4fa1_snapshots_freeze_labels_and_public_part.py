"""snapshots: frozen names and labels, when updates were recorded, the public part's figures and hash

Revision ID: 3c2b1f6c4fa1
Revises: d016b29be104
Create Date: 2026-12-07 18:30:00

Existing snapshots are backfilled from the live tables, as they stand when this
runs (the best record left of the moment they were taken): the signatory names
and slugs and programme codes of their entries, when each commitment's latest
update known at the cutoff was recorded, the labels of their groups, the
figures of their public part (the entries already marked public) and, for the
published ones, the SHA-256 of that part. Their hashes keep the format they
were published with (``digest_version`` 1), so they still verify.
"""
import hashlib
import json
from datetime import datetime

from alembic import op
import sqlalchemy as sa
import pact_tracker.core.types


# revision identifiers, used by Alembic.
revision = '3c2b1f6c4fa1'
down_revision = 'd016b29be104'
branch_labels = None
depends_on = None

UTC_DATETIME = pact_tracker.core.types.UTCDateTime(timezone=True)

snapshot = sa.table(
    'snapshot',
    sa.column('id', sa.Integer),
    sa.column('cutoff_at', UTC_DATETIME),
    sa.column('title', sa.String),
    sa.column('status', sa.String),
    sa.column('public_sha256', sa.String),
    sa.column('public_entry_count', sa.Integer),
)
entry = sa.table(
    'snapshot_entry',
    sa.column('snapshot_id', sa.Integer),
    sa.column('commitment_id', sa.Integer),
    sa.column('signatory_id', sa.Integer),
    sa.column('programme_id', sa.Integer),
    sa.column('organisation_type_code', sa.String),
    sa.column('country_code', sa.String),
    sa.column('title', sa.String),
    sa.column('status', sa.String),
    sa.column('is_published', sa.Boolean),
    sa.column('update_id', sa.Integer),
    sa.column('last_reported_at', UTC_DATETIME),
    sa.column('progress_status', sa.String),
    sa.column('percent_complete', sa.Integer),
    sa.column('assessed_level', sa.String),
    sa.column('reporting_state', sa.String),
    sa.column('signatory_name', sa.String),
    sa.column('signatory_slug', sa.String),
    sa.column('programme_code', sa.String),
    sa.column('last_recorded_at', UTC_DATETIME),
)
value = sa.table(
    'snapshot_indicator_value',
    sa.column('snapshot_id', sa.Integer),
    sa.column('indicator_id', sa.Integer),
    sa.column('commitment_id', sa.Integer),
    sa.column('update_id', sa.Integer),
    sa.column('value', sa.Numeric(20, 4)),
)
aggregate = sa.table(
    'snapshot_aggregate',
    sa.column('snapshot_id', sa.Integer),
    sa.column('public', sa.Boolean),
    sa.column('breakdown', sa.String),
    sa.column('key', sa.String),
    sa.column('commitments', sa.Integer),
    sa.column('reported', sa.Integer),
    sa.column('percent_sum', sa.BigInteger),
    sa.column('percent_count', sa.Integer),
    sa.column('achieved', sa.Integer),
)
label = sa.table(
    'snapshot_label',
    sa.column('snapshot_id', sa.Integer),
    sa.column('breakdown', sa.String),
    sa.column('key', sa.String),
    sa.column('label_en', sa.String),
    sa.column('label_fr', sa.String),
    sa.column('position', sa.Integer),
    sa.column('colour', sa.String),
)
signatory = sa.table('signatory', sa.column('id'), sa.column('name'), sa.column('slug'))
programme = sa.table(
    'programme', sa.column('id'), sa.column('code'), sa.column('name_en'), sa.column('name_fr')
)
progress_update = sa.table(
    'progress_update',
    sa.column('commitment_id'),
    sa.column('recorded_at', UTC_DATETIME),
)
commitment_target = sa.table('commitment_target', sa.column('commitment_id'), sa.column('target_code'))
commitment_dimension = sa.table(
    'commitment_dimension', sa.column('commitment_id'), sa.column('dimension_code')
)
sdg_target = sa.table('sdg_target', sa.column('code'), sa.column('goal_number', sa.Integer))
sdg_goal = sa.table(
    'sdg_goal',
    sa.column('number', sa.Integer),
    sa.column('short_en'),
    sa.column('short_fr'),
    sa.column('colour'),
)
country = sa.table('country', sa.column('code'), sa.column('name_en'), sa.column('name_fr'))
organisation_type = sa.table(
    'organisation_type',
    sa.column('code'),
    sa.column('label_en'),
    sa.column('label_fr'),
    sa.column('position', sa.Integer),
)
impact_dimension = sa.table(
    'impact_dimension',
    sa.column('code'),
    sa.column('label_en'),
    sa.column('label_fr'),
    sa.column('position', sa.Integer),
)
BREAKDOWNS = (
    'overall', 'programme', 'goal', 'organisation_type', 'country', 'dimension', 'status',
    'reporting_state',
)
BREAKDOWN_TYPE = sa.Enum(*BREAKDOWNS, name='breakdown', native_enum=False, length=32)
#: The entry columns hashed by version 1, in order.
V1_ENTRY_COLUMNS = (
    'commitment_id', 'signatory_id', 'programme_id', 'organisation_type_code', 'country_code',
    'title', 'status', 'is_published', 'update_id', 'last_reported_at', 'progress_status',
    'percent_complete', 'assessed_level', 'reporting_state',
)


def upgrade():
    # Added in place (SQLite too): copying ``snapshot`` would cascade to its entries.
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('digest_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('public_entry_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('snapshot_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory_slug', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('programme_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_recorded_at', UTC_DATETIME, nullable=True))
    with op.batch_alter_table('snapshot_aggregate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_constraint('pk_snapshot_aggregate', type_='primary')
        batch_op.create_primary_key(
            'pk_snapshot_aggregate', ['snapshot_id', 'public', 'breakdown', 'key']
        )
    op.create_table('snapshot_label',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('breakdown', BREAKDOWN_TYPE, nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('label_fr', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], name=op.f('fk_snapshot_label_snapshot_id_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'breakdown', 'key', name=op.f('pk_snapshot_label'))
    )

    _backfill_entries()
    _backfill_public_aggregates()
    _backfill_labels()
    _backfill_public_part()

    # The server defaults of ``snapshot``'s new columns stay: removing them would have
    # SQLite copy the table, and dropping the old copy deletes (ON DELETE CASCADE) every
    # snapshot's entries, figures and labels.
    with op.batch_alter_table('snapshot_entry', schema=None) as batch_op:
        for name in ('signatory_name', 'signatory_slug', 'programme_code'):
            batch_op.alter_column(name, existing_type=sa.String(), nullable=False)
    with op.batch_alter_table('snapshot_aggregate', schema=None) as batch_op:
        batch_op.alter_column('public', existing_type=sa.Boolean(), server_default=None)


def _backfill_entries():
    cutoff = (
        sa.select(snapshot.c.cutoff_at)
        .where(snapshot.c.id == entry.c.snapshot_id)
        .correlate(entry)
        .scalar_subquery()
    )
    op.execute(
        entry.update().values(
            signatory_name=sa.select(signatory.c.name)
            .where(signatory.c.id == entry.c.signatory_id)
            .scalar_subquery(),
            signatory_slug=sa.select(signatory.c.slug)
            .where(signatory.c.id == entry.c.signatory_id)
            .scalar_subquery(),
            programme_code=sa.select(programme.c.code)
            .where(programme.c.id == entry.c.programme_id)
            .scalar_subquery(),
            last_recorded_at=sa.select(sa.func.max(progress_update.c.recorded_at))
            .where(
                progress_update.c.commitment_id == entry.c.commitment_id,
                progress_update.c.recorded_at <= cutoff,
            )
            .scalar_subquery(),
        )
    )


def _grouped_public_entries(breakdown: str):
    public = entry.c.is_published.is_(True)
    if breakdown == 'goal':
        goals = (
            sa.select(commitment_target.c.commitment_id, sdg_target.c.goal_number)
            .join(sdg_target, sdg_target.c.code == commitment_target.c.target_code)
            .distinct()
            .subquery('commitment_goal')
        )
        rows = sa.select(entry, sa.cast(goals.c.goal_number, sa.String).label('group_key')).join(
            goals, goals.c.commitment_id == entry.c.commitment_id
        )
    elif breakdown == 'dimension':
        rows = sa.select(entry, commitment_dimension.c.dimension_code.label('group_key')).join(
            commitment_dimension, commitment_dimension.c.commitment_id == entry.c.commitment_id
        )
    else:
        key = {
            'overall': sa.literal('all'),
            'programme': sa.cast(entry.c.programme_id, sa.String),
            'organisation_type': entry.c.organisation_type_code,
            'country': entry.c.country_code,
            'status': entry.c.status,
            'reporting_state': sa.func.coalesce(entry.c.reporting_state, 'none'),
        }[breakdown]
        rows = sa.select(entry, key.label('group_key'))
    return rows.where(public).subquery('grouped')


def _backfill_public_aggregates():
    """The figures of each snapshot's public entries, as taking it now computes them."""
    for breakdown in BREAKDOWNS:
        grouped = _grouped_public_entries(breakdown)
        select = sa.select(
            grouped.c.snapshot_id,
            sa.true(),
            sa.literal(breakdown),
            grouped.c.group_key,
            sa.func.count(),
            sa.func.count(grouped.c.update_id),
            sa.func.coalesce(sa.func.sum(grouped.c.percent_complete), 0),
            sa.func.count(grouped.c.percent_complete),
            sa.func.coalesce(
                sa.func.sum(sa.case((grouped.c.status == 'achieved', 1), else_=0)), 0
            ),
        ).group_by(grouped.c.snapshot_id, grouped.c.group_key)
        op.execute(
            aggregate.insert().from_select(
                ['snapshot_id', 'public', 'breakdown', 'key', 'commitments', 'reported',
                 'percent_sum', 'percent_count', 'achieved'],
                select,
            )
        )


def _labelled(key, label_en, label_fr, position, colour) -> sa.Select:
    """The label columns, named (a subquery's columns need names)."""
    return sa.select(
        sa.cast(key, sa.String).label('key'),
        sa.cast(label_en, sa.String).label('label_en'),
        sa.cast(label_fr, sa.String).label('label_fr'),
        sa.cast(position, sa.Integer).label('position'),
        sa.cast(colour, sa.String).label('colour'),
    )


def _label_rows(breakdown: str):
    if breakdown == 'programme':
        return _labelled(
            programme.c.id,
            programme.c.name_en,
            programme.c.name_fr,
            sa.func.row_number().over(order_by=programme.c.code),
            sa.null(),
        )
    if breakdown == 'goal':
        number = sa.cast(sdg_goal.c.number, sa.String)
        return _labelled(
            number,
            number + '. ' + sdg_goal.c.short_en,
            number + '. ' + sdg_goal.c.short_fr,
            sdg_goal.c.number,
            sdg_goal.c.colour,
        )
    if breakdown == 'country':
        return _labelled(
            country.c.code, country.c.name_en, country.c.name_fr, 0, sa.null()
        )
    model = organisation_type if breakdown == 'organisation_type' else impact_dimension
    return _labelled(
        model.c.code, model.c.label_en, model.c.label_fr, model.c.position, sa.null()
    )


def _backfill_labels():
    for breakdown in ('programme', 'goal', 'organisation_type', 'country', 'dimension'):
        rows = _label_rows(breakdown).subquery('labels')
        select = (
            sa.select(aggregate.c.snapshot_id, sa.literal(breakdown), *rows.c)
            .join(rows, rows.c.key == aggregate.c.key)
            .where(aggregate.c.breakdown == breakdown, aggregate.c.public.is_(False))
        )
        op.execute(
            label.insert().from_select(
                ['snapshot_id', 'breakdown', 'key', 'label_en', 'label_fr', 'position', 'colour'],
                select,
            )
        )


def _canonical(item):
    if isinstance(item, datetime):
        return item.isoformat()
    if item is None or isinstance(item, bool | int | str):
        return item
    return str(item)


def _public_digest_v1(connection, snapshot_id: int, cutoff_at: datetime, title: str) -> str:
    """The SHA-256 of a version-1 snapshot's public part, as the application computes it."""
    digest = hashlib.sha256()
    digest.update(json.dumps({'cutoff_at': cutoff_at.isoformat(), 'title': title}).encode())
    public_ids = sa.select(entry.c.commitment_id).where(
        entry.c.snapshot_id == snapshot_id, entry.c.is_published.is_(True)
    )
    parts = (
        (
            'snapshot_entry',
            sa.select(*(entry.c[name] for name in V1_ENTRY_COLUMNS))
            .where(entry.c.snapshot_id == snapshot_id, entry.c.is_published.is_(True))
            .order_by(entry.c.commitment_id),
        ),
        (
            'snapshot_indicator_value',
            sa.select(value.c.indicator_id, value.c.commitment_id, value.c.update_id, value.c.value)
            .where(value.c.snapshot_id == snapshot_id, value.c.commitment_id.in_(public_ids))
            .order_by(value.c.indicator_id),
        ),
        (
            'snapshot_aggregate',
            sa.select(
                aggregate.c.breakdown, aggregate.c.key, aggregate.c.commitments,
                aggregate.c.reported, aggregate.c.percent_sum, aggregate.c.percent_count,
                aggregate.c.achieved,
            )
            .where(aggregate.c.snapshot_id == snapshot_id, aggregate.c.public.is_(True))
            .order_by(aggregate.c.breakdown, aggregate.c.key),
        ),
    )
    for name, select in parts:
        digest.update(f'\n#{name}\n'.encode())
        for row in connection.execute(select):
            line = [_canonical(item) for item in row]
            digest.update(json.dumps(line, separators=(',', ':')).encode() + b'\n')
    return digest.hexdigest()


def _backfill_public_part():
    connection = op.get_bind()
    public_count = (
        sa.select(sa.func.count())
        .where(entry.c.snapshot_id == snapshot.c.id, entry.c.is_published.is_(True))
        .scalar_subquery()
    )
    connection.execute(snapshot.update().values(public_entry_count=public_count))
    published = connection.execute(
        sa.select(snapshot.c.id, snapshot.c.cutoff_at, snapshot.c.title).where(
            snapshot.c.status == 'published'
        )
    ).all()
    for snapshot_id, cutoff_at, title in published:
        connection.execute(
            snapshot.update()
            .where(snapshot.c.id == snapshot_id)
            .values(public_sha256=_public_digest_v1(connection, snapshot_id, cutoff_at, title))
        )


def downgrade():
    op.drop_table('snapshot_label')
    op.execute(aggregate.delete().where(aggregate.c.public.is_(True)))
    with op.batch_alter_table('snapshot_aggregate', schema=None) as batch_op:
        batch_op.drop_constraint('pk_snapshot_aggregate', type_='primary')
        batch_op.create_primary_key('pk_snapshot_aggregate', ['snapshot_id', 'breakdown', 'key'])
        batch_op.drop_column('public')
    with op.batch_alter_table('snapshot_entry', schema=None) as batch_op:
        batch_op.drop_column('last_recorded_at')
        batch_op.drop_column('programme_code')
        batch_op.drop_column('signatory_slug')
        batch_op.drop_column('signatory_name')
    # Not in batch: SQLite would copy the table, and dropping the old copy would delete
    # (ON DELETE CASCADE) every snapshot's entries. It drops a column in place.
    for name in ('public_entry_count', 'digest_version', 'public_sha256'):
        op.drop_column('snapshot', name)
