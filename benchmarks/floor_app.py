"""The floor of the page scenarios: a minimal WSGI application returning the same rows.

No Flask, no SQLAlchemy, no templates: one database connection per process
(psycopg or sqlite3), hand-written SQL giving the rows a page of ours shows
(the page's slice and its total count, the latest progress of each row, the
goals of each row), returned as JSON. Served by the same gunicorn, with the
same workers, loaded by the same wrk as our pages, so that the difference is
what our stack costs.

``FLOOR_DATABASE_URL`` names the database (an SQLAlchemy URL, as ours).
"""

import json
import os
import sqlite3
from datetime import UTC, datetime
from urllib.parse import unquote

#: Rows on a page: ``core.pagination.DEFAULT_PER_PAGE`` for pages, flask-smorest's default
#: page size for the API.
PAGE_ROWS = 25
API_ROWS = 10

PUBLIC_STATUSES = "('approved', 'achieved', 'partially_achieved', 'not_achieved', 'withdrawn')"

_PUBLISHED = """
    c.published_at IS NOT NULL AND c.published_at <= %(now)s AND c.visibility = 'public'
    AND c.signatory_id IN (SELECT id FROM signatory WHERE status = 'approved')
"""

_COMMITMENT_ROWS = f"""
    SELECT c.id, c.title, c.status, c.published_at, s.name, s.slug, p.code, p.name_en
    FROM commitment c
    JOIN signatory s ON s.id = c.signatory_id
    JOIN programme p ON p.id = c.programme_id
    WHERE {_PUBLISHED} AND c.status IN {PUBLIC_STATUSES} {{extra}}
    ORDER BY c.published_at DESC, c.id DESC
    LIMIT %(limit)s
"""  # noqa: S608 - constant fragments of ours, no input

_COMMITMENT_COUNT = f"""
    SELECT count(*) FROM commitment c
    WHERE {_PUBLISHED} AND c.status IN {PUBLIC_STATUSES} {{extra}}
"""  # noqa: S608 - constant fragments of ours, no input

_LATEST_PROGRESS = """
    SELECT commitment_id, percent_complete, status FROM (
        SELECT u.commitment_id, u.percent_complete, u.status, row_number() OVER (
            PARTITION BY u.commitment_id ORDER BY u.reported_at DESC, u.recorded_at DESC, u.id DESC
        ) AS position
        FROM progress_update u
        WHERE u.commitment_id IN ({ids})
          AND NOT EXISTS (SELECT 1 FROM progress_update c WHERE c.supersedes_id = u.id)
    ) ranked WHERE position = 1
"""

_GOALS = """
    SELECT DISTINCT ct.commitment_id, t.goal_number
    FROM commitment_target ct JOIN sdg_target t ON t.code = ct.target_code
    WHERE ct.commitment_id IN ({ids})
"""

_SIGNATORY_ROWS = """
    SELECT s.id, s.slug, s.name, s.organisation_type_code, s.country_code
    FROM signatory s WHERE s.status = 'approved' ORDER BY s.name, s.id LIMIT %(limit)s
"""

_SIGNATORY_COUNT = "SELECT count(*) FROM signatory WHERE status = 'approved'"

_PUBLISHED_COUNTS = f"""
    SELECT c.signatory_id, count(*) FROM commitment c
    WHERE c.signatory_id IN ({{ids}}) AND {_PUBLISHED}
    GROUP BY c.signatory_id
"""  # noqa: S608 - constant fragments of ours, no input

_SIGNATORY = """
    SELECT s.id, s.slug, s.name, s.organisation_type_code, s.country_code, s.website
    FROM signatory s WHERE s.slug = %(slug)s AND s.status = 'approved'
"""


