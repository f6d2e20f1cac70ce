"""Delivering campaigns through a faulty SMTP server, on committed rows (both databases).

The SMTP server (``smtp_sink.FaultySink``) answers 451 to a share of messages,
drops connections, goes away for a while, refuses some recipients (550) or
some content (554). Each test builds its coalition in a database of its own
(``delivery_world.World``) so that dispatcher threads with their own
connections see it, starts a real campaign through ``services.campaigns``
and lets the worker's tasks deliver and finish it.
"""

import itertools
from collections import Counter

import pytest
import sqlalchemy as sa
from delivery_world import World
from smtp_sink import FaultPlan, FaultySink

from pact_tracker.campaigns import dispatcher, tasks
from pact_tracker.campaigns.models import Campaign, CampaignStatus, OutboxStatus
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.campaigns.services import is_suppressed
from pact_tracker.coalition.models import Role, User
from pact_tracker.core.activity import commit
from pact_tracker.extensions import db

_numbers = itertools.count(1)


@pytest.fixture
def make_world(new_database):
    worlds = []

    def make(**config) -> World:
        world = World(new_database(f"delivery{next(_numbers)}"), **config)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.close()


@pytest.fixture
def sink_for():
    sinks = []

    def make(world: World, plan: FaultPlan | None = None) -> FaultySink:
        sink = FaultySink(plan)
        sink.start()
        sinks.append(sink)
        world.point_mail_at(sink.port)
        return sink

    yield make
    for sink in sinks:
        sink.stop()


def deliver_until_finished(world: World, campaign_id: int, *, rounds: int = 200, on_tick=None):
    """Dispatch and advance, tick after tick, until the campaign finishes by itself."""
    for number in range(rounds):
        result = world.tick(dispatcher.dispatch_outbox)
        if on_tick is not None:
            on_tick(number, result)
        advanced = world.tick(tasks.advance_campaigns)
        if advanced.endswith("finished 1"):
            return number + 1
    raise AssertionError(f"not finished after {rounds} ticks: {world.statuses(campaign_id)}")


PEOPLE = 1_200


def test_temporary_failures_dropped_connections_and_an_outage_still_deliver_one_each(
    make_world, sink_for
):
    # On PostgreSQL three dispatcher threads share the outbox; on SQLite there is one.
    world = make_world(MAIL_CONCURRENCY=3, OUTBOX_BATCH_SIZE=100)
    emails = world.people(PEOPLE)
    sink = sink_for(world, FaultPlan(temp_fail_every=10, drop_every=300, outage_after=500))
    campaign_id = world.start_campaign()
    unreachable = []

    def on_tick(number, result):
        if result.unreachable:
            assert not sink.listening.is_set(), "a dropped session was taken for an outage"
            unreachable.append(number)
            # Two ticks find nobody listening; then the server comes back.
            if len(unreachable) == 2:
                sink.listen()

    deliver_until_finished(world, campaign_id, on_tick=on_tick)

    assert world.campaign_status(campaign_id) == CampaignStatus.finished
    received = sink.received
    assert Counter(r.recipient for r in received) == Counter(dict.fromkeys(emails, 1))
    rows = world.outbox(campaign_id)
    assert Counter(row.status for row in rows) == {OutboxStatus.sent: PEOPLE}
    assert {r.recipient: r.message_id for r in received} == {
        row.to_address: row.message_id for row in rows
    }
    # The faults happened: a tenth of the messages refused once, connections dropped, an outage.
    handler = sink.handler
    assert handler.temp_failures == PEOPLE // 10
    assert handler.drops >= 3
    assert handler.outages == 1 and len(unreachable) == 2
    attempts = Counter(row.attempts for row in rows)
    assert sum(n for tries, n in attempts.items() if tries > 1) >= PEOPLE // 10
    # French speakers got the French content.
    for message in received[:10]:
        french = int(message.recipient.split("-")[1].split("@")[0]) % 2 == 1
        assert message.text.startswith("Bonjour" if french else "Hello")


