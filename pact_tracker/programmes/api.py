"""JSON API of programmes."""

from flask_smorest import Blueprint

blueprint = Blueprint("programmes", __name__)
