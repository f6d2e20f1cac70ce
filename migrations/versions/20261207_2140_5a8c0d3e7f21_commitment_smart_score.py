"""commitment.smart_score and smart_passed: the SMART check kept with the row; back-office list indexes

Revision ID: 5a8c0d3e7f21
Revises: 7d3e1f2a9b64
Create Date: 2026-12-07 21:40:00.000000

The review queue showed each row's SMART score by checking the commitment
again, loading its indicators, milestones, targets and dimensions one row at a
time. The authoring and workflow services now keep the score on the row; the
existing rows that may still be reviewed (drafts, those sent back, those
submitted) are scored here by the check as it stands when this runs, a chunk
at a time, from plain rows (the models may have moved on by the time this runs
again). Accepted and closed ones keep no score: nothing lists it, and checking
the 170,000 of a large coalition would hold the upgrade for minutes (1.3 ms
each); a page that needs one checks it.

The columns are added and dropped in place (no table copy on SQLite).

Two indexes let back-office lists walk to their first page instead of sorting
every row: the review queue (submitted commitments by submission date) and
the signatories of every status by name.
"""
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a8c0d3e7f21'
down_revision = '7d3e1f2a9b64'
branch_labels = None
depends_on = None

#: Commitments scored per round trip.
CHUNK = 2000

commitment = sa.table(
    'commitment',
    sa.column('id', sa.Integer),
    sa.column('title', sa.String),
    sa.column('description', sa.Text),
    sa.column('start_date', sa.Date),
    sa.column('due_date', sa.Date),
    sa.column('smart_score', sa.SmallInteger),
    sa.column('smart_passed', sa.Boolean),
    sa.column('status', sa.String),
)
#: The statuses of commitments that may still be submitted or reviewed.
REVIEWABLE = ('draft', 'changes_requested', 'submitted')
indicator = sa.table(
    'indicator',
    sa.column('id', sa.Integer),
    sa.column('commitment_id', sa.Integer),
    sa.column('name', sa.String),
    sa.column('unit', sa.String),
    sa.column('baseline', sa.Numeric),
    sa.column('target', sa.Numeric),
    sa.column('direction', sa.String),
)
#: Tables whose rows the check only needs to know exist, per commitment.
PRESENCE = {
    'targets': sa.table('commitment_target', sa.column('commitment_id', sa.Integer)),
    'dimensions': sa.table('commitment_dimension', sa.column('commitment_id', sa.Integer)),
    'milestones': sa.table('milestone', sa.column('commitment_id', sa.Integer)),
}


def upgrade():
    op.add_column('commitment', sa.Column('smart_score', sa.SmallInteger(), nullable=True))
    op.add_column('commitment', sa.Column('smart_passed', sa.Boolean(), nullable=True))
    _score_existing(op.get_bind())
    op.create_index(
        'ix_commitment_status_submitted', 'commitment', ['status', 'submitted_at', 'id']
    )
    op.create_index('ix_signatory_name', 'signatory', ['name', 'id'])


def downgrade():
    op.drop_index('ix_signatory_name', table_name='signatory')
    op.drop_index('ix_commitment_status_submitted', table_name='commitment')
    # In place too (SQLite 3.35+ drops a column): a batch copy of the commitment table
    # would cascade the deletion of its rows to the snapshot entries that name them.
    op.drop_column('commitment', 'smart_passed')
    op.drop_column('commitment', 'smart_score')


def _score_existing(connection) -> None:
    """Score every reviewable commitment, a chunk of ids at a time, in id order."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(commitment)
            .where(commitment.c.id > last, commitment.c.status.in_(REVIEWABLE))
            .order_by(commitment.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        scores = _scores(connection, rows)
        connection.execute(
            commitment.update()
            .where(commitment.c.id == sa.bindparam('commitment_id'))
            .values(smart_score=sa.bindparam('score'), smart_passed=sa.bindparam('passed')),
            scores,
        )


def _scores(connection, rows) -> list[dict]:
    # Imported here: the check reads the app's settings and vocabulary, which only an
    # upgrade run by ``flask db`` (inside the app) has.
    from pact_tracker.commitments.services.smart import smart_check

    ids = [row.id for row in rows]
    indicators: dict[int, list] = {}
    for row in connection.execute(
        sa.select(indicator).where(indicator.c.commitment_id.in_(ids)).order_by(indicator.c.id)
    ):
        indicators.setdefault(row.commitment_id, []).append(row)
    present = {
        name: set(
            connection.scalars(
                sa.select(table.c.commitment_id).where(table.c.commitment_id.in_(ids)).distinct()
            )
        )
        for name, table in PRESENCE.items()
    }
    scores = []
    for row in rows:
        report = smart_check(
            SimpleNamespace(
                title=row.title,
                description=row.description,
                start_date=row.start_date,
                due_date=row.due_date,
                indicators=indicators.get(row.id, []),
                # The check asks only whether there are any.
                **{name: row.id in ids_with for name, ids_with in present.items()},
            )
        )
        scores.append({'commitment_id': row.id, 'score': report.score, 'passed': report.passed})
    return scores
