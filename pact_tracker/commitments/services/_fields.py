"""Checking every field of a commitment together, for creation and edits alike."""

from decimal import Decimal

import pycountry

from pact_tracker.commitments.models import Commitment, Scope, Visibility
from pact_tracker.commitments.services import _input as check
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Direction, Programme
from pact_tracker.reference.models import (
    Country,
    ImpactDimension,
    SdgIndicator,
    SdgTarget,
    Subdivision,
)

LANGUAGES = ("en", "fr")
INDICATOR_FIELDS = frozenset(
    {
        "id",
        "name",
        "unit",
        "dimension_code",
        "sdg_indicator_code",
        "baseline",
        "target",
        "direction",
    }
)
MILESTONE_FIELDS = frozenset({"id", "title", "due_date"})


def clean_commitment_fields(
    values: dict, errors: check.Errors, *, commitment: Commitment | None
) -> dict:
    """Check every field of ``values`` together; return them typed and looked up."""
    cleaned: dict = {}
    cleaned["programme"] = _programme(values.get("programme_id"), errors, commitment)
    cleaned["title"] = check.text(
        values.get("title"), "title", errors, max_length=200, required=True
    )
    cleaned["description"] = check.text(values.get("description"), "description", errors) or ""
    language = values.get("language") or "en"
    if language not in LANGUAGES:
        errors.add("language", "Must be one of: en, fr.")
    cleaned["language"] = language
    cleaned["targets"] = _lookup_all(SdgTarget, values.get("target_codes"), "target_codes", errors)
    cleaned["dimensions"] = _lookup_all(
        ImpactDimension, values.get("dimension_codes"), "dimension_codes", errors
    )
    cleaned.update(_territory(values, errors))
    start = check.a_date(values.get("start_date"), "start_date", errors, required=True)
    due = check.a_date(values.get("due_date"), "due_date", errors, required=True)
    if start is not None and due is not None and due < start:
        errors.add("due_date", "The due date cannot be before the start date.")
    cleaned["start_date"], cleaned["due_date"] = start, due
    cleaned["cadence_months"] = check.integer(
        values.get("cadence_months"), "cadence_months", errors, minimum=1, maximum=24, required=True
    )
    cleaned.update(_funding(values, errors))
    cleaned["visibility"] = check.choice(
        values.get("visibility"), Visibility, "visibility", errors, required=True
    )
    cleaned["indicators"] = _indicators(values.get("indicators"), errors, commitment)
    cleaned["milestones"] = _milestones(values.get("milestones"), errors, commitment)
    return cleaned


def _programme(programme_id, errors: check.Errors, commitment: Commitment | None):
    number = check.identifier(programme_id, "programme_id", errors, required=True)
    if number is None:
        if programme_id is None and "programme_id" in errors:
            errors["programme_id"] = ["A programme is required unless a proposal is adopted."]
        return None
    if commitment is not None and number == commitment.programme_id:
        return commitment.programme
    programme = db.session.get(Programme, number)
    if programme is None:
        errors.add("programme_id", f"There is no programme {number}.")
    elif not programme.active:
        errors.add("programme_id", "This programme no longer takes new commitments.")
    return programme


def _lookup_all(model, raw, field: str, errors: check.Errors) -> list:
    wanted = check.codes(raw, field, errors)
    if not wanted:
        return []
    found = {
        row.code: row for row in db.session.scalars(db.select(model).where(model.code.in_(wanted)))
    }
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors.add(field, f"Unknown codes: {', '.join(unknown)}.")
    return [found[code] for code in wanted if code in found]


def _territory(values: dict, errors: check.Errors) -> dict:
    scope = check.choice(values.get("scope"), Scope, "scope", errors, required=True)
    country = check.text(values.get("country_code"), "country_code", errors, max_length=2)
    subdivision = check.text(
        values.get("subdivision_code"), "subdivision_code", errors, max_length=12
    )
    country = country.upper() if country else None
    subdivision = subdivision.upper() if subdivision else None
    if country is not None and db.session.get(Country, country) is None:
        errors.add("country_code", f"Unknown country {country!r}.")
    if scope in (Scope.national, Scope.subnational) and country is None:
        errors.add("country_code", f"A {scope} commitment needs a country.")
    if scope == Scope.subnational:
        if subdivision is None:
            errors.add("subdivision_code", "A subnational commitment needs a subdivision.")
        else:
            row = db.session.get(Subdivision, subdivision)
            if row is None:
                errors.add("subdivision_code", f"Unknown subdivision {subdivision!r}.")
            elif country is not None and row.country_code != country:
                errors.add("subdivision_code", f"{subdivision} is not in {country}.")
    elif subdivision is not None:
        errors.add("subdivision_code", "Only a subnational commitment names a subdivision.")
    return {"scope": scope, "country_code": country, "subdivision_code": subdivision}


