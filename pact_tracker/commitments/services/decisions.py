"""Telling a signatory's members about the secretariat's decision on their commitment."""

from pact_tracker.campaigns.services import absolute_url, queue_email
from pact_tracker.commitments.models import Commitment, CommitmentStatus, StatusChange

#: Decisions the members are emailed about: approval, a request for changes, a closing.
TOLD = frozenset(
    {
        CommitmentStatus.approved,
        CommitmentStatus.changes_requested,
        CommitmentStatus.achieved,
        CommitmentStatus.partially_achieved,
        CommitmentStatus.not_achieved,
    }
)


def tell_members(commitment: Commitment, change: StatusChange) -> None:
    """Queue an email about ``change`` to each member of the commitment's signatory.

    Written to the outbox in the decision's transaction (the worker delivers it),
    once per decision and person, in each person's language. Suppressed and
    deactivated addresses are kept out by the outbox, as for every decision mail.
    """
    if change.to_status not in TOLD:
        return
    signatory = commitment.signatory
    url = absolute_url(
        "commitments.my_commitment", slug=signatory.slug, commitment_id=commitment.id
    )
    edit_url = None
    if change.to_status == CommitmentStatus.changes_requested:
        edit_url = absolute_url(
            "commitments.update_commitment", slug=signatory.slug, commitment_id=commitment.id
        )
    for membership in signatory.memberships:
        # An invitation not yet accepted grants nothing, so it tells nothing either; the
        # reviewer who also acts for the signatory knows already.
        if membership.pending or membership.user_id == change.actor_id:
            continue
        queue_email(
            membership.user,
            "commitment_decision",
            idempotency_key=f"commitment-decision:{change.id}:{membership.user_id}",
            context={
                "commitment": commitment,
                "signatory": signatory,
                "decision": str(change.to_status),
                "comment": change.comment,
                "url": url,
                "edit_url": edit_url,
            },
        )
