"""The shape of the rows the demo writes: one column tuple per table, ids handed out here.

Rows are plain tuples in the order of :data:`COLUMNS`, so that generating two
million progress updates costs no ORM objects and the writer can stream them.
"""

from collections import defaultdict

#: Columns written per table, in insertion (foreign key) order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "user": (
        "id", "email", "name", "locale", "role", "active", "password_hash",
        "reminders_opt_out", "created_at", "updated_at",
    ),
    "programme": (
        "id", "code", "name_en", "name_fr", "description_en", "description_fr", "active",
        "created_at", "updated_at",
    ),
    "programme_goal": ("programme_id", "goal_number"),
    "proposal": (
        "id", "programme_id", "title_en", "title_fr", "text_en", "text_fr", "active",
        "created_at", "updated_at",
    ),
    "proposal_organisation_type": ("proposal_id", "organisation_type_code"),
    "proposal_target": ("proposal_id", "target_code"),
    "proposal_dimension": ("proposal_id", "dimension_code"),
    "proposal_indicator": (
        "id", "proposal_id", "name_en", "name_fr", "unit", "direction", "dimension_code",
    ),
    "signatory": (
        "id", "name", "acronym", "slug", "organisation_type_code", "country_code",
        "subdivision_code", "locality", "website", "description", "status",
        "manifesto_signed_on", "status_reason", "created_at", "updated_at",
    ),
    "membership": ("id", "user_id", "signatory_id", "is_admin", "created_at", "updated_at"),
    "commitment": (
        "id", "signatory_id", "programme_id", "proposal_id", "title", "description", "language",
        "status", "scope", "country_code", "subdivision_code", "start_date", "due_date",
        "cadence_months", "funding_amount", "funding_currency", "visibility", "created_by_id",
        "submitted_at", "approved_at", "published_at", "closed_at", "last_reported_at",
        "report_due_at", "inactive_at", "goal_mask", "created_at", "updated_at",
    ),
    "commitment_target": ("commitment_id", "target_code"),
    "commitment_dimension": ("commitment_id", "dimension_code"),
    "indicator": (
        "id", "commitment_id", "name", "unit", "dimension_code", "sdg_indicator_code",
        "baseline", "target", "direction",
    ),
    "milestone": ("id", "commitment_id", "title", "due_date", "done_on"),
    "commitment_status_change": (
        "id", "commitment_id", "from_status", "to_status", "changed_at", "actor_id", "comment",
    ),
    "assessment": ("id", "commitment_id", "assessor_id", "level", "comment", "assessed_at"),
    "progress_update": (
        "id", "commitment_id", "author_id", "reported_at", "recorded_at", "status",
        "percent_complete", "narrative", "source", "supersedes_id", "correction_reason",
    ),
    "indicator_value": ("id", "update_id", "indicator_id", "value"),
    "evidence": ("id", "update_id", "kind", "dimension_code", "title", "description", "url"),
    "activity": (
        "id", "occurred_at", "actor_id", "action", "subject_type", "subject_id", "signatory_id",
        "payload",
    ),
}  # fmt: skip

#: Tables whose ``id`` the demo assigns itself (the others have composite keys).
ID_TABLES = tuple(table for table, columns in COLUMNS.items() if columns[0] == "id")


class Ids:
    """Hands out primary keys, starting after what the database already holds."""

    def __init__(self, first: dict[str, int]):
        self._next = dict(first)

    def __call__(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


class Batch(defaultdict):
    """Rows to write together, as ``{table: [tuple, ...]}``."""

    def __init__(self):
        super().__init__(list)

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.items()}
