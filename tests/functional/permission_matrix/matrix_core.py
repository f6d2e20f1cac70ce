"""Pages that belong to no domain (home, health check), sign-in, static files, API docs."""

from .routes import EVERYONE, NOBODY, SIGNED_IN, Route

ROUTES: dict[str, Route] = {
    "core.home": Route("GET", "/", EVERYONE),
    "core.healthz": Route("GET", "/healthz", EVERYONE),
    "auth.sign_in": Route(
        "GET", "/sign-in", EVERYONE, note="the form is shown to the signed-in too"
    ),
    "auth.two_factor": Route(
        "GET",
        "/sign-in/two-factor",
        NOBODY,
        note="only between password and code: without a pending sign-in, back to /sign-in",
    ),
    "auth.sign_out": Route("POST", "/sign-out", EVERYONE),
    "auth.change_password": Route("GET", "/account/password", SIGNED_IN),
    "auth.choose_language": Route(
        "POST", "/language", EVERYONE, body=lambda w: {"locale": "fr", "next": "/"}
    ),
    "static": Route("GET", "/static/css/app.css", EVERYONE),
    "api-docs.openapi_json": Route("GET", "/api/v1/openapi.json", EVERYONE),
    "api-docs.openapi_swagger_ui": Route("GET", "/api/v1/docs", EVERYONE),
}
