"""The organiser's overview issues as many queries in a world five times larger.

The query-budget world (``query_budget_world``) is built, the overview and its
as-of view are requested as an organiser and their SQL statements counted
(the in-process cache is off in tests, and the stored figures are emptied
before each count: every figure is computed and stored); four more batches are
added and the same pages counted again.
"""

import threading
from datetime import timedelta

import sqlalchemy as sa
from query_budget_world import build_small_world, grow

from pact_tracker.coalition.models import User
from pact_tracker.core.caching import EXTENSION
from pact_tracker.core.figure_store import ComputedFigure
from pact_tracker.core.types import utcnow

#: Signing in's user and session, the key of the figures, for each figure its stored
#: row looked up, computed in a grouped statement and stored, and the names of what
#: the figures group.
BUDGET = 14


def _pages() -> list[str]:
    today = utcnow().date()
    return [
        "/organiser/",
        f"/organiser/?on={today.isoformat()}",
        f"/organiser/?on={(today - timedelta(days=30)).isoformat()}",
    ]


def _queries(db, client, url: str) -> tuple[int, list[str]]:
    statements: list[str] = []
    request_thread = threading.get_ident()

    def count(_conn, _cursor, statement, *_args):
        if threading.get_ident() == request_thread and not statement.lstrip().upper().startswith(
            ("SAVEPOINT", "RELEASE", "ROLLBACK TO")
        ):
            statements.append(statement)

    db.session.execute(sa.delete(ComputedFigure))
    db.session.expunge_all()
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Whole coalition" in response.get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements), statements


def test_organiser_pages_issue_as_many_queries_in_a_world_five_times_larger(db, sign_in):
    world = build_small_world()
    organiser = db.session.scalar(
        sa.select(User).where(User.email == "organiser@matrix.example.org")
    )
    client = sign_in(organiser)
    small = {url: _queries(db, client, url) for url in _pages()}
    grow(world, batches=4)
    large = {url: _queries(db, client, url) for url in _pages()}
    for url in _pages():
        assert small[url][0] <= BUDGET, small[url][1]
        assert large[url][0] == small[url][0], (small[url][1], large[url][1])


def test_a_repeated_overview_reads_only_the_session_and_the_figures_key(app, db, sign_in):
    build_small_world()
    organiser = db.session.scalar(
        sa.select(User).where(User.email == "organiser@matrix.example.org")
    )
    client = sign_in(organiser)
    app.config["SHARED_CACHE_SECONDS"] = 60
    app.extensions.pop(EXTENSION, None)
    try:
        first, _ = _queries(db, client, _pages()[0])
        for url in _pages():
            _queries(db, client, url)
            # The user's session with its user, and the key (newest ids, next light changes).
            again, statements = _queries(db, client, url)
            assert again == 2, statements
        assert first > 2
    finally:
        del app.config["SHARED_CACHE_SECONDS"]
        app.extensions.pop(EXTENSION, None)
