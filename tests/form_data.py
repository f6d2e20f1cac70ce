"""What the back-office and member forms are filled with in tests, valid as given.

Each builder returns the POST data of one form; keyword arguments replace
fields, so that a test changes only what it is about.
"""


def commitment_form(programme_id, **changes) -> dict:
    """The member's new-commitment form, every section filled (targets, dimensions,
    an indicator, a milestone)."""
    data = {
        "title": "Open a repair café in every district",
        "description": "Volunteers repair what people bring, twice a month, and teach how. " * 4,
        "language": "en",
        "programme_id": str(programme_id),
        "target_codes": ["12.5", "8.5"],
        "dimension_codes": ["social_performance"],
        "scope": "national",
        "country_code": "FR",
        "start_date": "2026-01-01",
        "due_date": "2027-12-31",
        "cadence_months": "6",
        "visibility": "public",
        "indicators-0-name": "Repair cafés open",
        "indicators-0-unit": "cafés",
        "indicators-0-baseline": "0",
        "indicators-0-target": "10",
        "indicators-0-direction": "increase",
        "milestones-0-title": "First café open",
        "milestones-0-due_date": "2026-06-30",
    }
    data.update(changes)
    return data


def event_form(**overrides) -> dict:
    """The secretariat's event form."""
    data = {
        "name": "Nairobi Dialogue",
        "timezone": "Africa/Nairobi",
        "starts_at": "2031-02-20T09:00",
        "ends_at": "2031-02-21T17:00",
        "place": "Nairobi",
        "cutoff_at": "",
        "wave_days": "42, 21, 7",
    }
    data.update(overrides)
    return data
