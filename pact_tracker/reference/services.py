"""Loading the lexicon (idempotent: `flask pact init` may run again); reading the SDGs."""

import csv
import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import pycountry
import sqlalchemy as sa
from sqlalchemy import inspect
from sqlalchemy.orm import selectinload

from pact_tracker.core.caching import recent
from pact_tracker.extensions import db
from pact_tracker.reference.lexicon import IMPACT_DIMENSIONS, ORGANISATION_TYPES
from pact_tracker.reference.models import (
    Bilingual,
    Country,
    ImpactDimension,
    OrganisationType,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
    Subdivision,
)


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("pact_tracker.reference").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _code_position(code: str) -> int:
    """Sort key of the last part of ``1.2`` or ``17.a``: numbers first, then letters."""
    last = code.rsplit(".", 1)[-1]
    return int(last) if last.isdigit() else 1000 + ord(last[0])


def _upsert(model, rows: Iterable[dict]) -> int:
    """Insert missing rows and refresh changed ones, keyed by primary key; return the count."""
    key = inspect(model).primary_key[0].name
    existing = {getattr(obj, key): obj for obj in db.session.scalars(db.select(model))}
    count = 0
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            db.session.add(model(**row))
        else:
            for field, value in row.items():
                if getattr(obj, field) != value:
                    setattr(obj, field, value)
        count += 1
    db.session.flush()
    return count


def _goal_rows():
    for row in _read_csv("sdg_goals.csv"):
        yield {
            "number": int(row["goal"]),
            "title_en": row["title_en"],
            "title_fr": row["title_fr"],
            "short_en": row["short_en"],
            "short_fr": row["short_fr"],
            "colour": row["colour"],
        }


def _target_rows():
    for row in _read_csv("sdg_targets.csv"):
        yield {
            "code": row["target"],
            "goal_number": int(row["goal"]),
            "position": _code_position(row["target"]),
            "text_en": row["text_en"],
            "text_fr": row["text_fr"],
        }


def _indicator_rows():
    rows = _read_csv("sdg_indicators.csv")
    # An English text standing in for a missing French one hid the gap on French pages.
    untranslated = [row["indicator"] for row in rows if not row["text_fr"].strip()]
    if untranslated:
        raise ValueError(f"SDG indicators without French text: {', '.join(untranslated)}")
    for row in rows:
        yield {
            "code": row["indicator"],
            "target_code": row["target"],
            "position": _code_position(row["indicator"]),
            "text_en": row["text_en"],
            "text_fr": row["text_fr"],
            "unsd_code": row["unsd_code"] or None,
        }


def _organisation_type_rows():
    for position, (code, label_en, label_fr) in enumerate(ORGANISATION_TYPES):
        yield {"code": code, "position": position, "label_en": label_en, "label_fr": label_fr}


def _dimension_rows():
    for position, (code, label_en, label_fr, text_en, text_fr) in enumerate(IMPACT_DIMENSIONS):
        yield {
            "code": code,
            "position": position,
            "label_en": label_en,
            "label_fr": label_fr,
            "description_en": text_en,
            "description_fr": text_fr,
        }


def _country_rows():
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for country in pycountry.countries:
        name_en = getattr(country, "common_name", None) or country.name
        yield {
            "code": country.alpha_2,
            "alpha3": country.alpha_3,
            "name_en": name_en,
            "name_fr": french.gettext(country.name),
        }


def _subdivision_rows():
    for subdivision in pycountry.subdivisions:
        yield {
            "code": subdivision.code,
            "country_code": subdivision.country_code,
            "name": re.sub(r"\s+", " ", subdivision.name).strip(),
            "category": subdivision.type,
        }


def load_reference_data() -> dict[str, int]:
    """Insert or refresh the whole lexicon; return how many rows of each kind it holds."""
    return {
        "sdg goals": _upsert(SdgGoal, _goal_rows()),
        "sdg targets": _upsert(SdgTarget, _target_rows()),
        "sdg indicators": _upsert(SdgIndicator, _indicator_rows()),
        "organisation types": _upsert(OrganisationType, _organisation_type_rows()),
        "impact dimensions": _upsert(ImpactDimension, _dimension_rows()),
        "countries": _upsert(Country, _country_rows()),
        "subdivisions": _upsert(Subdivision, _subdivision_rows()),
    }


def _with_targets_and_indicators():
    return selectinload(SdgGoal.targets).selectinload(SdgTarget.indicators)


def sdg_framework() -> list[SdgGoal]:
    """The 17 goals in order, each with its targets and their indicators (three queries)."""
    return list(
        db.session.scalars(
            sa.select(SdgGoal).order_by(SdgGoal.number).options(_with_targets_and_indicators())
        )
    )


def goal_with_indicators(number: int) -> SdgGoal | None:
    """An SDG goal with its targets and their indicators, or None."""
    return db.session.scalar(
        sa.select(SdgGoal).where(SdgGoal.number == number).options(_with_targets_and_indicators())
    )


@dataclass(frozen=True)
class IndicatorOutline(Bilingual):
    code: str
    text_en: str
    text_fr: str


@dataclass(frozen=True)
class TargetOutline(Bilingual):
    code: str
    text_en: str
    text_fr: str
    indicators: tuple[IndicatorOutline, ...]


@dataclass(frozen=True)
class GoalOutline(Bilingual):
    """What a goal's page shows of the goal: plain values, the same for every visitor."""

    number: int
    colour: str
    title_en: str
    title_fr: str
    short_en: str
    short_fr: str
    targets: tuple[TargetOutline, ...]


def goal_outline(number: int) -> GoalOutline | None:
    """``goal_with_indicators(number)`` as plain values, kept a minute in the process.

    The lexicon changes only when ``flask pact init`` loads it again: its three
    statements and some 60 objects on every view of a goal's page bought nothing.
    """

    def compute():
        goal = goal_with_indicators(number)
        if goal is None:
            return None
        targets = tuple(
            TargetOutline(
                target.code,
                target.text_en,
                target.text_fr,
                tuple(IndicatorOutline(i.code, i.text_en, i.text_fr) for i in target.indicators),
            )
            for target in goal.targets
        )
        return GoalOutline(
            goal.number,
            goal.colour,
            goal.title_en,
            goal.title_fr,
            goal.short_en,
            goal.short_fr,
            targets,
        )

    return recent(("sdg_goal_outline", number), compute)
