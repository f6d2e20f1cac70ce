"""The organiser overview: the coalition's traffic lights now, and its state as of a day.

The figures come from grouped statements: today's from the commitments' stored
status and schedule (``commitments.reporting``), a past day's from the logs
(``commitments.as_of``). Python only folds the grouped rows into tables.

On a large coalition each statement reads every accepted commitment (a second
or more on 200,000 commitments), so the grouped rows are computed once for
every process and host and stored in the database (``core.figure_store``),
under a key that changes whenever the figures could:

- today's under the newest activity, progress update, status change and
  commitment ids (every service that changes a commitment, a signatory or a
  programme writes one of them) and the next instants at which a traffic light
  changes: between two changes, and with nothing written, every light is what it
  was. Reading the key is one statement of index lookups.
- a past day's under the day alone once it is settled (the past does not
  change: only what was known by the end of the day counts), kept for good;
  before that, under the ids too.

The ids of a transaction that commits after a later one's are seen late (a
sequence is not a commit order): a figure stored under such a key could miss
that transaction's change, so figures keyed on the ids expire after
``CHANGING_LIFETIME``, which bounds how stale they can be. In front of the
store, each process keeps the folded tables for a minute (``core.caching``):
a repeated request sends only the key's statement.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from pact_tracker.commitments import as_of, reporting
from pact_tracker.commitments.models import (
    Commitment,
    ProgressUpdate,
    ReportingState,
    StatusChange,
    due_window,
)
from pact_tracker.core import caching, figure_store
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import Country, OrganisationType

#: The order reporting states are shown in, from good to bad.
REPORTING_STATES = tuple(ReportingState)
#: How long after a day's end its figures are taken as final: any transaction that was
#: writing then has long committed.
SETTLED_AFTER = timedelta(hours=1)
#: How long figures keyed on the newest ids are stored (see the module's docstring).
CHANGING_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Label:
    """A programme, organisation type or country as the tables name it (no database row:
    the tables outlive the request in the cache)."""

    code: str
    #: The name by language: ``{"en": ..., "fr": ...}``.
    names: tuple[tuple[str, str], ...]

    def localised(self, _field: str, locale: str = "en") -> str:
        names = dict(self.names)
        return names.get(locale) or names["en"]

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class StateLine:
    """Approved commitments of one programme, organisation type or country, by light."""

    subject: Label
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class AsOfLine:
    """How the accepted commitments of one programme (or of all) stood at an instant."""

    #: None for the whole coalition.
    programme: Label | None
    #: Accepted then: approved, or closed other than withdrawn.
    commitments: int
    #: Of those, how many had a progress report in force.
    reported: int
    #: Mean percent complete of the reports in force that gave one; None without any.
    average_percent: float | None
    #: The approved ones by traffic light then.
    lights: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Lights:
    """Approved commitments by traffic light now: in all, and per grouping."""

    counts: dict[str, int]
    by_programme: list[StateLine]
    by_type: list[StateLine]
    by_country: list[StateLine]


@dataclass(frozen=True)
class AsOfTable:
    lines: list[AsOfLine]
    total: AsOfLine


@dataclass(frozen=True)
class Overview:
    """What the organiser's home shows: the lights now, and the state as of ``day``."""

    lights: Lights
    day: date
    as_of: AsOfTable


def organiser_overview(day: date) -> Overview:
    """The lights now and the state of accepted commitments as of the end of ``day``."""
    now, written, light_changes = change_marks()
    lights = _kept(
        ("organiser-lights", *written, *light_changes),
        lambda: _lights_rows(now),
        _lights,
        CHANGING_LIFETIME,
    )
    end_of_day = datetime.combine(day, time.max, tzinfo=UTC)
    if end_of_day >= now:
        table = _today(lights, written)
    elif end_of_day + SETTLED_AFTER <= now:
        # Settled: the same for good.
        table = _kept(("organiser-as-of", day), lambda: _as_of_rows(end_of_day), _as_of_table)
    else:
        table = _kept(
            ("organiser-as-of", day, *written),
            lambda: _as_of_rows(end_of_day),
            _as_of_table,
            CHANGING_LIFETIME,
        )
    return Overview(lights, day, table)


def _kept(parts: tuple, rows, fold, lifetime: timedelta | None = None):
    """``fold(rows())``, the rows computed once for every process under the key ``parts``.

    The folded table is also kept in the process for a minute: a repeated request
    reads neither the store nor the names of what the rows group.
    """
    name = figure_store.key(*parts)
    return caching.recent(name, lambda: fold(figure_store.get_or_compute(name, rows, lifetime)))


def change_marks() -> tuple[datetime, tuple, tuple]:
    """Now, the newest ids written, and the next instants a light changes: one statement."""
    now = utcnow()

    def newest(column):
        return sa.select(sa.func.max(column)).scalar_subquery()

    ids = (newest(Activity.id), newest(ProgressUpdate.id), newest(StatusChange.id))
    ids += (newest(Commitment.id),)
    changes = reporting.next_light_changes(now, due_window())
    row = db.session.execute(sa.select(*ids, *changes)).one()
    return now, tuple(row[: len(ids)]), tuple(row[len(ids) :])


