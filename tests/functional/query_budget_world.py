"""A world that can grow, for the query budget: the same kinds of rows, several times more.

It starts from the permission matrix's world (one of every kind of row) and
adds *batches*: each batch brings, through the domain services, signatories of
three types in three countries with their members and update links, commitments
in two programmes (indicators, milestones, progress updates with indicator
values and evidence, an assessment) and one more waiting for review, a
proposal, events, an application to join, a suppressed address, a started
campaign and a published snapshot of everything. Every batch is alike, so a page whose
queries do not depend on the number of rows issues as many queries after one
batch as after five.

Some pages show one object (a commitment, a snapshot, a campaign's
recipients): ``grow`` points the world's keys at the newest such object, which
has more children the more batches there are.
"""

from datetime import date, timedelta

from permission_matrix.world import DESCRIPTION, build_world

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.campaigns.services import suppress_address
from pact_tracker.coalition import services as coalition
from pact_tracker.coalition.models import Signatory, SignatoryStatus, User
from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import Commitment
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db
from pact_tracker.programmes import services as programmes
from pact_tracker.programmes.models import Programme

#: The organisations of a batch: (type, country).
ORGANISATIONS = (("cooperative", "FR"), ("association", "BE"), ("state", "SN"))


def build_small_world() -> dict:
    """The matrix's world plus one batch, committed; returns the keys path templates name."""
    world = build_world()
    values = dict(world.values)
    values["secretariat_id"] = world.people["secretariat"]
    values["member_id"] = world.people["owner"]
    values["organiser_id"] = world.people["organiser"]
    values["today"] = utcnow().date().isoformat()
    values["batches"] = 0
    grow(values, batches=1)
    return values


def grow(values: dict, batches: int) -> None:
    """Add ``batches`` batches, point the keys at the newest objects, and commit."""
    secretariat = db.session.get(User, values["secretariat_id"])
    own = db.session.scalar(db.select(Signatory).where(Signatory.slug == values["own_slug"]))
    matrix_programme = db.session.get(Programme, _programme_id(values["programme_code"]))
    for _ in range(batches):
        values["batches"] += 1
        _add_batch(values["batches"], own, matrix_programme, secretariat)
    total = values["batches"]
    showcase = _commitment(own, matrix_programme, secretariat, f"Showcase {total}", size=2 * total)
    values["commitment_id"] = showcase.id
    values["update_id"] = showcase.updates[-1].id
    values["campaign_id"] = _started_campaign(f"Progress call {total}", secretariat).id
    snapshot = snapshot_services.take_snapshot(utcnow(), title=f"Check {total}")
    snapshot_services.publish_snapshot(snapshot, secretariat)
    values["snapshot_id"] = snapshot.id
    commit()


def _programme_id(code: str) -> int:
    return db.session.scalar(db.select(Programme.id).where(Programme.code == code))


def _add_batch(number: int, own: Signatory, matrix_programme: Programme, secretariat) -> None:
    programme = programmes.create_programme(
        {
            "code": f"BATCH{number}",
            "name_en": f"Batch programme {number}",
            "name_fr": f"Programme du lot {number}",
            "goal_numbers": [8, 4],
        },
        secretariat,
    )
    for target in (programme, matrix_programme):
        _proposal(target, secretariat, f"Batch {number} proposal")
    for kind, country in ORGANISATIONS:
        signatory = coalition.create_signatory(
            {
                "name": f"Batch {number} {kind} {country}",
                "organisation_type_code": kind,
                "country_code": country,
                "locality": "Somewhere",
            },
            secretariat,
            SignatoryStatus.approved,
        )
        member = coalition.create_user(
            f"member-{number}-{kind}@budget.example.org",
            f"Member {number} {kind}",
            signatory=signatory,
            is_admin=True,
            actor=secretariat,
        )
        update_links.issue_update_link(member, signatory)
        for where in (programme, matrix_programme):
            _commitment(signatory, where, secretariat, f"Batch {number} {kind} {where.code}")
        _submitted(signatory, matrix_programme, f"Batch {number} {kind} waiting")
    # The own signatory grows too: its page and its members list show more.
    coalition.create_user(
        f"colleague-{number}@budget.example.org",
        f"Colleague {number}",
        signatory=own,
        actor=secretariat,
    )
    _commitment(own, programme, secretariat, f"Batch {number} own")
    _events(number, secretariat)
    _application(number)
    suppress_address(f"bounced-{number}@budget.example.org", "bounce: 550 5.1.1 no such mailbox")


