"""Services of the commitments domain: plain functions that flush and never commit.

Split by concern (authoring, workflow, SMART check, progress, queries); every
public name is importable from ``pact_tracker.commitments.services``.
"""

from pact_tracker.commitments.services.authoring import create_commitment, update_commitment
from pact_tracker.commitments.services.progress import (
    assess_commitment,
    correct_update,
    report_progress,
)
from pact_tracker.commitments.services.queries import (
    HistoryEntry,
    assessments_of,
    commitment_history,
    commitment_summaries_query,
    commitments_query,
    own_commitments_query,
    progress_so_far,
    sent_back_for_changes,
    share_authors,
    updates_of,
    visible_to,
)
from pact_tracker.commitments.services.smart import SmartReport, smart_check
from pact_tracker.commitments.services.workflow import (
    approve_commitment,
    change_status,
    close_commitment,
    publish_commitment,
    refresh_schedule,
    request_changes,
    submit_commitment,
    withdraw_commitment,
)

__all__ = [
    "HistoryEntry",
    "SmartReport",
    "approve_commitment",
    "assess_commitment",
    "assessments_of",
    "change_status",
    "close_commitment",
    "commitment_history",
    "commitment_summaries_query",
    "commitments_query",
    "correct_update",
    "create_commitment",
    "own_commitments_query",
    "progress_so_far",
    "publish_commitment",
    "refresh_schedule",
    "report_progress",
    "request_changes",
    "sent_back_for_changes",
    "share_authors",
    "smart_check",
    "submit_commitment",
    "update_commitment",
    "updates_of",
    "visible_to",
    "withdraw_commitment",
]
