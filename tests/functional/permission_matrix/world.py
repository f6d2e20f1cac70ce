"""The world every cell of the permission matrix is requested in.

Built with the domain services, as the app would build it, so that every
object is valid (a commitment approved through the workflow, progress
reported through the log), then committed. Nobody has a password: the matrix
signs people in by opening their server-side session directly.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from pact_tracker.campaigns import update_links
from pact_tracker.campaigns.models import Suppression
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.campaigns.services import suppress_address
from pact_tracker.coalition import services as coalition
from pact_tracker.coalition.models import Role, SignatoryStatus
from pact_tracker.commitments import services as commitments
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.extensions import db
from pact_tracker.programmes import services as programmes

from .routes import ANONYMOUS, ORGANISER, OTHER, OWNER, SECRETARIAT, WORLD_KEYS

#: Long enough for the SMART check (``SMART_MIN_DESCRIPTION``).
DESCRIPTION = (
    "We train young people far from employment in the management of a cooperative, "
    "with a mentor from one of our member cooperatives, and hire those who wish to stay. "
    "Each cohort is followed for a year after the training so that the results last."
)


@dataclass(frozen=True)
class World:
    #: ``routes.WORLD_KEYS`` -> value: what path templates and bodies may name.
    values: dict[str, object]
    #: The id of the person acting in each role (None for the anonymous visitor).
    people: dict[str, int | None]


def _commitment_data(**extra) -> dict:
    """A commitment that passes the SMART check, adopting nothing."""
    return {
        "title": "Train 40 young people in cooperative management",
        "description": DESCRIPTION,
        "due_date": date(2028, 12, 31),
        "target_codes": ["8.5"],
        "dimension_codes": ["social_performance"],
        "indicators": [
            {"name": "People trained", "unit": "people", "baseline": 0, "target": 40},
        ],
        "milestones": [{"title": "First cohort trained", "due_date": date(2027, 6, 30)}],
        **extra,
    }


def build_world() -> World:
    """Create everything ``routes.WORLD_KEYS`` names, and commit."""
    secretariat = coalition.create_user(
        "secretariat@matrix.example.org", "Sam Secretariat", Role.secretariat
    )
    organiser = coalition.create_user(
        "organiser@matrix.example.org", "Orla Organiser", Role.organiser, actor=secretariat
    )

    own = coalition.create_signatory(
        {
            "name": "Matrix Own Cooperative",
            "slug": "matrix-own",
            "organisation_type_code": "cooperative",
            "country_code": "FR",
            "locality": "Lyon",
        },
        secretariat,
        SignatoryStatus.approved,
    )
    other = coalition.create_signatory(
        {
            "name": "Matrix Other Association",
            "slug": "matrix-other",
            "organisation_type_code": "association",
            "country_code": "BE",
        },
        secretariat,
        SignatoryStatus.approved,
    )
    owner = coalition.create_user(
        "owner@matrix.example.org",
        "Olivia Owner",
        signatory=own,
        is_admin=True,
        actor=secretariat,
    )
    other_member = coalition.create_user(
        "other@matrix.example.org",
        "Oscar Other",
        signatory=other,
        is_admin=True,
        actor=secretariat,
    )
    applicant = coalition.create_user("applicant@matrix.example.org", "Ada Applicant")
    applied = coalition.apply_to_join(
        {
            "name": "Matrix Applied Mutual",
            "slug": "matrix-applied",
            "organisation_type_code": "mutual",
            "country_code": "ES",
        },
        applicant,
    )

    programme = programmes.create_programme(
        {
            "code": "MATRIX",
            "name_en": "Decent work",
            "name_fr": "Travail décent",
            "goal_numbers": [8],
        },
        secretariat,
    )
    proposal = programmes.create_proposal(
        programme,
        {
            "title_en": "Create jobs for people far from employment",
            "title_fr": "Créer des emplois pour les personnes éloignées de l'emploi",
            "text_en": "Hire and train people who have been out of work for a long time.",
            "text_fr": "Embaucher et former des personnes longtemps privées d'emploi.",
            "organisation_type_codes": ["cooperative"],
            "target_codes": ["8.5"],
            "dimension_codes": ["social_performance"],
            "indicators": [{"name_en": "Jobs created", "name_fr": "Emplois créés", "unit": "jobs"}],
        },
        secretariat,
    )

    published = commitments.create_commitment(own, _commitment_data(proposal_id=proposal.id), owner)
    commitments.submit_commitment(published, owner)
    commitments.approve_commitment(published, secretariat, "Clear and measurable.", publish=True)
    indicator = published.indicators[0]
    commitments.report_progress(
        published,
        {
            "status": "on_track",
            "percent_complete": 20,
            "narrative": "The first cohort has **started**.",
            "indicator_values": [{"indicator_id": indicator.id, "value": 8}],
        },
        owner,
    )
    latest = commitments.report_progress(
        published,
        {
            "status": "on_track",
            "percent_complete": 35,
            "narrative": "Half of the first cohort is trained.",
            "indicator_values": [{"indicator_id": indicator.id, "value": 14}],
        },
        owner,
    )
    draft = commitments.create_commitment(
        own, _commitment_data(programme_id=programme.id, title="Open a second workshop"), owner
    )
    submitted = commitments.create_commitment(
        own, _commitment_data(programme_id=programme.id, title="Mentor ten new cooperatives"), owner
    )
    commitments.submit_commitment(submitted, owner)
    # The other signatory invites the owner, who has not answered yet.
    invitation = coalition.invite_member(other, owner.email, other_member, name="Olga")
    campaign = campaign_services.create_campaign(
        {
            "name": "Spring progress call",
            "contents": {"en": {"subject": "Your progress", "body": "Hello {{ recipient_name }}"}},
        },
        secretariat,
    )
    series = event_services.create_series(
        {
            "name": "Annual Summit",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2025, 6, 10, 9, 0, tzinfo=UTC),
        },
        secretariat,
    )
    past_event, _, next_event = event_services.schedule_occurrences(series, count=3, actor=None)
    published_snapshot = snapshot_services.take_snapshot(
        past_event.cutoff_at, title=past_event.name, event=past_event
    )
    snapshot_services.publish_snapshot(published_snapshot, secretariat)
    draft_snapshot = snapshot_services.take_snapshot(
        utcnow() - timedelta(days=1), title="Draft check"
    )
    suppress_address("bounced@example.org", "bounce: 550 5.1.1 no such mailbox")
    suppression_id = db.session.scalar(
        sa.select(Suppression.id).where(Suppression.address == "bounced@example.org")
    )
    link_url = update_links.issue_update_link(owner, own)
    update_link = update_links.find_link(link_url.rsplit("/", 1)[-1])
    commit()

    values = {
        "own_slug": own.slug,
        "own_signatory_id": own.id,
        "other_slug": other.slug,
        "applied_slug": applied.slug,
        "programme_code": programme.code,
        "proposal_id": proposal.id,
        "commitment_id": published.id,
        "draft_id": draft.id,
        "submitted_id": submitted.id,
        "update_id": latest.id,
        "indicator_id": indicator.id,
        "milestone_id": published.milestones[0].id,
        "owner_user_id": owner.id,
        "other_user_id": other_member.id,
        "owner_membership_id": next(m.id for m in owner.memberships if not m.pending),
        "invitation_id": invitation.id,
        "goal": 8,
        "campaign_id": campaign.id,
        "suppression_id": suppression_id,
        "update_link_id": update_link.id,
        "series_id": series.id,
        "series_slug": series.slug,
        "event_id": next_event.id,
        "event_slug": next_event.slug,
        "snapshot_id": published_snapshot.id,
        "draft_snapshot_id": draft_snapshot.id,
    }
    assert set(values) == set(WORLD_KEYS), set(values) ^ set(WORLD_KEYS)
    people = {
        ANONYMOUS: None,
        OWNER: owner.id,
        OTHER: other_member.id,
        ORGANISER: organiser.id,
        SECRETARIAT: secretariat.id,
    }
    return World(values=values, people=people)
