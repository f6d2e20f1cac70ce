"""Engine settings and the UTC datetime type behave the same on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pact_tracker.core.types import UTCDateTime, add_months


def test_engine_settings_of_each_database(db):
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10_000
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    else:
        assert db.engine.dialect.driver == "psycopg"
        assert db.engine.pool._pre_ping is True


def test_datetimes_come_back_aware_and_in_utc(db, make_signatory):
    signatory = make_signatory()
    paris = timezone(timedelta(hours=1))
    signatory.created_at = datetime(2026, 3, 4, 10, 0, tzinfo=paris)
    db.session.flush()
    db.session.expire(signatory)
    assert signatory.created_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert signatory.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(db, make_signatory):
    signatory = make_signatory()
    signatory.created_at = datetime(2026, 3, 4, 10, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_add_months_in_sql(db):
    start = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)
    result = db.session.execute(sa.select(add_months(sa.literal(start, UTCDateTime()), 6)))
    assert result.scalar() == datetime(2026, 7, 15, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9, 15, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, 15, tzinfo=UTC)),
        (datetime(2024, 1, 31, 9, 15, tzinfo=UTC), 1, datetime(2024, 2, 29, 9, 15, tzinfo=UTC)),
        (datetime(2026, 8, 31, 23, 59, tzinfo=UTC), 6, datetime(2027, 2, 28, 23, 59, tzinfo=UTC)),
        (datetime(2026, 12, 15, 0, 0, tzinfo=UTC), 24, datetime(2028, 12, 15, 0, 0, tzinfo=UTC)),
    ],
)
def test_add_months_stops_at_the_end_of_short_months_like_relativedelta(
    db, start, months, expected
):
    from dateutil.relativedelta import relativedelta

    result = db.session.execute(sa.select(add_months(sa.literal(start, UTCDateTime()), months)))
    assert result.scalar() == expected == start + relativedelta(months=months)
