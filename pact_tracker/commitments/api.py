"""JSON API of commitments."""

from flask_smorest import Blueprint

blueprint = Blueprint("commitments", __name__)
