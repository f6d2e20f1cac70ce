"""Pages of rows for HTML lists, counted and sliced in the database."""

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pact_tracker.extensions import db

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate_select(query: sa.Select, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page:
    """One page of ``query`` (ORM select); out-of-range page numbers are clamped."""
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    number = min(max(1, page), max(1, math.ceil(total / per_page)))
    rows = db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).unique().all()
    return Page(items=list(rows), number=number, per_page=per_page, total=total)
