"""The SMART check: is a commitment specific, measurable and time-bound enough to submit?

It reads the wording, not only whether the fields are filled: a title built on a
vague verb or noun ("Improve things"), an indicator counted in "things", a target
that does not move in its direction, or a due date past the programme's horizon
keep a commitment from being ready. Each point taken off is a :class:`SmartPart`
that names its field, its points and the words it found, so that the page can
show it next to the field and the API can list it.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from flask import current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from pact_tracker.commitments import vocabulary
from pact_tracker.commitments.models import Commitment, Direction, Indicator

#: Points per part; the required parts block submission, the others only add to the score.
REQUIRED_POINTS = {
    "due_date": 15,
    "indicators": 10,
    "baseline": 10,
    "unit": 10,
    "direction": 5,
    "target_codes": 10,
    "description": 10,
    "title_wording": 10,
}
BONUS_POINTS = {
    "description_wording": 5,
    "beneficiaries": 5,
    "milestones": 5,
    "dimension_codes": 5,
}
assert sum(REQUIRED_POINTS.values()) + sum(BONUS_POINTS.values()) == 100  # checked at import  # nosec B101
#: Points a vague term of the title costs (up to the part's points).
POINTS_PER_VAGUE_TERM = 5
#: The field a part is reported under, where the part is not a field of its own.
FIELDS = {
    "baseline": "indicators",
    "unit": "indicators",
    "direction": "indicators",
    "title_wording": "title",
    "description_wording": "description",
    "beneficiaries": "description",
}


@dataclass(frozen=True)
class SmartPart:
    """One part of the check that took points off, under the field a user would fix."""

    #: The part (a key of ``REQUIRED_POINTS`` or ``BONUS_POINTS``).
    code: str
    #: The form field to fix.
    field: str
    #: Points taken off.
    points: int
    #: What is wrong and how to fix it, translated when shown.
    message: str
    #: The words of the commitment the part is about (vague terms, units), as written.
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmartReport:
    """The outcome of :func:`smart_check`: a score and what took points off, part by part."""

    #: 0..100.
    score: int
    #: Parts that must be fixed before submission.
    missing: list[SmartPart] = field(default_factory=list)
    #: Parts that would make it better but do not block submission.
    suggestions: list[SmartPart] = field(default_factory=list)
    #: The latest due date accepted.
    horizon: date | None = None

    @property
    def passed(self) -> bool:
        return not self.missing

    def errors(self) -> dict[str, list[str]]:
        """The missing parts as an error body (field -> messages)."""
        result: dict[str, list[str]] = {}
        for part in self.missing:
            result.setdefault(part.field, []).append(str(part.message))
        return result

    def by_field(self) -> dict[str, list[SmartPart]]:
        """Every part that took points off, missing ones first, by field."""
        result: dict[str, list[SmartPart]] = {}
        for part in [*self.missing, *self.suggestions]:
            result.setdefault(part.field, []).append(part)
        return result


def horizon() -> date:
    """The latest due date a commitment may have (``SMART_HORIZON``)."""
    value = current_app.config["SMART_HORIZON"]
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def smart_check(commitment: Commitment) -> SmartReport:
    """Score ``commitment`` and name each part that took points off."""
    last_day = horizon()
    parts = [
        *_due_date(commitment, last_day),
        *_indicators(commitment),
        *_target_codes(commitment),
        *_description(commitment),
        *_wording(commitment),
        *_extras(commitment),
    ]
    return SmartReport(
        score=100 - sum(part.points for part in parts),
        missing=[part for part in parts if part.code in REQUIRED_POINTS],
        suggestions=[part for part in parts if part.code in BONUS_POINTS],
        horizon=last_day,
    )


def record_smart_score(commitment: Commitment) -> SmartReport:
    """Check ``commitment`` and keep its score on its row, for lists that show it."""
    report = smart_check(commitment)
    commitment.smart_score, commitment.smart_passed = report.score, report.passed
    return report


def _part(code: str, message, terms=(), points: int | None = None) -> SmartPart:
    full = REQUIRED_POINTS.get(code) or BONUS_POINTS[code]
    return SmartPart(
        code, FIELDS.get(code, code), full if points is None else min(points, full), message, terms
    )


def _due_date(commitment: Commitment, last_day: date) -> list[SmartPart]:
    due, start = commitment.due_date, commitment.start_date
    if due is None or start is None or due <= start:
        return [_part("due_date", _l("Set a due date after the start date."))]
    if due > last_day:
        message = _l(
            "The due date %(due)s is past the programme's horizon, %(horizon)s: "
            "commit to a result that can be reached by then.",
            due=due.isoformat(),
            horizon=last_day.isoformat(),
        )
        return [_part("due_date", message, (due.isoformat(),))]
    return []


def _indicators(commitment: Commitment) -> list[SmartPart]:
    with_target = [i for i in commitment.indicators if i.target is not None]
    if not with_target:
        parts = [_part("indicators", _l("Add at least one indicator with a target value."))]
    else:
        parts = []
    if not any(i.baseline is not None for i in with_target):
        parts.append(
            _part(
                "baseline",
                _l("Give the baseline (the value today) of an indicator that has a target."),
            )
        )
    vague_units = [i for i in with_target if not _real_unit(i.unit)]
    if vague_units:
        names = tuple(i.unit or i.name for i in vague_units)
        parts.append(
            _part(
                "unit",
                _l(
                    "Count something one can check: %(units)s is not a unit. Say what is "
                    "counted (people trained, jobs, tonnes, EUR...).",
                    units=_quoted(names),
                ),
                names,
            )
        )
    backwards = [i for i in with_target if not _moves_in_its_direction(i)]
    if backwards:
        names = tuple(i.name for i in backwards)
        parts.append(
            _part(
                "direction",
                _l(
                    "The target of %(names)s does not move from the baseline in the "
                    "indicator's direction (increase: above it; decrease: below it).",
                    names=_quoted(names),
                ),
                names,
            )
        )
    return parts


def _real_unit(unit: str | None) -> bool:
    """Whether ``unit`` names what is counted (not blank, not "things", "units"...)."""
    unit = (unit or "").strip()
    if not unit or unit.casefold() in _vague_units():
        return False
    return not _matcher("VAGUE_WORDS").search(unit)


def _moves_in_its_direction(indicator: Indicator) -> bool:
    if indicator.baseline is None or indicator.target is None:
        return True  # the baseline part says what is missing
    if indicator.direction == Direction.increase:
        return indicator.target > indicator.baseline
    if indicator.direction == Direction.decrease:
        return indicator.target < indicator.baseline
    return True


def _target_codes(commitment: Commitment) -> list[SmartPart]:
    if commitment.targets:
        return []
    return [_part("target_codes", _l("Link at least one SDG target."))]


def _description(commitment: Commitment) -> list[SmartPart]:
    minimum = current_app.config["SMART_MIN_DESCRIPTION"]
    length = len((commitment.description or "").strip())
    if length >= minimum:
        return []
    message = _l(
        "Describe the commitment in at least %(minimum)s characters (now %(length)s).",
        minimum=minimum,
        length=length,
    )
    return [_part("description", message)]


def _wording(commitment: Commitment) -> list[SmartPart]:
    """Vague verbs and nouns in the title (blocking) and the description; who benefits."""
    parts = []
    in_title = vague_terms(commitment.title or "")
    if in_title:
        message = _l(
            "Vague wording in the title: %(terms)s. Say what you will do and for whom, "
            "with a number (e.g. train 200 young jobseekers, finance 30 cooperatives).",
            terms=_quoted(in_title),
        )
        points = POINTS_PER_VAGUE_TERM * len(in_title)
        parts.append(_part("title_wording", message, in_title, points))
    in_description = vague_terms(commitment.description or "")
    if in_description:
        message = _l(
            "Vague wording in the description: %(terms)s. Say what will be done, how "
            "much, and for whom.",
            terms=_quoted(in_description),
        )
        parts.append(_part("description_wording", message, in_description))
    if not names_beneficiaries(commitment):
        message = _l(
            "Say who benefits (e.g. women entrepreneurs, young jobseekers, "
            "farmers' cooperatives, households of a district)."
        )
        parts.append(_part("beneficiaries", message))
    return parts


def _extras(commitment: Commitment) -> list[SmartPart]:
    parts = []
    if not commitment.milestones:
        parts.append(
            _part("milestones", _l("Add dated milestones so that progress can be followed."))
        )
    if not commitment.dimensions:
        parts.append(
            _part("dimension_codes", _l("Say which impact dimensions the commitment serves."))
        )
    return parts


def vague_terms(text: str) -> tuple[str, ...]:
    """The vague verbs and nouns of ``text``, as written, each once, in order."""
    found: dict[str, str] = {}
    for name in ("VAGUE_ACTIONS", "VAGUE_WORDS"):
        for match in _matcher(name).finditer(text):
            found.setdefault(match.group(0).casefold(), match.group(0))
    return tuple(sorted(found.values(), key=lambda term: text.find(term)))


def names_beneficiaries(commitment: Commitment) -> bool:
    """Whether the title, description or an indicator says who the commitment is for."""
    texts = [commitment.title or "", commitment.description or ""]
    texts += [f"{i.name} {i.unit}" for i in commitment.indicators]
    return any(_matcher("BENEFICIARIES").search(text) for text in texts)


def _quoted(terms) -> LazyString:
    """The terms in the quotation marks of the language they are shown in."""
    return LazyString(lambda: ", ".join(gettext("“%(term)s”", term=term) for term in terms))


@cache
def _matcher(name: str) -> re.Pattern:
    """One pattern for a list of ``vocabulary`` (both languages), compiled once."""
    terms = [term for words in getattr(vocabulary, name).values() for term in words]
    # Longest first, so that a phrase wins over the word it starts with.
    alternatives = sorted((_pattern(term) for term in terms), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _pattern(term: str) -> str:
    words = [
        re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
        for word in term.split()
    ]
    return r"\s+".join(words)


@cache
def _vague_units() -> frozenset[str]:
    return frozenset(term.casefold() for words in vocabulary.VAGUE_UNITS.values() for term in words)
