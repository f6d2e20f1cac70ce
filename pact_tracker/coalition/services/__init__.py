"""Services of the coalition: signatories, users, memberships, and reading the log.

Callers import from here (``from pact_tracker.coalition import services``);
the modules behind are an implementation detail.
"""

from pact_tracker.coalition.services.activity_log import activity_query
from pact_tracker.coalition.services.people import (
    EMAIL_PATTERN,
    LOCALES,
    accept_invitation,
    add_member,
    colleagues_query,
    create_user,
    deactivate_user,
    decline_invitation,
    find_user_by_email,
    invite_member,
    pending_invitations,
    remove_member,
    update_user,
    users_query,
)
from pact_tracker.coalition.services.signatories import (
    SIGNATORY_FIELDS,
    SLUG_PATTERN,
    apply_to_join,
    apply_to_join_as,
    change_signatory_status,
    create_signatory,
    signatories_query,
    slugify,
    update_signatory,
)

__all__ = [
    "EMAIL_PATTERN",
    "LOCALES",
    "SIGNATORY_FIELDS",
    "SLUG_PATTERN",
    "activity_query",
    "add_member",
    "apply_to_join",
    "apply_to_join_as",
    "change_signatory_status",
    "colleagues_query",
    "create_signatory",
    "create_user",
    "deactivate_user",
    "find_user_by_email",
    "accept_invitation",
    "decline_invitation",
    "invite_member",
    "pending_invitations",
    "remove_member",
    "signatories_query",
    "slugify",
    "update_signatory",
    "update_user",
    "users_query",
]
