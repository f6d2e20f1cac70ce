"""Values every visitor shares, reused for a short while within the process.

The home page's figures count every public commitment, the explorer's
filters list 249 countries, 169 targets and the programmes, and the explorer
and the goal pages count a thousand rows ahead: each costs more than the rest
of its page on a large coalition, and is the same for every visitor. A
minute's delay is harmless for them (a programme created by the secretariat
appears in the filters within a minute; a list's count catches up with its
rows within a minute). ``SHARED_CACHE_SECONDS``
sets how long (default 60; 0, no reuse, when testing). Each process keeps its
own copies: nothing to share or invalidate between hosts.
"""

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

DEFAULT_SECONDS = 60

T = TypeVar("T")


def _seconds() -> float:
    default = 0 if current_app.testing else DEFAULT_SECONDS
    return current_app.config.get("SHARED_CACHE_SECONDS", default)


def recent(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned under ``key`` less than the set time ago.

    :param key: names the value and whatever it depends on, e.g. ``("countries", "fr")``.
        What ``compute`` returns must not hold database rows (they belong to one session):
        plain values, tuples, dataclasses.
    """
    seconds = _seconds()
    if seconds <= 0:
        return compute()
    store: dict = current_app.extensions.setdefault("pact_recent", {})
    now = time.monotonic()
    kept = store.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    value = compute()
    store[key] = (now + seconds, value)
    return value
