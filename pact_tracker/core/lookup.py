"""Finding a row by an id that came from outside (a URL, a command line, a form)."""

from pact_tracker.extensions import db

#: The largest id an INTEGER primary key holds; a larger one would be a database error.
MAX_ID = 2**31 - 1


def get_by_id(model, pk, *, for_update: bool = False, options=()):
    """The ``model`` row with id ``pk``, or None (also for ids no row can have).

    :param for_update: lock the row until the end of the transaction (PostgreSQL;
        SQLite's writers are serialised already).
    :param options: loader options, e.g. ``joinedload(...)`` of what the page shows with it.
    """
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        return None
    lock = for_update and db.session.get_bind().dialect.name == "postgresql"
    return db.session.get(model, pk, with_for_update=lock or None, options=options)
