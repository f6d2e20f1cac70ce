"""Routes that belong to no domain: the home page and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from pact_tracker.extensions import db

blueprint = Blueprint("core", __name__)


@blueprint.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        db.session.rollback()
        database = "unreachable"
    status = "ok" if database == "ok" else "degraded"
    return jsonify(status=status, database=database), 200 if status == "ok" else 503


@blueprint.get("/")
def home():
    """The coalition at a glance."""
    from pact_tracker.core.figures import recent_coalition_figures, sdg_goals

    return render_template("core/home.html", figures=recent_coalition_figures(), goals=sdg_goals())
