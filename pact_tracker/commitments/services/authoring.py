"""Writing a commitment: from scratch or from a proposal, and editing it while it is a draft."""

from pact_tracker.commitments.models import (
    Commitment,
    CommitmentStatus,
    Indicator,
    IndicatorValue,
    Milestone,
    Scope,
    Visibility,
)
from pact_tracker.commitments.services import _input as check
from pact_tracker.commitments.services._fields import (
    INDICATOR_FIELDS,
    LANGUAGES,
    MILESTONE_FIELDS,
    clean_commitment_fields,
)
from pact_tracker.commitments.services.smart import record_smart_score
from pact_tracker.commitments.services.workflow import record_status_change
from pact_tracker.core import activity
from pact_tracker.core.errors import InvalidTransition
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Proposal
from pact_tracker.reference.models import OrganisationType

#: What a signatory may write on a commitment (create and update alike).
COMMITMENT_FIELDS = frozenset(
    {
        "programme_id",
        "title",
        "description",
        "language",
        "target_codes",
        "dimension_codes",
        "scope",
        "country_code",
        "subdivision_code",
        "start_date",
        "due_date",
        "cadence_months",
        "funding_amount",
        "funding_currency",
        "visibility",
        "indicators",
        "milestones",
    }
)
CREATE_FIELDS = COMMITMENT_FIELDS | {"proposal_id"}
_SIMPLE_ATTRIBUTES = (
    "title",
    "description",
    "language",
    "scope",
    "country_code",
    "subdivision_code",
    "start_date",
    "due_date",
    "cadence_months",
    "funding_amount",
    "funding_currency",
    "visibility",
)


def create_commitment(signatory, data: dict, actor, *, source: str = "web") -> Commitment:
    """Write a draft commitment for ``signatory``, adopting the proposal ``proposal_id`` if given.

    :param data: the fields of ``CREATE_FIELDS``; a proposal's title, text,
        programme, targets, dimensions and indicators are copied unless given.
    :param source: where the request came from (``web``, ``api``, ``import``), for the log.
    """
    errors = check.Errors()
    check.refuse_unknown(data, CREATE_FIELDS, errors)
    values: dict = {
        "language": "en",
        "scope": Scope.national,
        "cadence_months": 6,
        "visibility": Visibility.public,
        "start_date": utcnow().date(),
        "description": "",
    }
    proposal = None
    if data.get("proposal_id") is not None:
        proposal = _adoptable_proposal(data["proposal_id"], signatory, errors)
    if proposal is not None:
        language = data.get("language") if data.get("language") in LANGUAGES else "en"
        values.update(_proposal_values(proposal, language))
    values.update({key: value for key, value in data.items() if key in COMMITMENT_FIELDS})
    if check.missing(data, "country_code") and values.get("scope") != Scope.international:
        values["country_code"] = signatory.country_code
    cleaned = clean_commitment_fields(values, errors, commitment=None)
    errors.raise_if_any("The commitment could not be created.")

    commitment = Commitment(
        signatory=signatory,
        proposal=proposal,
        status=CommitmentStatus.draft,
        created_by_id=actor.id if actor is not None else None,
    )
    _apply(commitment, cleaned)
    db.session.add(commitment)
    db.session.flush()
    record_status_change(commitment, None, CommitmentStatus.draft, actor, "")
    activity.record(
        "commitment.created",
        commitment,
        actor=actor,
        signatory_id=signatory.id,
        payload={"source": str(source), "proposal_id": proposal.id if proposal else None},
    )
    return commitment


def update_commitment(commitment: Commitment, data: dict, actor) -> Commitment:
    """Change a draft (or a commitment sent back for changes); lists given replace the old ones.

    Indicators and milestones keep their identity when the row carries its ``id``.
    """
    if not commitment.is_editable:
        raise InvalidTransition(
            f"A commitment can only be edited as a draft or when changes are requested; "
            f"this one is {commitment.status}."
        )
    errors = check.Errors()
    check.refuse_unknown(data, set(COMMITMENT_FIELDS), errors)
    values = _current_values(commitment)
    values.update({key: value for key, value in data.items() if key in COMMITMENT_FIELDS})
    cleaned = clean_commitment_fields(values, errors, commitment=commitment)
    if "indicators" in cleaned:
        _refuse_removing_reported_indicators(commitment, cleaned["indicators"], errors)
    errors.raise_if_any("The commitment could not be updated.")

    _apply(commitment, cleaned)
    db.session.flush()
    activity.record(
        "commitment.updated",
        commitment,
        actor=actor,
        signatory_id=commitment.signatory_id,
        payload={"fields": sorted(data)},
    )
    return commitment


