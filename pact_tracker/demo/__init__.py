"""The demo coalition: realistic, deterministic data for newcomers, screenshots and benchmarks.

:func:`load_demo` writes it in bulk (no ORM objects, no services: those are
for one change at a time) through the session's connection, committing after
each chunk of signatories so that a large load never holds one huge
transaction.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher

from pact_tracker.coalition.models import Signatory, User
from pact_tracker.core import activity
from pact_tracker.demo import catalogue, vocabulary, writer
from pact_tracker.demo.generate import (
    ORGANISER_EMAIL,
    SECRETARIAT_EMAIL,
    Generator,
    Reference,
)
from pact_tracker.demo.rows import Batch, Ids
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.lexicon import IMPACT_DIMENSIONS, ORGANISATION_TYPES
from pact_tracker.reference.models import (
    ImpactDimension,
    OrganisationType,
    SdgIndicator,
    SdgTarget,
    Subdivision,
)

#: Password of every demo account, printed by ``flask pact demo``.
DEMO_PASSWORD = "pact-demo-2026"  # noqa: S105 - published on purpose, demo accounts only  # nosec B105


@dataclass(frozen=True)
class Scale:
    signatories: int
    commitments: int
    #: Signatories generated, written and committed together.
    chunk: int = 1000


SCALES = {
    "small": Scale(signatories=60, commitments=300),
    "medium": Scale(signatories=2_000, commitments=20_000),
    "large": Scale(signatories=20_000, commitments=200_000),
}
#: Average share of commitments a signatory holds, given the mix of statuses.
_HOLDING_SHARE = 0.934


class DemoRefused(Exception):
    """The database is not in a state the demo can be loaded into."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def coalition_is_empty() -> bool:
    return db.session.scalar(sa.select(Signatory.id).limit(1)) is None


def read_reference() -> Reference:
    """The parts of the lexicon the generator draws from; refuse if it was never loaded."""
    session = db.session
    types = set(session.scalars(sa.select(OrganisationType.code)))
    dimensions = set(session.scalars(sa.select(ImpactDimension.code)))
    has_targets = session.scalar(sa.select(SdgTarget.code).limit(1)) is not None
    if (
        not has_targets
        or types < {code for code, *_ in ORGANISATION_TYPES}
        or dimensions < {code for code, *_ in IMPACT_DIMENSIONS}
        or not types
    ):
        raise DemoRefused(
            "The reference data (SDGs, organisation types, countries) is missing: "
            "run `flask pact init` first."
        )
    wanted = {place[1] for country in vocabulary.COUNTRIES for place in country[5]}
    subdivisions = frozenset(
        session.scalars(sa.select(Subdivision.code).where(Subdivision.code.in_(wanted)))
    )
    targets_by_goal: dict[int, list[str]] = {}
    for code, goal in session.execute(
        sa.select(SdgTarget.code, SdgTarget.goal_number).order_by(
            SdgTarget.goal_number, SdgTarget.position
        )
    ):
        targets_by_goal.setdefault(goal, []).append(code)
    indicators_by_target: dict[str, list[str]] = {}
    for code, target in session.execute(
        sa.select(SdgIndicator.code, SdgIndicator.target_code).order_by(
            SdgIndicator.target_code, SdgIndicator.position
        )
    ):
        indicators_by_target.setdefault(target, []).append(code)
    return Reference(
        subdivisions=subdivisions,
        targets_by_goal={goal: tuple(codes) for goal, codes in targets_by_goal.items()},
        indicators_by_target={t: tuple(codes) for t, codes in indicators_by_target.items()},
    )


def check_loadable() -> Reference:
    """Refuse unless the lexicon is loaded and the coalition is empty; return the lexicon."""
    reference = read_reference()
    if not coalition_is_empty():
        raise DemoRefused(
            "The coalition already has signatories: the demo loads only into an empty database."
        )
    codes = [programme["code"] for programme in catalogue.PROGRAMMES]
    taken = db.session.scalars(sa.select(Programme.code).where(Programme.code.in_(codes))).all()
    if taken:
        raise DemoRefused(f"Programmes {', '.join(sorted(taken))} already exist.")
    return reference


