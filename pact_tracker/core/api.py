"""Shared API plumbing: Bearer authentication, error bodies, blueprint registration."""

from copy import deepcopy
from functools import wraps

import marshmallow as ma
from flask import Flask, after_this_request, g, jsonify, request
from flask_smorest import Api, Blueprint, abort
from werkzeug.exceptions import MethodNotAllowed

from pact_tracker.core import idempotency, permissions
from pact_tracker.core.errors import DomainError
from pact_tracker.core.input_guard import text_rule_in_openapi
from pact_tracker.core.lookup import MAX_ID, get_by_id
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


class ErrorSchema(ma.Schema):
    """The body of every refusal, as flask-smorest and ``_domain_error_response`` write it."""

    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = ma.fields.String(required=True, metadata={"description": "Its reason phrase."})
    message = ma.fields.String(metadata={"description": "What was wrong, for a person."})
    errors = ma.fields.Dict(
        metadata={
            "description": "Messages per location (``json``, ``query``) and field name.",
        }
    )


class DecimalText(ma.fields.Decimal):
    """A decimal number written as a string ("12.5000"), so that no digit is lost to a float."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


class PactApi(Api):
    """flask-smorest's ``Api``, whose document lists each refusal an operation can give.

    No catch-all ``default`` response: a status code the document does not name
    for an operation is a bug the API fuzzer (tests/functional/api) reports.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        payload, code, headers = super().handle_http_exception(error)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110: a 405 says which methods the resource does support.
            headers = {**headers, "Allow": ", ".join(sorted(error.valid_methods))}
        return payload, code, headers

    def _register_pagination_header(self):
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "The page's place in the list, as a JSON object: total, "
                "total_pages, first_page, last_page, page, previous_page, next_page.",
                "schema": {"type": "string"},
            },
            lazy=True,
        )


#: Refusals any operation can give whatever it does, before its view runs (see ``ApiBlueprint``).
WRONG_CREDENTIALS = "The token given is not valid (refused even where no token is needed)."
MALFORMED = "A body that is not JSON, or text that is not UTF-8."
INVALID = "Invalid fields, or text holding a character no field may hold, named in the body."
TOO_LARGE = "The body is larger than the server accepts (MAX_CONTENT_LENGTH)."


