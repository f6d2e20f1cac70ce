"""The values every visitor shares are kept a minute, in a cache that stays at its bound."""

import time

import pytest

from pact_tracker.core.caching import DEFAULT_SIZE, EXTENSION, recent


@pytest.fixture
def shared_cache(app):
    """The session's app with its shared cache on (tests run with it off), emptied after."""
    app.config["SHARED_CACHE_SECONDS"] = 60
    app.extensions.pop(EXTENSION, None)
    try:
        yield lambda: app.extensions.get(EXTENSION)
    finally:
        del app.config["SHARED_CACHE_SECONDS"]
        app.config.pop("SHARED_CACHE_SIZE", None)
        app.extensions.pop(EXTENSION, None)


def test_ten_thousand_distinct_query_strings_leave_the_cache_at_its_bound(app, shared_cache):
    # The keys the explorer's count makes of its query string: filters and page start.
    with app.test_request_context():
        for n in range(10_000):
            recent(("public_count", (("q", f"visitor {n}"),), n * 20), lambda n=n: n)
        assert len(shared_cache()) == DEFAULT_SIZE
        # The latest ones are still there, and reused.
        assert recent(("public_count", (("q", "visitor 9999"),), 199_980), lambda: -1) == 9999


def test_explorer_pages_of_many_query_strings_leave_the_cache_at_its_bound(
    app, client, shared_cache
):
    app.config["SHARED_CACHE_SIZE"] = 40
    for page in range(1, 301):
        response = client.get(f"/commitments?page={page}&q=word{page}")
        assert response.status_code in (200, 404)
    assert len(shared_cache()) == 40


def test_a_shared_value_is_reused_within_its_time_then_computed_again(app, shared_cache):
    app.config["SHARED_CACHE_SECONDS"] = 0.2
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with app.test_request_context():
        assert recent("figures", compute) == 1
        assert recent("figures", compute) == 1
        expires = time.monotonic() + 0.2
        while recent("figures", compute) == 1:
            assert time.monotonic() < expires + 5, "the value was never computed again"
        assert len(calls) == 2
