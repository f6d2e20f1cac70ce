"""Programmes pages for the public: the active programmes and one programme's proposals."""

from flask import abort, render_template
from sqlalchemy.orm import selectinload

from pact_tracker.commitments.services import explorer
from pact_tracker.core import permissions
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Programme, Proposal
from pact_tracker.programmes.services import programmes_query, proposals_query
from pact_tracker.programmes.views import blueprint


@blueprint.get("/programmes")
def programme_list():
    """The active thematic programmes and the SDGs they serve."""
    # The public list whoever asks: the secretariat has its own pages for inactive ones.
    query = programmes_query(None).options(selectinload(Programme.goals))
    return render_template("programmes/public/list.html", programmes=db.session.scalars(query))


@blueprint.get("/programmes/<code>")
def programme_page(code: str):
    """A programme: what it is about, its proposals, how many commitments it gathered."""
    programme = db.session.scalar(
        programmes_query(None).where(Programme.code == code).options(selectinload(Programme.goals))
    )
    if programme is None or not permissions.can_view_programme(None, programme):
        abort(404)
    proposals = db.session.scalars(
        proposals_query(programme, None).options(selectinload(Proposal.organisation_types))
    ).all()
    return render_template(
        "programmes/public/programme.html",
        programme=programme,
        proposals=proposals,
        commitments=_published_count(programme.code),
    )


def _published_count(code: str) -> int:
    """How many published commitments the programme gathered, an exact figure.

    Unlike the lists' bounded counts: stored for every process (the count of a large
    programme takes a tenth of a second), and counted again after any change to it.
    """
    return explorer.shared_count_public("programme-commitments", {"programme": code})
