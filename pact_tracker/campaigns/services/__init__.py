"""Campaign services: the outbox (``outbox``), campaigns and their audience.

The outbox's public functions are importable from here, as every domain
queues its emails with them::

    from pact_tracker.campaigns.services import queue_email

Campaigns live in ``services.campaigns`` (lifecycle), ``services.audience``
(who receives one) and ``services.templating`` (the sandboxed content); import
those modules explicitly.
"""

from pact_tracker.campaigns.services.outbox import (
    FOLLOW_UP_TEMPLATE_PREFIXES,
    REPLY_LENGTH,
    SUBJECT_LENGTH,
    absolute_url,
    build_message,
    is_suppressed,
    lift_suppression,
    new_message_id,
    queue_email,
    render_email,
    suppress_address,
)

__all__ = [
    "FOLLOW_UP_TEMPLATE_PREFIXES",
    "REPLY_LENGTH",
    "SUBJECT_LENGTH",
    "absolute_url",
    "build_message",
    "is_suppressed",
    "lift_suppression",
    "new_message_id",
    "queue_email",
    "render_email",
    "suppress_address",
]
