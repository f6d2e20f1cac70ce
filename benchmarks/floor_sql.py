"""SQL shared by the hand-written floors: what the logs said at an instant ``:t``.

Common table expressions, to follow ``WITH``: ``live`` (the progress updates
recorded by ``:t`` and not corrected by then), ``effective`` (the latest live
one per commitment), ``status_before`` and ``status_after`` (the status log
around ``:t``). The same rules as ``commitments/as_of.py``, written by hand.
"""

LIVE = """
live AS (
    SELECT u.id, u.commitment_id, u.reported_at, u.recorded_at, u.status, u.percent_complete
    FROM progress_update u
    WHERE u.recorded_at <= :t
      AND NOT EXISTS (
          SELECT 1 FROM progress_update c WHERE c.supersedes_id = u.id AND c.recorded_at <= :t
      )
)"""

EFFECTIVE = """
effective AS (
    SELECT * FROM (
        SELECT live.*, row_number() OVER (
            PARTITION BY commitment_id ORDER BY reported_at DESC, recorded_at DESC, id DESC
        ) AS rn
        FROM live
    ) ranked WHERE rn = 1
)"""

STATUS_AROUND = """
status_before AS (
    SELECT commitment_id, to_status FROM (
        SELECT commitment_id, to_status, row_number() OVER (
            PARTITION BY commitment_id ORDER BY changed_at DESC, id DESC) AS rn
        FROM commitment_status_change WHERE changed_at <= :t
    ) ranked WHERE rn = 1
), status_after AS (
    SELECT commitment_id, from_status FROM (
        SELECT commitment_id, from_status, row_number() OVER (
            PARTITION BY commitment_id ORDER BY changed_at, id) AS rn
        FROM commitment_status_change WHERE changed_at > :t
    ) ranked WHERE rn = 1
)"""

AS_OF_CTES = f"{LIVE}, {EFFECTIVE}, {STATUS_AROUND}"
