"""A small coalition for the API fuzzer: one object of each kind the API names in a path.

Fuzzed path parameters rarely name a row that exists, so half the positive
examples get their path parameters from here instead (see ``known_path``), and
reach the code past the lookups: permissions, services, serialisation.
"""

from datetime import UTC, datetime, timedelta

from pact_tracker import create_app
from pact_tracker.campaigns.services import campaigns as campaign_services
from pact_tracker.coalition.models import Membership, Role
from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.commitments.services import report_progress
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def build_world(db, make_signatory, make_user, make_commitment, make_proposal, token_for):
    """The rows, and the Authorization headers of a member and of the secretariat."""
    ours = make_signatory(name="Fuzz Cooperative")
    theirs = make_signatory(name="Other Cooperative", country_code="BE")
    member = make_user(signatory=ours, name="Mia Member")
    colleague = make_user(signatory=ours, name="Colin Colleague")
    secretariat = make_user(role=Role.secretariat, name="Sam Secretariat")
    proposal = make_proposal()
    programme = proposal.programme
    approved = make_commitment(
        signatory=ours, programme=programme, status=CommitmentStatus.approved
    )
    draft = make_commitment(signatory=ours, programme=programme)
    make_commitment(signatory=theirs, programme=programme, status=CommitmentStatus.approved)
    update = report_progress(approved, {"status": "on_track", "percent_complete": 10}, member)
    series = event_services.create_series(
        {
            "name": "Fuzz summit",
            "rrule": "FREQ=MONTHLY;INTERVAL=6",
            "timezone": "Europe/Paris",
            "first_starts_at": START,
            "place": "Paris",
        },
        None,
    )
    first, second = event_services.schedule_occurrences(series, count=2, actor=None)
    published = snapshot_services.take_snapshot(first.cutoff_at, title="Spring", event=first)
    snapshot_services.publish_snapshot(published, secretariat)
    snapshot = snapshot_services.take_snapshot(first.cutoff_at + timedelta(days=30), title="Draft")
    campaign = campaign_services.create_campaign(
        {
            "name": "Before the summit",
            "audience": {"countries": ["FR"]},
            "contents": {"en": {"subject": "Your progress", "body": "Please report."}},
            "default_locale": "en",
        },
        secretariat,
    )
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == colleague.id))
    db.session.commit()
    return {
        "headers": {
            "member": token_for(member),
            "secretariat": token_for(secretariat),
        },
        "path": {
            "slug": ours.slug,
            "membership_id": membership.id,
            "user_id": colleague.id,
            "code": programme.code,
            "proposal_id": proposal.id,
            "commitment_id": draft.id,
            "approved_commitment_id": approved.id,
            "update_id": update.id,
            "campaign_id": campaign.id,
            "series_id": series.id,
            "event_id": second.id,
            "snapshot_id": snapshot.id,
            "published_snapshot_id": published.id,
            "number": 8,
        },
    }


def known_path(world: dict, path: str, names: list[str], variant: int) -> dict:
    """Path parameters naming rows of ``world`` for the operation at ``path``.

    :param variant: picks between the draft and the approved commitment, the
        draft and the published snapshot, where an operation has both to try.
    """
    known = world["path"]
    values = {}
    for name in names:
        if name == "code" and path.startswith("/api/v1/countries/"):
            values[name] = "FR"
        elif name == "commitment_id" and variant % 2:
            values[name] = known["approved_commitment_id"]
        elif name == "snapshot_id" and variant % 2:
            values[name] = known["published_snapshot_id"]
        else:
            values[name] = known[name]
    return values


def openapi_document() -> dict:
    """The OpenAPI document the API serves.

    Read from an app of its own, made for this alone, when the tests are
    collected (one test per operation): the document is built from the code and
    does not depend on the database, which this app never opens.
    """
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").get_json()