#: Commitments scored per round trip by ``_score_reviewable_commitments``.
_SCORE_CHUNK = 2000


def _score_reviewable_commitments() -> None:
    """Keep the SMART score on the commitments the review queue may list, as the services do.

    The rows above are written in bulk, past the authoring services that keep the
    score (``smart.record_smart_score``); without it the review queue would check
    its page of commitments again on every view. Accepted ones need none.
    """
    from sqlalchemy.orm import selectinload

    from pact_tracker.commitments.models import Commitment, CommitmentStatus
    from pact_tracker.commitments.services.smart import record_smart_score

    reviewable = (
        CommitmentStatus.draft,
        CommitmentStatus.changes_requested,
        CommitmentStatus.submitted,
    )
    ids = db.session.scalars(
        sa.select(Commitment.id).where(Commitment.status.in_(reviewable)).order_by(Commitment.id)
    ).all()
    for start in range(0, len(ids), _SCORE_CHUNK):
        chunk = db.session.scalars(
            sa.select(Commitment)
            .where(Commitment.id.in_(ids[start : start + _SCORE_CHUNK]))
            .options(
                selectinload(Commitment.indicators),
                selectinload(Commitment.milestones),
                selectinload(Commitment.targets),
                selectinload(Commitment.dimensions),
            )
        ).all()
        for commitment in chunk:
            record_smart_score(commitment)
        activity.commit()
        db.session.expunge_all()


def load_demo(
    scale: Scale,
    seed: int = 1,
    on_progress: Callable[[int], None] | None = None,
    password_hash: str | None = None,
    with_events: bool = True,
    with_campaign: bool | None = None,
) -> dict[str, int]:
    """Write a demo coalition into an empty database; return the rows written per table.

    :param on_progress: called with the number of signatories after each chunk.
    :param password_hash: hash given to every demo account; by default that of
        :data:`DEMO_PASSWORD`.
    :param with_events: also create the demo's event series, its two past events
        with their published snapshots, and the next event (:mod:`.events`).
    :param with_campaign: also send the demo's campaign before the autumn summit, with
        its recipients, update links, answers and bounces (:mod:`.campaigns`); by
        default along with the events, as the rest of the coalition's story.
    """
    reference = check_loadable()
    if password_hash is None:
        password_hash = PasswordHasher().hash(DEMO_PASSWORD)
    staff = dict(
        db.session.execute(
            sa.select(User.email, User.id).where(
                User.email.in_((SECRETARIAT_EMAIL, ORGANISER_EMAIL))
            )
        ).all()
    )
    generator = Generator(seed, reference, Ids(writer.first_ids(db.session.connection())),
                          password_hash)  # fmt: skip
    totals: Counter[str] = Counter()

    def flush(batch: Batch) -> None:
        writer.write(db.session.connection(), batch)
        totals.update(batch.counts())
        activity.commit()

    batch = Batch()
    generator.staff(staff, batch)
    generator.catalogue(batch)
    flush(batch)
    per_signatory = scale.commitments / (scale.signatories * _HOLDING_SHARE)
    for offset in range(0, scale.signatories, scale.chunk):
        count = min(scale.chunk, scale.signatories - offset)
        batch = Batch()
        generator.signatories(count, per_signatory, batch)
        flush(batch)
        if on_progress is not None:
            on_progress(count)
    writer.reset_sequences(db.session.connection())
    _score_reviewable_commitments()
    secretariat = db.session.get(User, generator.secretariat_id)
    activity.record(
        "demo.loaded", secretariat, payload={"seed": seed, "counts": dict(sorted(totals.items()))}
    )
    activity.commit()
    if with_events:
        from pact_tracker.demo.events import load_events

        totals.update(load_events(generator.secretariat_id))
    if with_events if with_campaign is None else with_campaign:
        from pact_tracker.demo.campaigns import load_campaign

        totals.update(load_campaign(generator.secretariat_id))
    return dict(totals)