class ApiBlueprint(Blueprint):
    """A flask-smorest ``Blueprint`` whose operations also document the app-wide refusals.

    Every operation may be refused with 401 (a wrong token, checked for every
    request); one that reads a query or a body with 400 and 422 (the input
    guard, webargs); one that reads a body with 413. Each operation documents
    its own refusals (403, 404, 409...) with ``alt_response`` or ``documented``;
    every refusal's body is an ``ErrorSchema``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_refusals_doc)

    def arguments(self, schema, *, location="json", required=None, **kwargs):
        """As flask-smorest's; a body none of whose fields is required may be left out.

        Such a request is read as ``{}``, as it always was; the document now says so.
        """
        if required is None:
            fields = (schema() if isinstance(schema, type) else schema).fields.values()
            required = location != "json" or any(field.required for field in fields)
        return super().arguments(schema, location=location, required=required, **kwargs)

    def response(self, status_code, schema=None, **kwargs):
        """As flask-smorest's; an operation answering 201 (it creates) is made idempotent.

        It takes an ``Idempotency-Key`` header (``core.idempotency``), which the
        OpenAPI document lists for it.
        """
        decorate = super().response(status_code, schema, **kwargs)
        if int(status_code) != 201:
            return decorate
        return lambda view: idempotency.idempotent(decorate(view))

    @staticmethod
    def _prepare_refusals_doc(doc, doc_info, *, api, **kwargs):
        responses = doc.setdefault("responses", {})
        refusals = {401: WRONG_CREDENTIALS}
        reads_input = bool(doc.get("parameters")) or "requestBody" in doc
        if reads_input:
            refusals.update({400: MALFORMED, 422: INVALID})
        if 201 in responses or "201" in responses:
            _document_idempotency(doc, responses)
        if "requestBody" in doc:
            refusals[413] = TOO_LARGE
        for code, description in refusals.items():
            if code not in responses and str(code) not in responses:
                responses[code] = {"description": description}
        for code, response in responses.items():
            if int(code) >= 400 and isinstance(response, dict) and "content" not in response:
                response["content"] = {"application/json": {"schema": api.ERROR_SCHEMA}}
        return doc


def _document_idempotency(doc, responses) -> None:
    """List the ``Idempotency-Key`` header of a creating operation, and what it may answer."""
    doc.setdefault("parameters", []).append(deepcopy(idempotency.PARAMETER))
    created = responses.get(201) or responses["201"]
    created.setdefault("headers", {})[idempotency.REPLAYED_HEADER] = {
        "description": "`true` when this is the first answer given again for a repeated "
        "Idempotency-Key: nothing was created this time.",
        "schema": {"type": "string", "enum": ["true"]},
    }
    invalid = responses.get(422) or responses.get("422")
    reused = "Or an Idempotency-Key already used for another request."
    if invalid is None:
        responses[422] = {"description": f"{INVALID} {reused}"}
    else:
        invalid["description"] = f"{invalid['description']} {reused}"


def register_api(app: Flask) -> None:
    """Register every domain's API blueprint under ``/api/v1``."""
    from pact_tracker.campaigns.api import blueprint as campaigns
    from pact_tracker.coalition.api import blueprint as coalition
    from pact_tracker.commitments.api import blueprint as commitments
    from pact_tracker.events.api import blueprint as events
    from pact_tracker.programmes.api import blueprint as programmes
    from pact_tracker.reference.api import blueprint as reference

    # flask-smorest keeps the OpenAPI spec on the Api object, so each app gets its own.
    api = PactApi(app)
    api.register_field(DecimalText, "string", "decimal")
    # Before the blueprints: their schemas are converted as they are registered.
    api.ma_plugin.converter.add_attribute_function(text_rule_in_openapi)
    app.register_error_handler(DomainError, _domain_error_response)

    @app.before_request
    def _refuse_bad_credentials():
        # Even on public reads, a wrong token is an error the client must hear about;
        # a path or method the router refused (404, 405) is answered as such first.
        if (
            request.path.startswith("/api/v1/")
            and "Authorization" in request.headers
            and request.routing_exception is None
        ):
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


def count_total(query, pagination_parameters, count=None) -> None:
    """Tell flask-smorest how many items ``query`` has, counted as the HTML lists count.

    Counting stops ``core.pagination.COUNT_AHEAD`` items past the page's first
    item: the total (and ``last_page``) is then a lower bound and the
    ``X-Total-Exact`` header says ``false``; ``next_page`` is still given while
    there are more.

    :param count: counts as ``core.pagination.count_from`` does (the default), e.g.
        a count shared by every process.
    """
    counted = (count or count_from)(query, min(pagination_parameters.first_item, MAX_ID))
    pagination_parameters.item_count = counted.total

    @after_this_request
    def say_whether_exact(response):
        response.headers[TOTAL_EXACT_HEADER] = "true" if counted.exact else "false"
        return response


def paginate(query, pagination_parameters, count=None):
    """Run ``query`` (a ``select``) for one page, telling flask-smorest the total count.

    :param pagination_parameters: what ``@blueprint.paginate()`` passes the view.
    :param count: as ``count_total``'s.
    """
    count_total(query, pagination_parameters, count)
    if past_any_list(pagination_parameters):
        return []
    return page_of(query, pagination_parameters.page_size, pagination_parameters.first_item)


def past_any_list(pagination_parameters) -> bool:
    """Whether the page starts past the last row any list can have.

    Such a page is empty; its offset would not even fit the databases' integers
    (``?page=922337203685477482`` was a 500).
    """
    return pagination_parameters.first_item > MAX_ID


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
