"""Who a campaign writes to: its filters, the (person, signatory) pairs they select, and counts.

The filters (``Campaign.audience``) are lists; an empty or missing list does
not filter. Signatory filters (organisation type, country) select
organisations; commitment filters (programme, commitment status, reporting
state) keep the organisations with at least one commitment matching all of
them. The recipients are the people acting for those organisations: active
accounts with an accepted membership. People who opted out of reminders, or
whose address is suppressed, are counted apart: they will not be written to.
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pact_tracker.campaigns.models import Suppression
from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ReportingState
from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.lookup import MAX_ID
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, OrganisationType

#: Filter name -> what its values must be.
FILTERS = (
    "programme_ids",
    "organisation_types",
    "countries",
    "commitment_statuses",
    "reporting_states",
)
COMMITMENT_FILTERS = ("programme_ids", "commitment_statuses", "reporting_states")
#: Only organisations in good standing are written to.
AUDIENCE_SIGNATORY_STATUSES = (SignatoryStatus.approved,)


@dataclass(frozen=True)
class AudienceCount:
    #: People who will receive the campaign.
    people: int
    #: Organisations they act for.
    signatories: int
    #: People of the audience who will not receive it (opted out, or suppressed address).
    excluded: int


def clean_filters(raw: dict[str, Any] | None) -> dict[str, list]:
    """The filters with unknown values refused (InvalidInput naming each), empty lists dropped."""
    raw = raw or {}
    unknown = set(raw) - set(FILTERS)
    errors: dict[str, list[str]] = {name: ["not a filter"] for name in sorted(unknown)}
    cleaned: dict[str, list] = {}
    for name in FILTERS:
        values = raw.get(name) or []
        if not isinstance(values, list | tuple):
            errors[name] = ["must be a list"]
            continue
        try:
            values = sorted(set(_CHECKS[name](values)))
        except (ValueError, TypeError) as error:
            errors[name] = [str(error)]
            continue
        if values:
            cleaned[name] = values
    if errors:
        raise InvalidInput("The audience filters are not valid.", errors=errors)
    return cleaned


def _known(model_column, values, kind: str) -> list:
    values = list(values)
    # An id no INTEGER column holds is unknown: asked for, the database would raise instead.
    possible = [v for v in values if not isinstance(v, int) or 0 < v <= MAX_ID]
    found = set(db.session.scalars(sa.select(model_column).where(model_column.in_(possible))))
    missing = [str(v) for v in values if v not in found]
    if missing:
        raise ValueError(f"unknown {kind}: {', '.join(missing)}")
    return values


def _enum_values(enum, values, kind: str) -> list[str]:
    allowed = {str(member) for member in enum}
    missing = [str(v) for v in values if str(v) not in allowed]
    if missing:
        raise ValueError(f"unknown {kind}: {', '.join(missing)}")
    return [str(v) for v in values]


def _ints(values) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError("must be whole numbers") from None


_CHECKS = {
    "programme_ids": lambda v: _known(Programme.id, _ints(v), "programme"),
    "organisation_types": lambda v: _known(
        OrganisationType.code, [str(c) for c in v], "organisation type"
    ),
    "countries": lambda v: _known(Country.code, [str(c).upper() for c in v], "country"),
    "commitment_statuses": lambda v: _enum_values(CommitmentStatus, v, "commitment status"),
    "reporting_states": lambda v: _enum_values(ReportingState, v, "reporting state"),
}


def matching_commitments(filters: dict[str, list]) -> sa.ColumnElement[bool]:
    """The commitment conditions of ``filters`` (true when there are none)."""
    conditions = []
    if filters.get("programme_ids"):
        conditions.append(Commitment.programme_id.in_(filters["programme_ids"]))
    if filters.get("commitment_statuses"):
        conditions.append(Commitment.status.in_(filters["commitment_statuses"]))
    if filters.get("reporting_states"):
        conditions.append(
            sa.or_(*(Commitment.has_reporting_state(s) for s in filters["reporting_states"]))
        )
    return sa.and_(sa.true(), *conditions)


def has_commitment_filters(filters: dict[str, list]) -> bool:
    return any(
        filters.get(name) for name in ("programme_ids", "commitment_statuses", "reporting_states")
    )


def audience_signatories(filters: dict[str, list]) -> sa.Select:
    """``SELECT signatory.id`` of the organisations the filters select."""
    statement = sa.select(Signatory.id).where(Signatory.status.in_(AUDIENCE_SIGNATORY_STATUSES))
    if filters.get("organisation_types"):
        statement = statement.where(
            Signatory.organisation_type_code.in_(filters["organisation_types"])
        )
    if filters.get("countries"):
        statement = statement.where(Signatory.country_code.in_(filters["countries"]))
    if has_commitment_filters(filters):
        statement = statement.where(
            sa.exists().where(
                Commitment.signatory_id == Signatory.id, matching_commitments(filters)
            )
        )
    return statement


def reachable() -> sa.ColumnElement[bool]:
    """People who may receive a campaign (the others are counted as excluded)."""
    suppressed = sa.select(Suppression.id).where(Suppression.address == sa.func.lower(User.email))
    return sa.and_(User.reminders_opt_out.is_(False), ~sa.exists(suppressed))


def audience_pairs(filters: dict[str, list], *, only_reachable: bool = True) -> sa.Select:
    """``SELECT user_id, signatory_id`` of every person acting for a selected organisation."""
    statement = (
        sa.select(Membership.user_id, Membership.signatory_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.signatory_id.in_(audience_signatories(filters)),
            Membership.pending.is_(False),
            User.active.is_(True),
        )
    )
    if only_reachable:
        statement = statement.where(reachable())
    return statement


def count_audience(filters: dict[str, list]) -> AudienceCount:
    """How many people and organisations the filters reach now (the "live count")."""
    pairs = (
        audience_pairs(filters, only_reachable=False)
        .add_columns(reachable().label("reachable"))
        .subquery()
    )
    people = sa.func.count(sa.distinct(sa.case((pairs.c.reachable, pairs.c.user_id))))
    everyone = sa.func.count(sa.distinct(pairs.c.user_id))
    signatories = sa.func.count(sa.distinct(sa.case((pairs.c.reachable, pairs.c.signatory_id))))
    row = db.session.execute(sa.select(people, everyone, signatories)).one()
    return AudienceCount(people=row[0], signatories=row[2], excluded=row[1] - row[0])
