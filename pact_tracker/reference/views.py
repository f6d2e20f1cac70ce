"""Public pages of the lexicon: one page per SDG goal."""

from flask import Blueprint, abort, render_template, request

from pact_tracker.commitments.services import explorer
from pact_tracker.core.pagination import paginate_select

blueprint = Blueprint("reference", __name__)


@blueprint.get("/sdg/<int:number>")
def goal_page(number: int):
    """An SDG goal, its targets, and the published commitments aiming at them."""
    goal = explorer.goal_with_targets(number) if number < 2**31 else None
    if goal is None:
        abort(404)
    page = paginate_select(
        explorer.public_commitments({"goal": number}), request.args.get("page", 1, type=int)
    )
    return render_template(
        "reference/goal.html",
        goal=goal,
        page=page,
        progress=explorer.latest_progress([c.id for c in page.items]),
        goals=explorer.sdg_goals(),
    )
