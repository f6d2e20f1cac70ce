"""Forms of the event and snapshot pages: ``events`` (series, events, holding a commitment
for an event) and ``snapshots``."""
