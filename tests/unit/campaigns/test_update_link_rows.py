"""Update links as stored: only the hash, an expiry, revocation, and the answered reminder."""

from datetime import timedelta

import sqlalchemy as sa

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.core import permissions
from pact_tracker.core.activity import Activity
from pact_tracker.core.types import utcnow


def test_only_the_hash_is_stored_with_an_expiry(db, make_user, make_signatory):
    signatory = make_signatory()
    user = make_user(signatory=signatory)
    url = update_links.issue_update_link(user, signatory, valid_days=7)
    token = url.rsplit("/", 1)[1]
    link = db.session.scalars(sa.select(UpdateLink)).one()
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert (link.user_id, link.signatory_id, link.outbox_message_id) == (
        user.id,
        signatory.id,
        None,
    )
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert update_links.find_link(token) == link
    assert update_links.find_link("x" * 101) is None


def test_opening_records_the_first_use_only(db, make_user, make_signatory):
    signatory = make_signatory()
    user = make_user(signatory=signatory)
    token = update_links.issue_update_link(user, signatory).rsplit("/", 1)[1]
    first = update_links.open_update_link(token).used_at
    assert first is not None
    assert update_links.open_update_link(token).used_at == first


def test_revoking_is_logged_once(db, make_user, make_signatory, secretariat):
    signatory = make_signatory()
    user = make_user(signatory=signatory)
    token = update_links.issue_update_link(user, signatory).rsplit("/", 1)[1]
    link = update_links.find_link(token)
    update_links.revoke_update_link(link, secretariat)
    update_links.revoke_update_link(link, secretariat)
    assert not permissions.can_use_update_link(link)
    assert update_links.open_update_link(token) is None
    entries = db.session.scalars(
        sa.select(Activity).where(Activity.action == "update_link.revoked")
    ).all()
    assert [e.actor_id for e in entries] == [secretariat.id]


def test_expired_links_cannot_be_used(db, make_user, make_signatory):
    signatory = make_signatory()
    user = make_user(signatory=signatory)
    token = update_links.issue_update_link(user, signatory).rsplit("/", 1)[1]
    link = update_links.find_link(token)
    link.expires_at = utcnow() - timedelta(seconds=1)
    assert update_links.open_update_link(token) is None
