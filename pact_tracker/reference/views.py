"""Public pages of the lexicon: the SDGs' index, and one page per goal."""

from flask import Blueprint, abort, render_template, request

from pact_tracker.commitments.services import explorer
from pact_tracker.reference import services

blueprint = Blueprint("reference", __name__)


@blueprint.get("/sdg")
def sdg_index():
    """The 17 goals, each with its targets and their indicators."""
    return render_template("reference/index.html", goals=services.sdg_framework())


@blueprint.get("/sdg/<int:number>")
def goal_page(number: int):
    """An SDG goal, its targets with their indicators, and the commitments aiming at it."""
    goal = services.goal_outline(number) if number < 2**31 else None
    if goal is None:
        abort(404)
    page = explorer.public_page(
        {"goal": number}, request.args.get("page", 1, type=int), shared_count=True
    )
    return render_template("reference/goal.html", goal=goal, page=page, goals=explorer.sdg_goals())