def _proposal(programme: Programme, secretariat, title: str) -> None:
    programmes.create_proposal(
        programme,
        {
            "title_en": title,
            "title_fr": f"{title} (fr)",
            "text_en": "Hire and train people who have been out of work for a long time.",
            "text_fr": "Embaucher et former des personnes longtemps privées d'emploi.",
            "organisation_type_codes": ["cooperative", "association"],
            "target_codes": ["8.5", "4.4"],
            "dimension_codes": ["social_performance", "territorial_anchoring"],
            "indicators": [{"name_en": "Jobs created", "name_fr": "Emplois créés", "unit": "jobs"}],
        },
        secretariat,
    )


def _commitment(
    signatory: Signatory, programme: Programme, secretariat, title: str, size: int = 2
) -> Commitment:
    """A published commitment with ``size`` indicators, milestones and progress updates."""
    member = signatory.memberships[0].user
    commitment = commitments.create_commitment(
        signatory,
        {
            "programme_id": programme.id,
            "title": title,
            "description": DESCRIPTION,
            "due_date": date(2028, 12, 31),
            "target_codes": ["8.5", "4.4"],
            "dimension_codes": ["social_performance", "territorial_anchoring"],
            "indicators": [
                {"name": f"Indicator {i}", "unit": "people", "baseline": 0, "target": 40}
                for i in range(size)
            ],
            "milestones": [
                {"title": f"Milestone {i}", "due_date": date(2027, 6, 30) + timedelta(days=i)}
                for i in range(size)
            ],
        },
        member,
    )
    commitments.submit_commitment(commitment, member)
    commitments.approve_commitment(commitment, secretariat, "Clear.", publish=True)
    for step in range(size):
        _report(commitment, member, step)
    commitments.assess_commitment(commitment, "substantial", "Checked.", secretariat)
    return commitment


def _submitted(signatory: Signatory, programme: Programme, title: str) -> Commitment:
    """A commitment its signatory submitted, waiting in the secretariat's review queue."""
    member = signatory.memberships[0].user
    commitment = commitments.create_commitment(
        signatory,
        {
            "programme_id": programme.id,
            "title": title,
            "description": DESCRIPTION,
            "due_date": date(2028, 12, 31),
            "target_codes": ["8.5"],
            "dimension_codes": ["social_performance"],
            "indicators": [
                {"name": "People trained", "unit": "people", "baseline": 0, "target": 9}
            ],
            "milestones": [{"title": "First cohort", "due_date": date(2027, 6, 30)}],
        },
        member,
    )
    commitments.submit_commitment(commitment, member)
    return commitment


def _application(number: int) -> None:
    """An organisation applying to join, with the account of its contact."""
    applicant = coalition.create_user(
        f"applicant-{number}@budget.example.org", f"Applicant {number}"
    )
    coalition.apply_to_join(
        {
            "name": f"Batch {number} applying mutual",
            "organisation_type_code": "mutual",
            "country_code": "ES",
        },
        applicant,
    )


def _report(commitment: Commitment, member: User, step: int) -> None:
    commitments.report_progress(
        commitment,
        {
            "status": "on_track",
            "percent_complete": 10 + step,
            "narrative": f"Report {step}: **going well**.",
            "indicator_values": [
                {"indicator_id": indicator.id, "value": step + 1}
                for indicator in commitment.indicators
            ],
            "evidence": [
                {
                    "kind": "testimony",
                    "dimension_code": "social_performance",
                    "title": f"A trainee speaks ({step})",
                    "url": "https://example.org/story",
                }
            ],
            "milestones_done": [commitment.milestones[step].id],
        },
        member,
    )


def _events(number: int, secretariat) -> None:
    """A series of its own with a past and two coming events."""
    series = event_services.create_series(
        {
            "name": f"Regional meeting {number}",
            "rrule": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15",
            "timezone": "Europe/Brussels",
            "first_starts_at": utcnow().replace(month=3, day=15, hour=9, minute=0, second=0),
        },
        secretariat,
    )
    event_services.schedule_occurrences(series, count=3, actor=secretariat)


def _started_campaign(name: str, secretariat):
    """A campaign to everyone, started: its recipients are every member so far."""
    campaign = campaign_services.create_campaign(
        {
            "name": name,
            "contents": {"en": {"subject": "Your progress", "body": "Hello {{ recipient_name }}"}},
        },
        secretariat,
    )
    campaign_services.schedule_campaign(campaign, None, secretariat)
    campaign_services.start_campaign(campaign, utcnow())
    return campaign
