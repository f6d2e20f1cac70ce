"""Thematic programmes and their commitment proposals.

Every function validates all of its input before touching the session, so a
refused call writes nothing; every change is flushed and recorded in the
activity log, and the caller commits.
"""

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select

from pact_tracker.coalition.models import User
from pact_tracker.core import activity, permissions
from pact_tracker.core.errors import InvalidInput
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Direction, Programme, Proposal, ProposalIndicator
from pact_tracker.reference.models import ImpactDimension, OrganisationType, SdgGoal, SdgTarget

CODE_PATTERN = re.compile(r"^[A-Z0-9-]{2,32}$")
#: Longest description or proposal text accepted.
MAX_LONG_TEXT = 20_000

PROGRAMME_FIELDS = frozenset(
    {"code", "name_en", "name_fr", "description_en", "description_fr", "goal_numbers", "active"}
)
PROPOSAL_FIELDS = frozenset(
    {
        "title_en",
        "title_fr",
        "text_en",
        "text_fr",
        "organisation_type_codes",
        "target_codes",
        "dimension_codes",
        "indicators",
        "active",
    }
)
INDICATOR_FIELDS = frozenset({"name_en", "name_fr", "unit", "direction", "dimension_code"})


class _Errors(dict):
    """Messages per field, collected so that the caller learns every problem at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, message: str) -> None:
        if self:
            raise InvalidInput(message, errors=dict(self))


def _text(
    value: Any, field: str, errors: _Errors, *, max_length: int, required: bool = False
) -> str:
    """Stripped text; ``""`` when absent. Problems are added to ``errors`` under ``field``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, "Must be a text.")
        return ""
    value = value.strip()
    if "\x00" in value:
        # PostgreSQL refuses NUL in text, even in a look-up: stop before any query.
        errors.add(field, "Must not contain NUL characters.")
        return ""
    if required and not value:
        errors.add(field, "This field is required.")
    if len(value) > max_length:
        errors.add(field, f"At most {max_length} characters.")
    return value


def _unknown_fields(data: dict, allowed: frozenset[str], errors: _Errors) -> None:
    for field in sorted(set(data) - allowed):
        errors.add(field, "Unknown field.")


def _bool(value: Any, field: str, errors: _Errors) -> bool:
    if not isinstance(value, bool):
        errors.add(field, "Must be true or false.")
        return False
    return value


def _list(value: Any, field: str, errors: _Errors) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add(field, "Must be a list.")
        return []
    return list(dict.fromkeys(value))  # drop repeats, keep the order given


def _lookup(model, codes: list, field: str, errors: _Errors, label: str) -> list:
    """The rows of ``model`` with these primary keys, in order; unknown codes are errors."""
    found = []
    for code in codes:
        if not isinstance(code, str) or not code.strip() or len(code) > 40 or "\x00" in code:
            errors.add(field, f"{code!r} is not a valid {label} code.")
            continue
        row = db.session.get(model, code.strip())
        if row is None:
            errors.add(field, f"Unknown {label} {code!r}.")
        else:
            found.append(row)
    return found


def _snapshot(obj, fields) -> dict[str, Any]:
    return {field: getattr(obj, field) for field in fields}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        field: {"from": before[field], "to": after[field]}
        for field in before
        if before[field] != after[field]
    }


def _clean_programme(data: dict, programme: Programme | None = None) -> dict[str, Any]:
    """Validate programme fields (those given, or all of them on creation)."""
    errors = _Errors()
    _unknown_fields(data, PROGRAMME_FIELDS, errors)
    creating = programme is None
    values: dict[str, Any] = {}

    if creating or "code" in data:
        code = _text(data.get("code"), "code", errors, max_length=32, required=True).upper()
        if code and not CODE_PATTERN.match(code):
            errors.add("code", "2 to 32 capital letters, digits or hyphens, e.g. SSE-FIN.")
        elif code and code != (programme and programme.code) and _code_taken(code):
            errors.add("code", f"The code {code} is already used by another programme.")
        values["code"] = code
    for field in ("name_en", "name_fr"):
        if creating or field in data:
            values[field] = _text(data.get(field), field, errors, max_length=200, required=True)
    for field in ("description_en", "description_fr"):
        if creating or field in data:
            values[field] = _text(data.get(field), field, errors, max_length=MAX_LONG_TEXT)
    if "active" in data:
        values["active"] = _bool(data["active"], "active", errors)
    if creating or "goal_numbers" in data:
        goals = []
        for number in _list(data.get("goal_numbers"), "goal_numbers", errors):
            if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 17:
                errors.add("goal_numbers", f"{number!r} is not an SDG goal number (1 to 17).")
            else:
                goals.append(db.session.get(SdgGoal, number))
        values["goals"] = sorted(goals, key=lambda goal: goal.number)

    errors.raise_if_any("The programme has invalid fields.")
    return values


