"""Event services: ``events`` (series, occurrences, waves), ``snapshots``, ``comparison``."""
