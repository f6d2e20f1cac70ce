"""Shared API plumbing: Bearer authentication, error bodies, blueprint registration."""

from functools import wraps

from flask import Flask, after_this_request, g, jsonify, request
from flask_smorest import Api, abort

from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.lookup import get_by_id
from pact_tracker.core.pagination import count_from, page_of
from pact_tracker.extensions import csrf

#: OpenAPI security requirement for operations that need a token.
BEARER = [{"bearerAuth": []}]


def api_user():
    """The user behind the request's Bearer token, or None when there is none.

    A token that is present but wrong is refused outright (401) rather than
    treated as anonymous, so a client learns that its credentials are bad.
    """
    if "api_user" in g:
        return g.api_user
    from pact_tracker.core.tokens import user_for_secret

    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            abort(401, message="Authorization header must be 'Bearer <token>'.")
        user = user_for_secret(secret.strip())
        if user is None:
            abort(401, message="Invalid, revoked or expired token.")
    g.api_user = user
    return user


def login_required(view):
    """Refuse the request with 401 unless it carries a valid Bearer token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if api_user() is None:
            abort(401, message="This operation needs a Bearer token.")
        return view(*args, **kwargs)

    return wrapper


def require(allowed: bool, message: str = "You are not allowed to do this.") -> None:
    """Abort with 403 when a permission check failed."""
    if not allowed:
        abort(403, message=message)


def require_secretariat() -> None:
    require(permissions.is_secretariat(api_user()), "This operation is for the secretariat.")


def abort_for(error: DomainError):
    """Turn a service's error into the API's error body, naming the fields."""
    kwargs = {"message": error.message}
    if error.errors:
        kwargs["errors"] = {"json": error.errors}
    abort(error.status_code, **kwargs)


def register_api(app: Flask) -> None:
    """Register every domain's API blueprint under ``/api/v1``."""
    from pact_tracker.campaigns.api import blueprint as campaigns
    from pact_tracker.coalition.api import blueprint as coalition
    from pact_tracker.commitments.api import blueprint as commitments
    from pact_tracker.events.api import blueprint as events
    from pact_tracker.programmes.api import blueprint as programmes
    from pact_tracker.reference.api import blueprint as reference

    # flask-smorest keeps the OpenAPI spec on the Api object, so each app gets its own.
    api = Api(app)
    app.register_error_handler(DomainError, _domain_error_response)

    @app.before_request
    def _refuse_bad_credentials():
        # Even on public reads, a wrong token is an error the client must hear about.
        if request.path.startswith("/api/v1/") and "Authorization" in request.headers:
            api_user()

    for blueprint in (reference, coalition, programmes, commitments, campaigns, events):
        # The API authenticates by Bearer header only, never by cookie: no CSRF exposure.
        csrf.exempt(blueprint)
        # Registered as ``api_<domain>``: the domain's HTML pages use the plain name.
        api.register_blueprint(blueprint, url_prefix="/api/v1", name=f"api_{blueprint.name}")


def _domain_error_response(error: DomainError):
    """A service refused: the same JSON body flask-smorest gives its own errors."""
    from pact_tracker.extensions import db

    db.session.rollback()
    body = {"code": error.status_code, "status": _status_phrase(error.status_code)}
    body["message"] = error.message
    if error.errors:
        body["errors"] = {"json": error.errors}
    return jsonify(body), error.status_code


def _status_phrase(code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(code).phrase


#: Response header saying whether ``X-Pagination``'s total is exact (see ``count_total``).
TOTAL_EXACT_HEADER = "X-Total-Exact"


def count_total(query, pagination_parameters) -> None:
    """Tell flask-smorest how many items ``query`` has, counted as the HTML lists count.

    Counting stops ``core.pagination.COUNT_AHEAD`` items past the page's first
    item: the total (and ``last_page``) is then a lower bound and the
    ``X-Total-Exact`` header says ``false``; ``next_page`` is still given while
    there are more.
    """
    count = count_from(query, pagination_parameters.first_item)
    pagination_parameters.item_count = count.total

    @after_this_request
    def say_whether_exact(response):
        response.headers[TOTAL_EXACT_HEADER] = "true" if count.exact else "false"
        return response


def paginate(query, pagination_parameters):
    """Run ``query`` (a ``select``) for one page, telling flask-smorest the total count.

    :param pagination_parameters: what ``@blueprint.paginate()`` passes the view.
    """
    count_total(query, pagination_parameters)
    return page_of(query, pagination_parameters.page_size, pagination_parameters.first_item)


def get_or_404(model, pk: int, label: str, *, for_update: bool = False):
    """The ``model`` row with id ``pk``, or a 404 naming what was not found.

    :param for_update: lock it until the end of the request (PostgreSQL), for a change.
    """
    found = get_by_id(model, pk, for_update=for_update)
    if found is None:
        abort(404, message=f"No {label} {pk}.")
    return found


def documented(blueprint, descriptions: dict[int, str]):
    """A decorator factory: ``@documented(401, 404)`` adds those refusals to the OpenAPI doc.

    Each blueprint describes its refusals once in ``descriptions``.
    """

    def codes(*answered: int):
        def decorate(view):
            for code in reversed(answered):
                view = blueprint.alt_response(code, description=descriptions[code])(view)
            return view

        return decorate

    return codes