def _code_taken(code: str) -> bool:
    return db.session.scalar(db.select(Programme.id).where(Programme.code == code)) is not None


_PROGRAMME_AUDITED = ("code", "name_en", "name_fr", "description_en", "description_fr", "active")


def _programme_state(programme: Programme) -> dict[str, Any]:
    state = _snapshot(programme, _PROGRAMME_AUDITED)
    state["goal_numbers"] = [goal.number for goal in programme.goals]
    return state


def create_programme(data: dict, actor: User | None) -> Programme:
    """Open a thematic programme.

    :param data: code, name_en, name_fr, description_en, description_fr,
        goal_numbers (SDG goals 1 to 17), active (default true).
    """
    values = _clean_programme(data)
    programme = Programme(**values)
    db.session.add(programme)
    db.session.flush()
    activity.record(
        "programme.created",
        programme,
        actor=actor,
        payload={"code": programme.code, "goal_numbers": [g.number for g in programme.goals]},
    )
    return programme


def update_programme(programme: Programme, data: dict, actor: User | None) -> Programme:
    """Change some fields of a programme; ``goal_numbers`` replaces the linked goals."""
    values = _clean_programme(data, programme)
    before = _programme_state(programme)
    for field, value in values.items():
        setattr(programme, field, value)
    changes = _changes(before, _programme_state(programme))
    if changes:
        db.session.flush()
        activity.record("programme.updated", programme, actor=actor, payload={"changes": changes})
    return programme


def _clean_indicators(value: Any, errors: _Errors) -> list[ProposalIndicator]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add("indicators", "Must be a list.")
        return []
    indicators = []
    for number, item in enumerate(value, start=1):
        item_errors = _Errors()
        if not isinstance(item, dict):
            errors.add("indicators", f"Indicator {number}: must be an object.")
            continue
        _unknown_fields(item, INDICATOR_FIELDS, item_errors)
        names = {
            field: _text(item.get(field), field, item_errors, max_length=200, required=True)
            for field in ("name_en", "name_fr")
        }
        unit = _text(item.get("unit"), "unit", item_errors, max_length=40, required=True)
        try:
            direction = Direction(item.get("direction") or Direction.increase)
        except ValueError:
            direction = None
            item_errors.add(
                "direction", f"Must be one of: {', '.join(d.value for d in Direction)}."
            )
        dimension_code = item.get("dimension_code") or None
        if dimension_code is not None and not _lookup(
            ImpactDimension, [dimension_code], "dimension_code", item_errors, "impact dimension"
        ):
            dimension_code = None
        for field, messages in item_errors.items():
            for message in messages:
                errors.add("indicators", f"Indicator {number}, {field}: {message}")
        if not item_errors:
            indicators.append(
                ProposalIndicator(
                    **names, unit=unit, direction=direction, dimension_code=dimension_code
                )
            )
    return indicators


def _clean_proposal(data: dict, proposal: Proposal | None = None) -> dict[str, Any]:
    """Validate proposal fields (those given, or all of them on creation)."""
    errors = _Errors()
    _unknown_fields(data, PROPOSAL_FIELDS, errors)
    creating = proposal is None
    values: dict[str, Any] = {}

    for field in ("title_en", "title_fr"):
        if creating or field in data:
            values[field] = _text(data.get(field), field, errors, max_length=200, required=True)
    for field in ("text_en", "text_fr"):
        if creating or field in data:
            values[field] = _text(data.get(field), field, errors, max_length=MAX_LONG_TEXT)
    if "active" in data:
        values["active"] = _bool(data["active"], "active", errors)
    if creating or "organisation_type_codes" in data:
        field = "organisation_type_codes"
        codes = _list(data.get(field), field, errors)
        if not codes and field not in errors:
            errors.add(field, "Choose at least one type of organisation.")
        # Sorted as the relationships load them, so that the order never depends on the cache.
        values["organisation_types"] = sorted(
            _lookup(OrganisationType, codes, field, errors, "organisation type"),
            key=lambda row: row.position,
        )
    if creating or "target_codes" in data:
        codes = _list(data.get("target_codes"), "target_codes", errors)
        values["targets"] = sorted(
            _lookup(SdgTarget, codes, "target_codes", errors, "SDG target"),
            key=lambda row: row.code,
        )
    if creating or "dimension_codes" in data:
        codes = _list(data.get("dimension_codes"), "dimension_codes", errors)
        values["dimensions"] = sorted(
            _lookup(ImpactDimension, codes, "dimension_codes", errors, "impact dimension"),
            key=lambda row: row.position,
        )
    if creating or "indicators" in data:
        values["indicators"] = _clean_indicators(data.get("indicators"), errors)

    errors.raise_if_any("The proposal has invalid fields.")
    return values