def _funding(values: dict, errors: check.Errors) -> dict:
    amount = check.decimal(
        values.get("funding_amount"),
        "funding_amount",
        errors,
        integer_digits=16,
        places=2,
        minimum=Decimal(0),
    )
    currency = check.text(values.get("funding_currency"), "funding_currency", errors, max_length=3)
    currency = currency.upper() if currency else None
    if currency is not None and pycountry.currencies.get(alpha_3=currency) is None:
        errors.add("funding_currency", f"{currency!r} is not an ISO 4217 currency code.")
    if (values.get("funding_amount") in (None, "")) != (currency is None):
        field = "funding_currency" if currency is None else "funding_amount"
        errors.add(field, "Give the amount and its currency together, or neither.")
    return {"funding_amount": amount, "funding_currency": currency}


def _indicators(raw, errors: check.Errors, commitment: Commitment | None) -> list[dict]:
    rows = check.items(raw, "indicators", errors) or []
    known = {indicator.id for indicator in commitment.indicators} if commitment else set()
    cleaned = []
    for n, row in enumerate(rows):
        prefix = f"indicators[{n}]"
        check.refuse_unknown(row, set(INDICATOR_FIELDS), _Prefixed(errors, prefix))
        item = {"id": _own_row_id(row.get("id"), known, f"{prefix}.id", errors)}
        item["name"] = check.text(
            row.get("name"), f"{prefix}.name", errors, max_length=200, required=True
        )
        item["unit"] = check.text(
            row.get("unit"), f"{prefix}.unit", errors, max_length=40, required=True
        )
        item["dimension_code"] = _optional_code(
            ImpactDimension, row.get("dimension_code"), f"{prefix}.dimension_code", errors
        )
        item["sdg_indicator_code"] = _optional_code(
            SdgIndicator, row.get("sdg_indicator_code"), f"{prefix}.sdg_indicator_code", errors
        )
        item["baseline"] = check.decimal(row.get("baseline"), f"{prefix}.baseline", errors)
        item["target"] = check.decimal(row.get("target"), f"{prefix}.target", errors)
        item["direction"] = (
            check.choice(row.get("direction"), Direction, f"{prefix}.direction", errors)
            or Direction.increase
        )
        cleaned.append(item)
    return cleaned


def _milestones(raw, errors: check.Errors, commitment: Commitment | None) -> list[dict]:
    rows = check.items(raw, "milestones", errors) or []
    known = {milestone.id for milestone in commitment.milestones} if commitment else set()
    cleaned = []
    for n, row in enumerate(rows):
        prefix = f"milestones[{n}]"
        check.refuse_unknown(row, set(MILESTONE_FIELDS), _Prefixed(errors, prefix))
        cleaned.append(
            {
                "id": _own_row_id(row.get("id"), known, f"{prefix}.id", errors),
                "title": check.text(
                    row.get("title"), f"{prefix}.title", errors, max_length=200, required=True
                ),
                "due_date": check.a_date(
                    row.get("due_date"), f"{prefix}.due_date", errors, required=True
                ),
            }
        )
    return cleaned


class _Prefixed:
    """Files unknown-field errors of a nested row under ``prefix.field``."""

    def __init__(self, errors: check.Errors, prefix: str):
        self.errors, self.prefix = errors, prefix

    def add(self, field: str, message: str) -> None:
        self.errors.add(f"{self.prefix}.{field}", message)


def _own_row_id(value, known: set[int], field: str, errors: check.Errors) -> int | None:
    if value is None:
        return None
    number = check.identifier(value, field, errors)
    if number is not None and number not in known:
        errors.add(field, f"Row {number} does not belong to this commitment.")
        return None
    return number


def _optional_code(model, value, field: str, errors: check.Errors) -> str | None:
    code = check.text(value, field, errors, max_length=40)
    if code is not None and db.session.get(model, code) is None:
        errors.add(field, f"Unknown code {code!r}.")
        return None
    return code