def _adoptable_proposal(proposal_id, signatory, errors: check.Errors) -> Proposal | None:
    number = check.identifier(proposal_id, "proposal_id", errors)
    if number is None:
        return None
    proposal = db.session.get(Proposal, number)
    if proposal is None:
        errors.add("proposal_id", f"There is no proposal {number}.")
        return None
    if not proposal.active:
        errors.add("proposal_id", "This proposal is no longer offered.")
        return None
    if not proposal.is_adapted_to(signatory.organisation_type_code):
        kind = db.session.get(OrganisationType, signatory.organisation_type_code)
        label = kind.label_en if kind is not None else signatory.organisation_type_code
        errors.add("proposal_id", f"This proposal is not adapted to {_plural(label)}.")
        return None
    return proposal


def _plural(label: str) -> str:
    """``Cooperative`` -> ``cooperatives``; ``Local ... authority`` -> ``local ... authorities``."""

    def one(word: str) -> str:
        if word.endswith("y") and word[-2:-1] not in "aeiou":
            return word[:-1] + "ies"
        return word + "s"

    words = label.lower().split(" ")
    head, _, tail = label.lower().partition(" or ")
    if tail and " " not in head and " " not in tail:
        return f"{one(head)} or {one(tail)}"
    return " ".join([*words[:-1], one(words[-1])])


def _proposal_values(proposal: Proposal, language: str) -> dict:
    return {
        "programme_id": proposal.programme_id,
        "title": proposal.localised("title", language),
        "description": proposal.localised("text", language),
        "target_codes": [target.code for target in proposal.targets],
        "dimension_codes": [dimension.code for dimension in proposal.dimensions],
        "indicators": [
            {
                "name": suggestion.localised("name", language),
                "unit": suggestion.unit,
                "direction": suggestion.direction,
                "dimension_code": suggestion.dimension_code,
            }
            for suggestion in proposal.indicators
        ],
    }


def _current_values(commitment: Commitment) -> dict:
    values = {name: getattr(commitment, name) for name in _SIMPLE_ATTRIBUTES}
    values["programme_id"] = commitment.programme_id
    values["target_codes"] = [target.code for target in commitment.targets]
    values["dimension_codes"] = [dimension.code for dimension in commitment.dimensions]
    values["indicators"] = [
        {field: getattr(indicator, field) for field in INDICATOR_FIELDS}
        for indicator in commitment.indicators
    ]
    values["milestones"] = [
        {field: getattr(milestone, field) for field in MILESTONE_FIELDS}
        for milestone in commitment.milestones
    ]
    return values


def _refuse_removing_reported_indicators(
    commitment: Commitment, rows: list[dict], errors: check.Errors
) -> None:
    kept = {row["id"] for row in rows if row["id"] is not None}
    removed = [indicator for indicator in commitment.indicators if indicator.id not in kept]
    if not removed:
        return
    reported = set(
        db.session.scalars(
            db.select(IndicatorValue.indicator_id)
            .where(IndicatorValue.indicator_id.in_([i.id for i in removed]))
            .distinct()
        )
    )
    for indicator in removed:
        if indicator.id in reported:
            errors.add(
                "indicators",
                f"The indicator {indicator.name!r} already has reported values "
                f"and cannot be removed.",
            )


def _apply(commitment: Commitment, cleaned: dict) -> None:
    for name in _SIMPLE_ATTRIBUTES:
        setattr(commitment, name, cleaned[name])
    commitment.programme = cleaned["programme"]
    commitment.targets = cleaned["targets"]
    commitment.dimensions = cleaned["dimensions"]
    existing = {indicator.id: indicator for indicator in commitment.indicators}
    indicators = []
    for row in cleaned["indicators"]:
        indicator = existing.get(row["id"]) or Indicator()
        for field in INDICATOR_FIELDS - {"id"}:
            setattr(indicator, field, row[field])
        indicators.append(indicator)
    commitment.indicators = indicators
    existing_milestones = {milestone.id: milestone for milestone in commitment.milestones}
    milestones = []
    for row in cleaned["milestones"]:
        milestone = existing_milestones.get(row["id"]) or Milestone()
        milestone.title, milestone.due_date = row["title"], row["due_date"]
        milestones.append(milestone)
    commitment.milestones = milestones
    # Everything the SMART check reads was just written: its score is kept with it.
    record_smart_score(commitment)
