"""Every signal of the application, declared once.

Signals are sent *after* the transaction that caused them commits (see
``core.activity``), so receivers never see a change that was rolled back.
Each receives the subject as sender and ``activity=`` the log row.
"""

from blinker import Namespace

_signals = Namespace()

activity_recorded = _signals.signal(
    "activity-recorded",
    doc="Any change recorded in the activity log; the feed for webhooks and audits.",
)
signatory_status_changed = _signals.signal(
    "signatory-status-changed",
    doc="A signatory was approved, rejected, suspended or withdrawn.",
)
commitment_status_changed = _signals.signal(
    "commitment-status-changed",
    doc="A commitment moved in its workflow (submitted, approved, closed...).",
)
progress_reported = _signals.signal(
    "progress-reported",
    doc="A progress update (or a correction) was recorded for a commitment. "
    "Campaigns mark the reminder that asked for it as answered.",
)
event_moved = _signals.signal(
    "event-moved",
    doc="An event's start or cutoff moved; its pending reminder waves follow it.",
)

#: Which specific signal an activity action sends, beside ``activity_recorded``:
#: an exact action name, or a prefix ending in a dot.
SIGNAL_BY_ACTION = {
    "signatory.approved": signatory_status_changed,
    "signatory.rejected": signatory_status_changed,
    "signatory.suspended": signatory_status_changed,
    "signatory.withdrawn": signatory_status_changed,
    "commitment.status.": commitment_status_changed,
    "progress.": progress_reported,
    "event.moved": event_moved,
}
snapshot_artefact_rendered = _signals.signal(
    "snapshot-artefact-rendered",
    doc="A snapshot's chart, export or comparison was just drawn (sent with ``kind``, "
    "``variant``, ``language`` and ``stored``), not served from what was kept: "
    "how many renders a published snapshot costs is counted with it.",
)
snapshot_artefact_compressed = _signals.signal(
    "snapshot-artefact-compressed",
    doc="A kept snapshot file's gzip-compressed copy was just made (sent with ``kind``, "
    "``variant`` and ``language`` of the file): once per file, when it is rendered, or at "
    "the first request accepting gzip for a file kept without one.",
)
