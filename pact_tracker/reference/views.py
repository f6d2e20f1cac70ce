"""Public pages of the lexicon: one page per SDG goal."""

from flask import Blueprint, abort, render_template, request

from pact_tracker.commitments.services import explorer

blueprint = Blueprint("reference", __name__)


@blueprint.get("/sdg/<int:number>")
def goal_page(number: int):
    """An SDG goal, its targets, and the published commitments aiming at them."""
    goal = explorer.goal_with_targets(number) if number < 2**31 else None
    if goal is None:
        abort(404)
    page = explorer.public_page(
        {"goal": number}, request.args.get("page", 1, type=int), shared_count=True
    )
    return render_template("reference/goal.html", goal=goal, page=page, goals=explorer.sdg_goals())
