"""Pages of rows for HTML lists, counted and sliced in the database.

A list counts its rows only so far past the start of the page shown
(``COUNT_AHEAD``): beyond that the total is a lower bound, shown as "1,000+".
Counting every published commitment of a large coalition to print one figure
cost more than the rest of the page together, and grew with the table; a
bounded count costs the same on any coalition, and the pages past it are still
reachable one "Next" at a time.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pact_tracker.core.lookup import MAX_ID
from pact_tracker.extensions import db

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
#: Rows counted past the first row of the page asked for.
COUNT_AHEAD = 1_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    per_page: int
    #: Rows of the list, or, when ``total_exact`` is False, how many were counted (there are more).
    total: int
    total_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class Count:
    """How many rows a list has from its start, counted up to ``COUNT_AHEAD`` past ``start``."""

    total: int
    exact: bool


def count_from(query: sa.Select, start: int) -> Count:
    """Count the rows of ``query``, no further than ``COUNT_AHEAD`` rows past ``start``."""
    limit = start + COUNT_AHEAD
    # One row more than the limit tells whether there are more than it.
    limited = query.order_by(None).limit(limit + 1).subquery()
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(limited))
    return Count(total=min(counted, limit), exact=counted <= limit)


def paginate_select(
    query: sa.Select,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    *,
    load: Callable[[list[Any]], list[Any]] | None = None,
    count: Callable[[sa.Select, int], Count] | None = None,
) -> Page:
    """One page of ``query`` (ORM select); page numbers past the end are clamped to the last.

    :param load: reads the rows of the page's primary keys, in any order, for a
        list that shows plain values rather than the query's ORM objects; each
        row has the key as ``id``.
    :param count: counts the list as ``count_from`` does (the default), e.g. reusing
        a recent count.
    """
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    # A page number from the query string may be any size; its offset must still fit
    # the database's integers (PostgreSQL refuses one past 2**63). Clamped to the last page anyway.
    number = min(max(1, page), MAX_ID // per_page + 1)
    counted = (count or count_from)(query, (number - 1) * per_page)
    number = min(number, max(1, math.ceil(counted.total / per_page)))
    rows = page_of(query, per_page, (number - 1) * per_page, load=load)
    return Page(
        items=rows,
        number=number,
        per_page=per_page,
        total=counted.total,
        total_exact=counted.exact,
    )


def page_of(
    query: sa.Select,
    limit: int,
    offset: int,
    *,
    load: Callable[[list[Any]], list[Any]] | None = None,
) -> list[Any]:
    """Up to ``limit`` rows of ``query`` (ORM select of one entity) from ``offset``, in order.

    In two steps: the page's ids alone, then their rows with whatever the query
    loads with them. With the rows and their joins in one statement the planner
    costed the page as one of every published commitment and missed the small
    index of a rare SDG goal (35 ms instead of 1 for the ids).
    """
    key = _single_primary_key(query)
    if key is None:
        if load is not None:
            raise ValueError("load needs a query of one entity with a single primary key")
        return list(db.session.scalars(query.limit(limit).offset(offset)).unique())
    page = query.with_only_columns(key, maintain_column_froms=True).limit(limit).offset(offset)
    ids = list(db.session.scalars(page))
    if not ids:
        return []
    if load is None:
        rows = db.session.scalars(query.order_by(None).where(key.in_(ids))).unique()
    else:
        rows = load(ids)
    position = {id_: index for index, id_ in enumerate(ids)}
    return sorted(rows, key=lambda row: position[getattr(row, key.key)])


def _single_primary_key(query: sa.Select):
    """The primary key column of the entity ``query`` selects, when it has exactly one."""
    descriptions = query.column_descriptions
    entity = descriptions[0].get("entity") if len(descriptions) == 1 else None
    if entity is None or descriptions[0].get("expr") is not entity:
        return None
    keys = sa.inspect(entity).primary_key
    return keys[0] if len(keys) == 1 else None