#: The groupings of the lights, and the names of what they group.
GROUPINGS = ("programme", "type", "country")


def _lights_rows(now: datetime) -> dict:
    """The approved commitments by light, in all and per grouping, as JSON.

    ``{"counts": {light: n}, "programme": [[id, {light: n}], ...], "type": ...,
    "country": ...}``: folded before they are stored (the grouped rows, one per
    programme, type, country and light, are some 10,000 on a large coalition).
    """
    counts: dict[str, int] = _no_lights()
    groups = {name: defaultdict(_no_lights) for name in GROUPINGS}
    rows = db.session.execute(reporting.approved_lights_at(now)).all()
    for programme_id, organisation_type, country, state, number in rows:
        if state is None:
            continue
        counts[str(state)] += number
        for name, key in zip(GROUPINGS, (programme_id, organisation_type, country), strict=True):
            groups[name][key][str(state)] += number
    # Pairs, not objects: a programme's id stays a number.
    return {"counts": counts} | {name: list(groups[name].items()) for name in GROUPINGS}


def _lights(figures: dict) -> Lights:
    """The stored lights with the names of what they group, largest first."""
    labels = {
        "programme": _programme_labels(key for key, _line in figures["programme"]),
        "type": _type_labels(key for key, _line in figures["type"]),
        "country": _country_labels(key for key, _line in figures["country"]),
    }
    by = {
        name: sorted(
            (StateLine(labels[name][key], line) for key, line in figures[name]),
            key=lambda line: (-line.total, line.subject.code),
        )
        for name in GROUPINGS
    }
    return Lights(figures["counts"], by["programme"], by["type"], by["country"])


def _today(lights: Lights, written: tuple) -> AsOfTable:
    """Today's table: the stored figures, with today's lights per programme."""
    figures = _kept(
        ("organiser-accepted-now", *written), _accepted_now_rows, _as_of_table, CHANGING_LIFETIME
    )
    by_code = {line.subject.code: line.counts for line in lights.by_programme}
    lines = [
        AsOfLine(
            line.programme,
            line.commitments,
            line.reported,
            line.average_percent,
            by_code.get(line.programme.code, _no_lights()),
        )
        for line in figures.lines
    ]
    total = figures.total
    return AsOfTable(
        lines,
        AsOfLine(None, total.commitments, total.reported, total.average_percent, lights.counts),
    )


def _accepted_now_rows() -> list[list]:
    rows = db.session.execute(reporting.accepted_by_programme_now()).all()
    return [_as_of_row(programme_id, None, *figures) for programme_id, *figures in rows]


def _as_of_rows(instant: datetime) -> list[list]:
    rows = db.session.execute(as_of.accepted_by_programme_as_of(instant)).all()
    return [_as_of_row(*row) for row in rows]


def _as_of_row(programme_id, state, commitments, reported, percent_sum, percent_count) -> list:
    """A grouped row as JSON: the sum may come back as a ``Decimal``."""
    percent_sum = float(percent_sum) if percent_sum is not None else None
    return [programme_id, _text(state), commitments, reported, percent_sum, percent_count]


def _text(state) -> str | None:
    return None if state is None else str(state)


def _as_of_table(rows) -> AsOfTable:
    """Fold rows of ``(programme_id, light, commitments, reported, percent sum and count)``."""
    sums: dict[int | None, list] = defaultdict(lambda: [0, 0, 0, 0, _no_lights()])
    for programme_id, state, *figures in rows:
        for key in (programme_id, None):
            line = sums[key]
            for position, number in enumerate(figures):
                line[position] += number or 0
            if state is not None:
                line[4][str(state)] += figures[0]
    labels = _programme_labels(key for key in sums if key is not None)

    def line(key) -> AsOfLine:
        commitments, reported, percent_sum, percent_count, lights = sums[key]
        average = percent_sum / percent_count if percent_count else None
        return AsOfLine(labels.get(key), commitments, reported, average, lights)

    lines = [line(key) for key in sums if key is not None]
    lines.sort(key=lambda each: each.programme.code)
    return AsOfTable(lines, line(None))


def _no_lights() -> dict[str, int]:
    return {str(state): 0 for state in REPORTING_STATES}


def _programme_labels(ids) -> dict[int, Label]:
    rows = db.session.execute(
        sa.select(Programme.id, Programme.code, Programme.name_en, Programme.name_fr).where(
            Programme.id.in_(sorted(ids))
        )
    )
    return {id_: Label(code, (("en", en), ("fr", fr))) for id_, code, en, fr in rows}


def _type_labels(codes) -> dict[str, Label]:
    model = OrganisationType
    rows = db.session.execute(
        sa.select(model.code, model.label_en, model.label_fr).where(model.code.in_(sorted(codes)))
    )
    return {code: Label(code, (("en", en), ("fr", fr))) for code, en, fr in rows}


def _country_labels(codes) -> dict[str, Label]:
    rows = db.session.execute(
        sa.select(Country.code, Country.name_en, Country.name_fr).where(
            Country.code.in_(sorted(codes))
        )
    )
    return {code: Label(code, (("en", en), ("fr", fr))) for code, en, fr in rows}