_PROPOSAL_AUDITED = ("title_en", "title_fr", "text_en", "text_fr", "active")


def _proposal_state(proposal: Proposal) -> dict[str, Any]:
    state = _snapshot(proposal, _PROPOSAL_AUDITED)
    state["organisation_type_codes"] = [t.code for t in proposal.organisation_types]
    state["target_codes"] = [t.code for t in proposal.targets]
    state["dimension_codes"] = [d.code for d in proposal.dimensions]
    state["indicators"] = [
        [i.name_en, i.name_fr, i.unit, str(i.direction), i.dimension_code]
        for i in proposal.indicators
    ]
    return state


def create_proposal(programme: Programme, data: dict, actor: User | None) -> Proposal:
    """Offer a commitment proposal in a programme.

    :param data: title_en, title_fr, text_en, text_fr, organisation_type_codes
        (at least one), target_codes, dimension_codes, active, and indicators:
        a list of ``{name_en, name_fr, unit, direction, dimension_code}``.
    """
    values = _clean_proposal(data)
    proposal = Proposal(programme=programme, **values)
    db.session.add(proposal)
    db.session.flush()
    activity.record(
        "proposal.created",
        proposal,
        actor=actor,
        payload={
            "programme": programme.code,
            "title_en": proposal.title_en,
            "organisation_type_codes": [t.code for t in proposal.organisation_types],
        },
    )
    return proposal


def update_proposal(proposal: Proposal, data: dict, actor: User | None) -> Proposal:
    """Change some fields of a proposal; list fields given replace the old lists."""
    values = _clean_proposal(data, proposal)
    before = _proposal_state(proposal)
    if "indicators" in values:
        # Old indicators are compared by content, so identical replacements are no change.
        new_state = [
            [i.name_en, i.name_fr, i.unit, str(i.direction), i.dimension_code]
            for i in values["indicators"]
        ]
        if new_state == before["indicators"]:
            del values["indicators"]
    for field, value in values.items():
        setattr(proposal, field, value)
    changes = _changes(before, _proposal_state(proposal))
    if changes:
        db.session.flush()
        activity.record(
            "proposal.updated",
            proposal,
            actor=actor,
            payload={"programme": proposal.programme.code, "changes": changes},
        )
    return proposal


def proposals_for_type(
    organisation_type_code: str | Collection[str], programme: Programme | None = None
) -> Select:
    """Active proposals of active programmes adapted to a type of organisation.

    :param organisation_type_code: one code, or several (a person acting for
        organisations of different types sees the proposals of each).
    :param programme: only this programme's proposals.
    """
    codes = (
        [organisation_type_code]
        if isinstance(organisation_type_code, str)
        else list(organisation_type_code)
    )
    query = (
        db.select(Proposal)
        .join(Proposal.programme)
        .where(
            Proposal.active.is_(True),
            Programme.active.is_(True),
            Proposal.organisation_types.any(OrganisationType.code.in_(codes)),
        )
        .order_by(Proposal.id)
    )
    if programme is not None:
        query = query.where(Proposal.programme_id == programme.id)
    return query


def programmes_query(viewer: User | None) -> Select:
    """Programmes by code: the active ones, or all of them for the secretariat."""
    query = db.select(Programme).order_by(Programme.code)
    if not permissions.can_manage_programmes(viewer):
        query = query.where(Programme.active.is_(True))
    return query


def proposals_query(
    programme: Programme,
    viewer: User | None,
    *,
    organisation_type: str | None = None,
    all: bool = False,  # noqa: A002 - the API's query parameter
) -> Select:
    """A programme's proposals as ``viewer`` should see them.

    The secretariat sees every proposal, inactive ones too. Others see the
    active ones; a member sees by default only those adapted to the types of
    the organisations they act for, unless ``all`` is true.

    :param organisation_type: only the proposals adapted to this type.
    """
    if permissions.can_manage_programmes(viewer):
        query = db.select(Proposal).where(Proposal.programme_id == programme.id)
        if organisation_type:
            query = query.where(
                Proposal.organisation_types.any(OrganisationType.code == organisation_type)
            )
        return query.order_by(Proposal.id)
    if organisation_type:
        return proposals_for_type(organisation_type, programme)
    own_types = set()
    if viewer is not None and viewer.active and not all:
        own_types = {m.signatory.organisation_type_code for m in viewer.active_memberships}
    if own_types:
        return proposals_for_type(sorted(own_types), programme)
    return (
        db.select(Proposal)
        .where(Proposal.programme_id == programme.id, Proposal.active.is_(True))
        .order_by(Proposal.id)
    )