class _Database:
    """One connection for the process, opened on first use (after gunicorn forks)."""

    def __init__(self, url: str):
        self.url = url
        self._connection = None

    def _connect(self):
        if self.url.startswith("sqlite"):
            return sqlite3.connect(self.url.split("///", 1)[1], check_same_thread=False)
        import psycopg

        dsn = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        return psycopg.connect(dsn, autocommit=True)

    def rows(self, statement: str, parameters: dict) -> list[tuple]:
        if self._connection is None:
            self._connection = self._connect()
        if isinstance(self._connection, sqlite3.Connection):
            statement = _qmark(statement, parameters)
        return self._connection.execute(statement, parameters).fetchall()


def _qmark(statement: str, parameters: dict) -> str:
    """psycopg's ``%(name)s`` placeholders as sqlite3's ``:name``."""
    for name in parameters:
        statement = statement.replace(f"%({name})s", f":{name}")
    return statement


DATABASE = _Database(os.environ.get("FLOOR_DATABASE_URL", ""))


def _now() -> str | datetime:
    now = datetime.now(UTC)
    # SQLite stores instants as ISO text (SQLAlchemy's format); PostgreSQL compares timestamps.
    if DATABASE.url.startswith("sqlite"):
        return now.replace(tzinfo=None).isoformat(sep=" ")
    return now


def _ids(rows: list[tuple]) -> str:
    # Integers from our own query: safe to inline, as an IN list of literals.
    return ",".join(str(int(row[0])) for row in rows) or "NULL"


def _commitments(limit: int, extra: str = "", parameters: dict | None = None) -> dict:
    parameters = {"now": _now(), "limit": limit, **(parameters or {})}
    rows = DATABASE.rows(_COMMITMENT_ROWS.format(extra=extra), parameters)
    total = DATABASE.rows(_COMMITMENT_COUNT.format(extra=extra), parameters)[0][0]
    progress = {
        row[0]: row[1:] for row in DATABASE.rows(_LATEST_PROGRESS.format(ids=_ids(rows)), {})
    }
    goals: dict[int, list[int]] = {}
    for commitment_id, goal in DATABASE.rows(_GOALS.format(ids=_ids(rows)), {}):
        goals.setdefault(commitment_id, []).append(goal)
    return {
        "total": total,
        "items": [
            {
                "id": row[0],
                "title": row[1],
                "status": row[2],
                "published_at": str(row[3]),
                "signatory": {"name": row[4], "slug": row[5]},
                "programme": {"code": row[6], "name": row[7]},
                "progress": progress.get(row[0]),
                "goals": sorted(goals.get(row[0], [])),
            }
            for row in rows
        ],
    }


def _signatories(limit: int) -> dict:
    rows = DATABASE.rows(_SIGNATORY_ROWS, {"limit": limit})
    total = DATABASE.rows(_SIGNATORY_COUNT, {})[0][0]
    counts = dict(DATABASE.rows(_PUBLISHED_COUNTS.format(ids=_ids(rows)), {"now": _now()}))
    return {
        "total": total,
        "items": [
            {
                "slug": row[1],
                "name": row[2],
                "organisation_type": row[3],
                "country": row[4],
                "published": counts.get(row[0], 0),
            }
            for row in rows
        ],
    }


def _signatory(slug: str) -> dict | None:
    found = DATABASE.rows(_SIGNATORY, {"slug": slug})
    if not found:
        return None
    signatory = dict(
        zip(("id", "slug", "name", "type", "country", "website"), found[0], strict=True)
    )
    signatory["commitments"] = _commitments(
        PAGE_ROWS, "AND c.signatory_id = %(signatory_id)s", {"signatory_id": signatory["id"]}
    )
    return signatory


def _route(path: str):
    if path == "/healthz":
        return {"ok": True}
    if path == "/commitments":
        return _commitments(PAGE_ROWS)
    if path == "/api/v1/commitments":
        return _commitments(API_ROWS)
    if path == "/signatories":
        return _signatories(PAGE_ROWS)
    if path == "/api/v1/signatories":
        return _signatories(API_ROWS)
    if path.startswith("/signatories/"):
        return _signatory(unquote(path.removeprefix("/signatories/")))
    return None


def application(environ, start_response):
    body = _route(environ.get("PATH_INFO", "/"))
    if body is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    payload = json.dumps(body).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
