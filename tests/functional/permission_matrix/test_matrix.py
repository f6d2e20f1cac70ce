"""The permission matrix: every route of the app, requested as each role.

The tables (``matrix_*.py`` beside this file, format in ``routes.py``) must
name every endpoint of the app; each (endpoint, role) cell is then one test:
an allowed role is served (never refused, never a 5xx), any other is refused.
"""

import importlib
import pkgutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from .routes import ROLES, Route


def _tables() -> dict[str, dict[str, Route]]:
    """``module name -> ROUTES`` for every ``matrix_*`` module of this package."""
    package = __name__.rpartition(".")[0]
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("matrix_")
    )
    return {name: importlib.import_module(f"{package}.{name}").ROUTES for name in names}


TABLES = _tables()
ROUTES: dict[str, Route] = {
    endpoint: route for table in TABLES.values() for endpoint, route in table.items()
}
#: Endpoints the tables need not list: files, not permissions.
UNLISTED = frozenset({"static"})
#: Statuses that refuse a request; pages may also send the visitor to sign in.
REFUSALS = frozenset({401, 403, 404})
SIGN_IN_PATH = "/sign-in"


def test_every_endpoint_of_the_app_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES) - UNLISTED)
    unknown = sorted(set(ROUTES) - endpoints)
    assert not missing and not unknown, (
        f"Add these endpoints to a matrix_*.py table: {missing}; "
        f"these listed endpoints do not exist (renamed or removed?): {unknown}"
    )


def test_no_endpoint_is_in_two_tables():
    seen: dict[str, str] = {}
    twice = []
    for module, table in TABLES.items():
        for endpoint in table:
            if endpoint in seen:
                twice.append(f"{endpoint} ({seen[endpoint]}, {module})")
            seen[endpoint] = module
    assert not twice, f"Endpoints listed in two tables: {twice}"


def test_tables_name_known_roles_only():
    strangers = {
        endpoint: sorted(set(route.allowed) - set(ROLES))
        for endpoint, route in ROUTES.items()
        if not set(route.allowed) <= set(ROLES)
    }
    assert not strangers, f"Unknown roles (see routes.ROLES): {strangers}"


CELLS = [
    pytest.param(endpoint, role, id=f"{endpoint}-{role}")
    for endpoint in sorted(ROUTES)
    for role in ROLES
]


def _is_refusal(response, path: str) -> bool:
    if response.status_code in REFUSALS:
        return True
    if path.startswith("/api/") or response.status_code not in (301, 302, 303, 307, 308):
        return False
    return urlsplit(response.headers.get("Location", "")).path == SIGN_IN_PATH


@pytest.mark.parametrize(("endpoint", "role"), CELLS)
def test_cell(app, world, request_as, endpoint, role):
    route = ROUTES[endpoint]
    path = route.path.format(**world)
    try:
        matched, _arguments = app.url_map.bind("localhost").match(
            urlsplit(path).path, method=route.method
        )
    except HTTPException as error:
        pytest.fail(f"the table's {route.method} {path} for {endpoint} matches no route: {error}")
    assert matched == endpoint, f"the table's {route.method} {path} is {matched}, not {endpoint}"

    response = request_as(role, route.method, path, route.body(world) if route.body else None)
    with response:  # static files stay open until closed
        text = response.get_data(as_text=True)

    refused = _is_refusal(response, path)
    cell = (
        f"{endpoint} as {role}: {route.method} {path} -> {response.status_code} "
        f"{response.headers.get('Location', '')} {text[:200]!r}"
        + (f" (note: {route.note})" if route.note else "")
    )
    assert response.status_code < 500, f"server error: {cell}"
    if role in route.allowed:
        assert not refused, f"allowed but refused: {cell}"
    else:
        assert refused, f"should be refused: {cell}"