def test_a_550_fails_and_suppresses_the_campaign_goes_on_and_resend_reaches_only_the_failed(
    make_world, sink_for
):
    world = make_world(OUTBOX_MAX_ATTEMPTS=3)
    emails = world.people(40)
    world.secretariat("sam")
    bounced = emails[3:5]  # 550: no such user
    refused = emails[10:13]  # 554 at DATA: the content, not the address
    plan = FaultPlan(content_refusals=dict.fromkeys(refused, "554 5.6.0 Content rejected"))
    sink = sink_for(world, plan)
    for address in bounced:
        sink.handler.refuse(address, "550 5.1.1 No such user")
    campaign_id = world.start_campaign()

    deliver_until_finished(world, campaign_id)

    rows = {row.to_address: row for row in world.outbox(campaign_id)}
    assert world.campaign_status(campaign_id) == CampaignStatus.finished
    for address in bounced:
        assert rows[address].status == OutboxStatus.failed
        assert rows[address].last_reply == "550 5.1.1 No such user"
    for address in refused:
        assert rows[address].status == OutboxStatus.failed
        assert rows[address].last_reply == "554 5.6.0 Content rejected"
    assert (
        world.query(lambda: [is_suppressed(a) for a in bounced + refused])
        == [True] * 2 + [False] * 3
    )
    delivered = Counter(r.recipient for r in sink.received)
    assert delivered == Counter(dict.fromkeys(set(emails) - set(bounced) - set(refused), 1))

    # The content is fixed; resend to failed: only the three refused, not the suppressed two.
    sink.handler.plan.content_refusals.clear()

    def resend():
        with world.app.test_request_context():
            campaign = db.session.get(Campaign, campaign_id)
            actor = db.session.scalars(sa.select(User).where(User.role == Role.secretariat)).one()
            queued = campaign_services.resend_failed(campaign, actor)
            commit()
            return queued

    assert world.query(resend) == 3
    assert world.campaign_status(campaign_id) == CampaignStatus.running
    deliver_until_finished(world, campaign_id)
    resent = [r for r in sink.received if r.recipient in refused]
    assert sorted(r.recipient for r in resent) == sorted(refused)
    assert Counter(r.recipient for r in sink.received) == Counter(
        dict.fromkeys(set(emails) - set(bounced), 1)
    )
    new_rows = [row for row in world.outbox(campaign_id) if row.to_address in refused]
    assert sorted(row.status for row in new_rows) == sorted(
        [OutboxStatus.failed] * 3 + [OutboxStatus.sent] * 3
    )
    # The resent messages are new messages: new Message-IDs, not the failed ones'.
    assert {r.message_id for r in resent} == {
        row.message_id for row in new_rows if row.status == OutboxStatus.sent
    }
    assert not {r.message_id for r in resent} & {rows[a].message_id for a in refused}
    assert world.campaign_status(campaign_id) == CampaignStatus.finished


def test_a_campaign_failing_for_good_pauses_itself_and_alerts_the_secretariat(make_world, sink_for):
    world = make_world(CAMPAIGN_PAUSE_MIN_FAILURES=10, CAMPAIGN_PAUSE_FAILURE_RATE=0.5)
    emails = world.people(60)
    alerted = world.secretariat("sam", "alex")
    sink = sink_for(world)
    for address in emails[:30]:
        sink.handler.refuse(address, "550 5.1.1 No such user")
    campaign_id = world.start_campaign("Spring update")

    result = world.tick(dispatcher.dispatch_outbox)

    campaign = world.campaign(campaign_id)
    assert campaign["status"] == CampaignStatus.paused
    assert campaign["pause_reason"] == "paused by itself: 10 messages failed for good out of 10"
    assert result.failed == 10
    # The rest of the campaign waits; the alerts went out in the same tick.
    statuses = world.statuses(campaign_id)
    assert statuses[OutboxStatus.failed] == 10
    assert statuses[OutboxStatus.sent] == 0
    assert statuses[OutboxStatus.queued] + statuses[OutboxStatus.retry] == 50
    alerts = [r for r in sink.received if r.recipient in alerted]
    assert sorted(r.recipient for r in alerts) == sorted(alerted)
    for alert in alerts:
        assert "Spring update" in alert.message["Subject"] + alert.text
        assert "10" in alert.text
    assert {r.recipient for r in sink.received} == set(alerted)
    # Nothing more goes out while it is paused.
    assert world.tick(dispatcher.dispatch_outbox).claimed == 0
    assert world.tick(tasks.advance_campaigns) == "started 0, finished 0"
