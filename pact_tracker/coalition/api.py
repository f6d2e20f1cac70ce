"""JSON API of coalition."""

from flask_smorest import Blueprint

blueprint = Blueprint("coalition", __name__)
