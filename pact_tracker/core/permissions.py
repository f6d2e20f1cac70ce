"""Who may do what: one function per question, default deny.

Pages and API handlers call these and nothing else to decide. ``user`` may be
None (anonymous) everywhere.
"""

from pact_tracker.coalition.models import Role, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment
from pact_tracker.programmes.models import Programme, Proposal


def is_secretariat(user: User | None) -> bool:
    return user is not None and user.active and user.role == Role.secretariat


def is_organiser(user: User | None) -> bool:
    return user is not None and user.active and user.role in (Role.organiser, Role.secretariat)


def is_member_of(user: User | None, signatory_id: int) -> bool:
    return user is not None and user.active and signatory_id in user.signatory_ids


def can_view_signatory(user: User | None, signatory: Signatory) -> bool:
    return (
        signatory.status == SignatoryStatus.approved
        or is_secretariat(user)
        or is_member_of(user, signatory.id)
    )


def can_manage_signatories(user: User | None) -> bool:
    """Approve, reject, suspend or withdraw signatories; create them directly."""
    return is_secretariat(user)


def can_edit_signatory_profile(user: User | None, signatory: Signatory) -> bool:
    if is_secretariat(user):
        return True
    return is_member_of(user, signatory.id) and signatory.status in (
        SignatoryStatus.applied,
        SignatoryStatus.approved,
    )


def can_manage_members(user: User | None, signatory: Signatory) -> bool:
    """Invite or remove colleagues: the secretariat, or an admin member in good standing."""
    if is_secretariat(user):
        return True
    return can_edit_signatory_profile(user, signatory) and any(
        m.is_admin for m in user.active_memberships if m.signatory_id == signatory.id
    )


def can_act_for_signatory(user: User | None, signatory: Signatory) -> bool:
    """See the signatory's own space (its commitments, colleagues): members and secretariat."""
    return is_secretariat(user) or is_member_of(user, signatory.id)


def can_manage_programmes(user: User | None) -> bool:
    return is_secretariat(user)


def can_view_programme(user: User | None, programme: Programme) -> bool:
    """Inactive programmes are the secretariat's work in progress."""
    return programme.active or is_secretariat(user)


def can_view_proposal(user: User | None, proposal: Proposal) -> bool:
    return (proposal.active and proposal.programme.active) or is_secretariat(user)


def can_view_commitment(user: User | None, commitment: Commitment) -> bool:
    if is_secretariat(user) or is_member_of(user, commitment.signatory_id):
        return True
    if is_organiser(user) and commitment.status != "draft":
        return True
    return commitment.is_published and commitment.signatory.is_public


def can_view_review(user: User | None, commitment: Commitment) -> bool:
    """The drafting and review steps, with the reviewers' comments: signatory and secretariat."""
    return is_secretariat(user) or is_member_of(user, commitment.signatory_id)


def can_create_commitment(user: User | None, signatory: Signatory) -> bool:
    """Members write commitments for their own signatory while it is in good standing."""
    if signatory.status not in (SignatoryStatus.applied, SignatoryStatus.approved):
        return False
    return is_secretariat(user) or is_member_of(user, signatory.id)


def can_adopt_proposal(user: User | None, signatory: Signatory, proposal: Proposal) -> bool:
    return can_create_commitment(user, signatory) and proposal.active


def can_edit_commitment(user: User | None, commitment: Commitment) -> bool:
    """Change the text, dates, targets, indicators: only while it is a draft or sent back."""
    if not commitment.is_editable:
        return False
    return is_secretariat(user) or _member_in_good_standing(user, commitment)


def can_submit_commitment(user: User | None, commitment: Commitment) -> bool:
    return can_edit_commitment(user, commitment)


def can_withdraw_commitment(user: User | None, commitment: Commitment) -> bool:
    if commitment.is_closed:
        return False
    return is_secretariat(user) or _member_in_good_standing(user, commitment)


def can_review_commitments(user: User | None) -> bool:
    """See the review queue and decide in bulk."""
    return is_secretariat(user)


def can_review_commitment(user: User | None, commitment: Commitment) -> bool:
    """Approve or request changes; close an approved commitment."""
    return is_secretariat(user)


def can_report_progress(user: User | None, commitment: Commitment) -> bool:
    if commitment.status != "approved":
        return False
    return is_secretariat(user) or _member_in_good_standing(user, commitment)


def can_assess_commitment(user: User | None, commitment: Commitment) -> bool:
    return is_secretariat(user) and commitment.status not in ("draft", "withdrawn")


def can_manage_users(user: User | None) -> bool:
    return is_secretariat(user)


def can_view_activity(user: User | None, signatory_id: int | None = None) -> bool:
    if is_secretariat(user):
        return True
    return signatory_id is not None and is_member_of(user, signatory_id)


def _member_in_good_standing(user: User | None, commitment: Commitment) -> bool:
    return is_member_of(user, commitment.signatory_id) and commitment.signatory.status in (
        SignatoryStatus.applied,
        SignatoryStatus.approved,
    )


def can_use_update_link(link) -> bool:
    """Open a reminder's update link (``campaigns.link_models.UpdateLink``) and its pages.

    It works until it expires or is revoked, while its person is active and
    still acts for its signatory.
    """
    from pact_tracker.core.types import utcnow

    return (
        link.revoked_at is None
        and link.expires_at > utcnow()
        and is_member_of(link.user, link.signatory_id)
    )


def can_report_with_link(link, commitment: Commitment) -> bool:
    """Report progress through an update link: its signatory's approved commitments only."""
    return (
        can_use_update_link(link)
        and commitment.signatory_id == link.signatory_id
        and can_report_progress(link.user, commitment)
    )


def can_manage_campaigns(user) -> bool:
    return is_secretariat(user)


def can_revoke_update_link(user: User | None, link) -> bool:
    """Stop an update link (``campaigns.link_models.UpdateLink``) working: the secretariat."""
    return is_secretariat(user)


def can_manage_events(user: User | None) -> bool:
    """Create, edit, move and cancel event series and events."""
    return is_organiser(user)


def can_manage_snapshots(user: User | None) -> bool:
    """Take, re-take, publish and delete snapshots, and see drafts."""
    return is_organiser(user)


def can_view_snapshot(user: User | None, snapshot) -> bool:
    """Published snapshots are public; drafts are for organisers and the secretariat."""
    return snapshot.status == "published" or can_manage_snapshots(user)


def can_hold_commitment(user: User | None, commitment: Commitment) -> bool:
    """Hold an approved commitment back until an event (an embargo)."""
    return can_review_commitments(user)


def can_lift_suppression(user: User | None) -> bool:
    """Let an address that bounced or was suppressed receive mail again."""
    return can_manage_campaigns(user)
