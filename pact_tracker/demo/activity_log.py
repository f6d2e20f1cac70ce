"""The activity log of the demo's history, as the services would have written it.

Every step the demo writes as rows (an application, an approval, a commitment's
status change, a progress report or its correction) is logged by the services
in a real coalition; the demo derives those entries from the rows just
generated, with the same actions, subjects and payloads, so that the activity
log has as many rows as the history it records (about 15 per commitment). No
random draw is made here: the rest of the demo is the same with or without it.
"""

from datetime import UTC, datetime, time, timedelta

from pact_tracker.demo.rows import Batch, Ids

#: Where each history table's rows start in a batch, before a chunk is generated.
MARKED_TABLES = ("signatory", "commitment", "commitment_status_change", "progress_update")
#: A rejection, suspension or withdrawal of a signatory, this long after its application.
_DECIDED_AFTER = timedelta(days=21)


def marks(batch: Batch) -> dict[str, int]:
    return {table: len(batch[table]) for table in MARKED_TABLES}


def log_chunk(batch: Batch, since: dict[str, int], ids: Ids, secretariat_id: int | None) -> None:
    """Append to ``batch`` the activity entries of the history rows added after ``since``."""
    entries = batch["activity"]
    for row in batch["signatory"][since["signatory"] :]:
        entries.extend(_signatory_entries(row, ids, secretariat_id))
    signatory_of = {row[0]: row[1] for row in batch["commitment"][since["commitment"] :]}
    changes = batch["commitment_status_change"][since["commitment_status_change"] :]
    for _id, commitment_id, from_status, to_status, at, actor_id, comment in changes:
        if from_status is None:
            action, payload = "commitment.created", {}
        else:
            action = f"commitment.status.{to_status}"
            payload = {"from": from_status, "to": to_status, "comment": comment}
        entries.append(
            (ids("activity"), at, actor_id, action, "commitment", commitment_id,
             signatory_of[commitment_id], payload)
        )  # fmt: skip
    for row in batch["progress_update"][since["progress_update"] :]:
        update_id, commitment_id, author_id, _reported, recorded_at, *_, source = row[:9]
        action = "progress.corrected" if row[9] is not None else "progress.reported"
        entries.append(
            (ids("activity"), recorded_at, author_id, action, "progress_update", update_id,
             signatory_of[commitment_id], {"commitment_id": commitment_id, "source": source})
        )  # fmt: skip


def _signatory_entries(row, ids: Ids, secretariat_id: int | None):
    signatory_id, *_, status, signed_on, _reason, created, _updated = row

    def entry(at, actor_id, action, payload):
        return (ids("activity"), at, actor_id, action, "signatory", signatory_id, signatory_id,
                payload)  # fmt: skip

    yield entry(created, None, "signatory.applied", {})
    decided_from = created
    if signed_on is not None:
        decided_from = datetime.combine(signed_on, time(10), tzinfo=UTC)
        approval = _move("applied", "approved")
        yield entry(decided_from, secretariat_id, "signatory.approved", approval)
    if status in ("rejected", "suspended", "withdrawn"):
        before = "applied" if status == "rejected" else "approved"
        yield entry(
            decided_from + _DECIDED_AFTER, secretariat_id, f"signatory.{status}",
            _move(before, status),
        )  # fmt: skip


def _move(before: str, after: str) -> dict:
    return {"from": before, "to": after, "reason": ""}
