"""The demo's campaign history: one reminder to every member before the autumn summit.

The campaign is made by the services (created, scheduled, started: its
audience frozen into recipients, one rendered message and one update link per
person), as the secretariat and the worker would. What happened next is
written in bulk, in SQL, as the dispatcher and the members would have left it:
every message sent, one in :data:`BOUNCE_EVERY` bounced (its address
suppressed), one in :data:`UNSUBSCRIBE_EVERY` unsubscribed, and each recipient
answered when its member reported progress for its organisation within the
links' 30 days (a colleague, who never reports in the demo, never answers). At
the large scale the campaign reaches some 20,000 people (a fifth of the
organisations have a second member): the back office's campaign page,
recipients, update links and suppressions are measured on it
(``benchmarks/page_load.py``).
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from pact_tracker.campaigns.link_models import UpdateLink
from pact_tracker.campaigns.models import CampaignRecipient, OutboxMessage, Suppression
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.coalition.models import User
from pact_tracker.commitments.models import Commitment, ProgressUpdate
from pact_tracker.core import activity
from pact_tracker.extensions import db

NAME = "Progress before the Autumn Summit 2026"
#: A month before the autumn summit's cutoff (4 September 2026).
STARTED_AT = datetime(2026, 8, 3, 7, 0, tzinfo=UTC)
#: When the last message left.
SENT_AT = STARTED_AT + timedelta(hours=2)
LINK_VALID_DAYS = 30
BOUNCE_EVERY = 40
UNSUBSCRIBE_EVERY = 250
BOUNCE_REPLY = "550 5.1.1 The email account that you tried to reach does not exist"
CONTENTS = {
    "en": {
        "subject": "{{ signatory_name }}: your progress before the summit",
        "body": (
            "Hello {{ recipient_name }},\n\nThe Autumn Summit takes stock of every commitment "
            "on 4 September. Tell us where {{ signatory_name }} stands:\n\n<{{ update_url }}>\n\n"
            "{% for c in commitments %}- {{ c.title }} ({{ c.state }})\n{% endfor %}"
            "\nThank you,\nThe secretariat of {{ coalition_name }}"
        ),
    },
    "fr": {
        "subject": "{{ signatory_name }} : votre avancement avant le sommet",
        "body": (
            "Bonjour {{ recipient_name }},\n\nLe sommet d'automne fait le point sur chaque "
            "engagement le 4 septembre. Dites-nous où en est {{ signatory_name }} :\n\n"
            "<{{ update_url }}>\n\n"
            "{% for c in commitments %}- {{ c.title }} ({{ c.state }})\n{% endfor %}"
            "\nMerci,\nLe secrétariat de {{ coalition_name }}"
        ),
    },
}


def load_campaign(secretariat_id: int | None) -> dict[str, int]:
    """Create, start and deliver the demo's campaign; return the rows written per table."""
    secretariat = db.session.get(User, secretariat_id) if secretariat_id else None
    campaign = campaign_services.create_campaign(
        {
            "name": NAME,
            "default_locale": "en",
            "audience": {},
            "link_valid_days": LINK_VALID_DAYS,
            "contents": CONTENTS,
        },
        secretariat,
    )
    campaign_services.schedule_campaign(campaign, STARTED_AT, secretariat)
    campaign_services.start_campaign(campaign, STARTED_AT)
    activity.commit()
    _deliver(campaign.id)
    _answer(campaign.id)
    campaign_services.finish_done_campaigns(SENT_AT)
    activity.commit()
    return {
        "campaign": 1,
        **{
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (CampaignRecipient, OutboxMessage, UpdateLink, Suppression)
        },
    }


def _messages(campaign_id: int) -> sa.Select:
    return sa.select(OutboxMessage.id).where(OutboxMessage.campaign_id == campaign_id)


def _deliver(campaign_id: int) -> None:
    """Every message sent but the bounced ones; bounced and unsubscribed addresses suppressed."""
    of_campaign = OutboxMessage.campaign_id == campaign_id
    bounced = sa.and_(of_campaign, OutboxMessage.id % BOUNCE_EVERY == 3)
    unsubscribed = sa.and_(
        of_campaign, OutboxMessage.id % UNSUBSCRIBE_EVERY == 7, OutboxMessage.id % BOUNCE_EVERY != 3
    )
    session = db.session
    session.execute(
        sa.update(OutboxMessage)
        .where(of_campaign)
        .values(status="sent", attempts=1, sent_at=SENT_AT, last_reply="250 2.0.0 OK")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(OutboxMessage)
        .where(bounced)
        .values(status="failed", sent_at=None, last_reply=BOUNCE_REPLY)
        .execution_options(synchronize_session=False)
    )
    for condition, reason, at in (
        (bounced, f"bounce: {BOUNCE_REPLY}", SENT_AT),
        (unsubscribed, "unsubscribed", SENT_AT + timedelta(days=2)),
    ):
        session.execute(
            sa.insert(Suppression).from_select(
                ["address", "reason", "created_at"],
                sa.select(
                    sa.func.lower(OutboxMessage.to_address), sa.literal(reason), sa.literal(at)
                )
                .where(condition)
                .distinct(),
            )
        )
    session.flush()


def _answer(campaign_id: int) -> None:
    """A recipient answered when its member reported for its organisation within the links' life.

    Only through a message that arrived: a bounced one leaves its recipient unanswered.
    """
    session = db.session
    first_report = (
        sa.select(sa.func.min(ProgressUpdate.recorded_at))
        .join(Commitment, Commitment.id == ProgressUpdate.commitment_id)
        .where(
            Commitment.signatory_id == CampaignRecipient.signatory_id,
            ProgressUpdate.author_id == CampaignRecipient.user_id,
            ProgressUpdate.recorded_at >= STARTED_AT,
            ProgressUpdate.recorded_at < STARTED_AT + timedelta(days=LINK_VALID_DAYS),
        )
        .scalar_subquery()
    )
    delivered = sa.select(OutboxMessage.id).where(
        OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == "sent"
    )
    session.execute(
        sa.update(CampaignRecipient)
        .where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.outbox_message_id.in_(delivered),
        )
        .values(answered_at=first_report)
        .execution_options(synchronize_session=False)
    )
    answered = (
        sa.select(sa.func.min(CampaignRecipient.answered_at))
        .where(CampaignRecipient.outbox_message_id == OutboxMessage.id)
        .scalar_subquery()
    )
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign_id)
        .values(answered_at=answered)
        .execution_options(synchronize_session=False)
    )
    opened = (
        sa.select(CampaignRecipient.answered_at)
        .where(
            CampaignRecipient.outbox_message_id == UpdateLink.outbox_message_id,
            CampaignRecipient.signatory_id == UpdateLink.signatory_id,
        )
        .scalar_subquery()
    )
    session.execute(
        sa.update(UpdateLink)
        .where(UpdateLink.outbox_message_id.in_(_messages(campaign_id)))
        .values(used_at=opened)
        .execution_options(synchronize_session=False)
    )
    session.flush()
