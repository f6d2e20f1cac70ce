"""When a commitment's next report is due, and when it has gone quiet.

The schedule is stored on the commitment (``report_due_at``, ``inactive_at``)
so that lists can filter on the traffic light with an index; this is the one
function that computes it, for services and the demo generator alike.
"""

from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta


def report_schedule(
    cadence_months: int,
    approved_at: datetime | None,
    start_date: date,
    last_reported_at: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """Return ``(report_due_at, inactive_at)``; both None before approval.

    The clock starts at the last report, or else at approval (or the start
    date, if the work starts later). A report is due one cadence later; two
    cadences without one and the commitment is inactive.
    """
    if approved_at is None:
        return None, None
    base = last_reported_at
    if base is None:
        base = max(approved_at, datetime.combine(start_date, time.min, tzinfo=UTC))
    return base + relativedelta(months=cadence_months), base + relativedelta(
        months=2 * cadence_months
    )
