"""The SMART check: is a commitment specific, measurable and time-bound enough to submit?"""

from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app

from pact_tracker.commitments.models import Commitment

#: Points per part; the required parts block submission, the others only add to the score.
REQUIRED_POINTS = {
    "due_date": 20,
    "indicators": 20,
    "baseline": 10,
    "target_codes": 20,
    "description": 20,
}
BONUS_POINTS = {"milestones": 5, "dimension_codes": 5}
assert sum(REQUIRED_POINTS.values()) + sum(BONUS_POINTS.values()) == 100  # checked at import  # nosec B101
#: The field a part is reported under, where the part is not a field of its own.
_FIELD = {"baseline": "indicators"}


class SmartPart(NamedTuple):
    """One part of the check that is missing, under the field a user would fix."""

    field: str
    message: str


@dataclass(frozen=True)
class SmartReport:
    """The outcome of :func:`smart_check`: a score and what is missing, part by part."""

    #: 0..100.
    score: int
    #: Parts that must be fixed before submission: ``(field, message)``.
    missing: list[SmartPart] = field(default_factory=list)
    #: Parts that would make it better but do not block submission.
    suggestions: list[SmartPart] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing

    def errors(self) -> dict[str, list[str]]:
        """The missing parts as an error body (field -> messages)."""
        result: dict[str, list[str]] = {}
        for name, message in self.missing:
            result.setdefault(name, []).append(message)
        return result


def smart_check(commitment: Commitment) -> SmartReport:
    """Score ``commitment`` and name each part that is missing."""
    minimum = current_app.config["SMART_MIN_DESCRIPTION"]
    with_target = [i for i in commitment.indicators if i.target is not None]
    checks = {
        "due_date": (
            commitment.due_date is not None
            and commitment.start_date is not None
            and commitment.due_date > commitment.start_date,
            "Set a due date after the start date.",
        ),
        "indicators": (
            bool(with_target),
            "Add at least one indicator with a target value.",
        ),
        "baseline": (
            any(i.baseline is not None for i in with_target),
            "Give the baseline (the value today) of an indicator that has a target.",
        ),
        "target_codes": (
            bool(commitment.targets),
            "Link at least one SDG target.",
        ),
        "description": (
            len((commitment.description or "").strip()) >= minimum,
            f"Describe the commitment in at least {minimum} characters "
            f"(now {len((commitment.description or '').strip())}).",
        ),
        "milestones": (
            bool(commitment.milestones),
            "Add dated milestones so that progress can be followed.",
        ),
        "dimension_codes": (
            bool(commitment.dimensions),
            "Say which impact dimensions the commitment serves.",
        ),
    }
    points = {**REQUIRED_POINTS, **BONUS_POINTS}
    score = sum(points[name] for name, (ok, _message) in checks.items() if ok)
    failed = [(name, message) for name, (ok, message) in checks.items() if not ok]
    return SmartReport(
        score=score,
        missing=[SmartPart(_FIELD.get(n, n), text) for n, text in failed if n in REQUIRED_POINTS],
        suggestions=[SmartPart(n, text) for n, text in failed if n in BONUS_POINTS],
    )
