"""The organiser overview: figures computed in SQL equal an independent count."""

import re
from collections import Counter
from datetime import timedelta

import pytest

from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import Commitment, CommitmentStatus
from pact_tracker.core.types import utcnow


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coalition(db, make_signatory, make_programme, make_commitment, make_user):
    """Approved commitments in two programmes and two countries, in every reporting state."""
    now = utcnow()
    france = make_signatory(name="Coop France", country_code="FR")
    belgium = make_signatory(
        name="Ville Belge", country_code="BE", organisation_type_code="local_authority"
    )
    author = make_user(signatory=france)
    jobs, energy = make_programme(code="JOBS"), make_programme(code="ENERGY")
    schedules = {
        "on_time": (now + timedelta(days=100), now + timedelta(days=300)),
        "overdue": (now - timedelta(days=3), now + timedelta(days=100)),
        "inactive": (now - timedelta(days=200), now - timedelta(days=10)),
    }
    made = []
    for signatory, programme, state in [
        (france, jobs, "on_time"),
        (france, jobs, "overdue"),
        (belgium, jobs, "inactive"),
        (belgium, energy, "on_time"),
        (france, energy, "inactive"),
    ]:
        due, inactive = schedules[state]
        made.append(
            make_commitment(
                signatory=signatory,
                programme=programme,
                status=CommitmentStatus.approved,
                report_due_at=due,
                inactive_at=inactive,
            )
        )
    make_commitment(signatory=france, programme=jobs, status=CommitmentStatus.submitted)
    for commitment, percent in ((made[0], 40), (made[3], 70)):
        commitments.report_progress(
            commitment, {"status": "on_track", "percent_complete": percent}, author
        )
        # Keep the test's schedule: reporting would move it.
        commitment.report_due_at, commitment.inactive_at = schedules["on_time"]
    db.session.flush()
    return made


def _cell(page: str, table: str, key: str, state: str) -> int:
    body = re.search(rf'data-by="{table}".*?</table>', page, re.S).group(0)
    row = re.search(rf'data-key="{re.escape(key)}".*?</tr>', body, re.S).group(0)
    return int(re.search(rf'data-state="{state}">(\d+)<', row).group(1))


def test_overview_counts_equal_an_independent_count(db, sign_in, organiser, coalition):
    page = text_of(sign_in(organiser).get("/organiser/"))
    assert "Event snapshots will be added here" in page
    approved = db.session.scalars(
        db.select(Commitment).where(Commitment.status == CommitmentStatus.approved)
    ).all()
    by_programme = Counter((c.programme.code, str(c.reporting_state)) for c in approved)
    by_country = Counter((c.signatory.country_code, str(c.reporting_state)) for c in approved)
    by_type = Counter(
        (c.signatory.organisation_type_code, str(c.reporting_state)) for c in approved
    )
    for state in ("on_time", "due", "overdue", "inactive"):
        for code in ("JOBS", "ENERGY"):
            assert _cell(page, "programme", code, state) == by_programme[(code, state)]
        for code in ("FR", "BE"):
            assert _cell(page, "country", code, state) == by_country[(code, state)]
        for code in ("cooperative", "local_authority"):
            assert _cell(page, "organisation_type", code, state) == by_type[(code, state)]
    assert by_programme[("JOBS", "inactive")] == 1 and by_programme[("JOBS", "on_time")] == 1


def test_state_as_of_today_by_programme(db, sign_in, organiser, coalition):
    page = text_of(sign_in(organiser).get("/organiser/"))
    table = re.search(r"data-as-of.*?</table>", page, re.S).group(0)

    def figures(code: str) -> tuple[str, str, str]:
        row = re.search(rf'data-programme="{code}".*?</tr>', table, re.S).group(0)
        return tuple(
            re.search(rf"data-{name}>([^<]*)<", row).group(1)
            for name in ("commitments", "reported", "average")
        )

    assert figures("JOBS") == ("3", "1", "40")
    assert figures("ENERGY") == ("2", "1", "70")
    assert figures("") == ("5", "2", "55")


def test_state_as_of_a_date_before_anything_was_reported(db, sign_in, organiser, coalition):
    page = text_of(sign_in(organiser).get("/organiser/?on=2020-01-01"))
    assert "No approved commitment at that date." in page


def test_a_future_date_is_refused_next_to_the_field(sign_in, organiser):
    page = text_of(sign_in(organiser).get("/organiser/?on=2999-01-01"))
    assert "Choose today or a date in the past." in page


def test_the_secretariat_sees_the_overview_and_members_do_not(admin, sign_in, member, client):
    assert admin.get("/organiser/").status_code == 200
    assert sign_in(member).get("/organiser/").status_code == 403
    assert client.get("/organiser/").headers["Location"].startswith("/sign-in")
