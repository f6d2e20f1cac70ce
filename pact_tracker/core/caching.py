"""Values every visitor shares, reused for a short while within the process.

The explorer's filters list 249 countries, 169 targets and the programmes,
and a list of several filters counts a thousand rows ahead: each costs more
than the rest of its page on a large coalition, and is the same for every
visitor. A minute's delay is harmless for them (a programme created by the
secretariat appears in the filters within a minute; such a list's count catches
up with its rows within a minute). ``SHARED_CACHE_SECONDS`` sets how long
(default 60; 0, no reuse, when testing). Each process keeps its own copies:
nothing to share or invalidate between hosts. A figure that every process
should compute once, or that must change at once, belongs in
``core.figure_store`` (keyed on what changes it), with a copy here in front.

Keys come from query strings (a list's filters and page), so a visitor can
make as many as they like: the cache is bounded (cachetools' ``TTLCache``,
``SHARED_CACHE_SIZE`` entries, default 1,024); past the bound the expired
entries go first, then the least recently used.
"""

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import TTLCache
from flask import current_app

DEFAULT_SECONDS = 60
DEFAULT_SIZE = 1024
#: The extensions key of the app's cache.
EXTENSION = "pact_recent"

T = TypeVar("T")

# TTLCache is not thread-safe, and gunicorn threads or the worker's may share one.
_lock = threading.Lock()


def _seconds() -> float:
    default = 0 if current_app.testing else DEFAULT_SECONDS
    return current_app.config.get("SHARED_CACHE_SECONDS", default)


def shared_cache() -> TTLCache:
    """The app's cache, made on first use with the configured lifetime and bound."""
    with _lock:
        cache = current_app.extensions.get(EXTENSION)
        if cache is None:
            size = current_app.config.get("SHARED_CACHE_SIZE", DEFAULT_SIZE)
            cache = current_app.extensions[EXTENSION] = TTLCache(maxsize=size, ttl=_seconds())
        return cache


def recent(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned under ``key`` less than the set time ago.

    :param key: names the value and whatever it depends on, e.g. ``("countries", "fr")``.
        What ``compute`` returns must not hold database rows (they belong to one session):
        plain values, tuples, dataclasses.
    """
    if _seconds() <= 0:
        return compute()
    cache = shared_cache()
    missing = object()
    with _lock:
        kept = cache.get(key, missing)
    if kept is not missing:
        return kept
    # Computed outside the lock: two requests may both compute a value, never wait on each other.
    value = compute()
    with _lock:
        cache[key] = value
    return value
