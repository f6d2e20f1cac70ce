"""Lists count their rows only so far past the page shown (``core.pagination.COUNT_AHEAD``).

Beyond that the total is a lower bound: pages say "30+", the API says
``X-Total-Exact: false``, and every row is still reachable page after page.
Here the bound is lowered to 30 so that 60 commitments go past it.
"""

import json
import re

import pytest

from pact_tracker.commitments.models import CommitmentStatus
from pact_tracker.core import pagination

COMMITMENTS = 60


@pytest.fixture
def sixty_published(db, make_signatory, make_programme, make_commitment, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_AHEAD", 30)
    signatory, programme = make_signatory(), make_programme()
    return [
        make_commitment(
            signatory=signatory,
            programme=programme,
            status=CommitmentStatus.approved,
            title=f"Commitment number {number:02d}",
        ).id
        for number in range(COMMITMENTS)
    ]


def _explorer(client, page: int) -> tuple[str, str, list[str]]:
    html = client.get(f"/commitments?page={page}").get_data(as_text=True)
    heading = re.search(r'data-result-count="(\d+)">\s*([^<]+?)\s*<', html)
    pager = re.search(r'aria-current="page"><span class="page-link">([^<]+)<', html)
    titles = re.findall(r"Commitment number (\d\d)", html)
    return heading.group(2), pager.group(1) if pager else "", titles


def test_explorer_shows_a_lower_bound_past_the_count_and_still_reaches_every_row(
    client, sixty_published
):
    assert _explorer(client, 1)[:2] == ("30+ commitments", "Page 1 of 2+")
    assert _explorer(client, 2)[:2] == ("55+ commitments", "Page 2 of 3+")
    # Within reach of the end the count is exact again.
    assert _explorer(client, 3)[:2] == ("60 commitments", "Page 3 of 3")
    seen = [title for page in (1, 2, 3) for title in _explorer(client, page)[2]]
    assert sorted(seen) == [f"{number:02d}" for number in range(COMMITMENTS)]


def test_a_page_past_the_end_is_the_last_page(client, sixty_published):
    heading, pager, titles = _explorer(client, 99)
    assert (heading, pager) == ("60 commitments", "Page 3 of 3")
    assert len(titles) == 10


def test_api_says_when_its_total_is_a_lower_bound(client, sixty_published):
    def page(number: int):
        response = client.get(f"/api/v1/commitments?page={number}&page_size=10")
        assert response.status_code == 200
        return json.loads(response.headers["X-Pagination"]), response.headers["X-Total-Exact"]

    first, exact = page(1)
    assert (first["total"], first["next_page"], exact) == (30, 2, "false")
    third, exact = page(3)
    assert (third["total"], third["next_page"], exact) == (50, 4, "false")
    last, exact = page(6)
    assert (last["total"], last["last_page"], exact) == (60, 6, "true")
    assert "next_page" not in last
    ids = [
        item["id"]
        for number in range(1, 7)
        for item in client.get(f"/api/v1/commitments?page={number}&page_size=10").json
    ]
    assert sorted(ids) == sorted(sixty_published)
