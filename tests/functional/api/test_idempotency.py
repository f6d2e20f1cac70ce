"""``Idempotency-Key``: a creating request sent again creates nothing and gets the first answer.

A client that was told "503, try again" (or timed out) after its report was
stored must be able to send it again without storing it twice.
"""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.coalition.models import Membership, Signatory, SignatoryStatus, User
from pact_tracker.commitments.models import Commitment, CommitmentStatus, ProgressUpdate
from pact_tracker.core import idempotency
from pact_tracker.core.activity import Activity, commit
from pact_tracker.core.idempotency import IdempotencyKey
from pact_tracker.core.tokens import issue_token
from pact_tracker.core.types import utcnow
from pact_tracker.extensions import db as _db
from pact_tracker.programmes.models import Programme

API = "/api/v1"
REPORT = {"status": "on_track", "percent_complete": 40, "narrative": "Forty trained."}


@pytest.fixture
def signatory(make_signatory):
    return make_signatory()


@pytest.fixture
def member(make_user, signatory):
    return make_user(signatory=signatory)


@pytest.fixture
def commitment(make_commitment, signatory):
    return make_commitment(signatory=signatory, status=CommitmentStatus.approved)


def _report(client, commitment, headers, key, body=REPORT):
    return client.post(
        f"{API}/commitments/{commitment.id}/updates",
        json=body,
        headers={**headers, "Idempotency-Key": key},
    )


def _updates(db, commitment) -> list[ProgressUpdate]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(ProgressUpdate).where(ProgressUpdate.commitment_id == commitment.id)
    ).all()


def test_a_report_sent_again_with_its_key_is_stored_once_and_answered_as_the_first_time(
    db, client, member, commitment, token_for
):
    headers = token_for(member)
    first = _report(client, commitment, headers, "report-2026-05-a1")
    assert first.status_code == 201, first.get_data(as_text=True)
    assert "Idempotent-Replayed" not in first.headers
    again = _report(client, commitment, headers, "report-2026-05-a1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.get_json()["narrative"] and again.get_json()["percent_complete"] == 40
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [update.id for update in _updates(db, commitment)] == [first.get_json()["id"]]
    logged = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.action.like("progress.%"), Activity.actor_id == member.id)
    )
    assert logged == 1


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(
    db, client, member, commitment, token_for
):
    headers = token_for(member)
    assert _report(client, commitment, headers, "k-1").status_code == 201
    other = _report(client, commitment, headers, "k-1", {**REPORT, "percent_complete": 50})
    assert other.status_code == 422
    assert "already used" in other.get_json()["message"]
    assert "Idempotency-Key" in other.get_json()["errors"]["headers"]
    assert [update.percent_complete for update in _updates(db, commitment)] == [40]


def test_the_same_body_with_its_keys_in_another_order_is_the_same_request(
    db, client, member, commitment, token_for
):
    headers = token_for(member)
    assert _report(client, commitment, headers, "k-order").status_code == 201
    reordered = dict(reversed(list(REPORT.items())))
    again = _report(client, commitment, headers, "k-order", reordered)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert len(_updates(db, commitment)) == 1


def test_keys_belong_to_the_user_who_sent_them(
    db, client, member, signatory, commitment, token_for, make_user
):
    colleague = make_user(signatory=signatory)
    mine = _report(client, commitment, token_for(member), "shared-key")
    theirs = _report(client, commitment, token_for(colleague), "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    authors = sorted(update.author_id for update in _updates(db, commitment))
    assert authors == sorted([member.id, colleague.id])


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(
    db, client, member, commitment, token_for
):
    headers = token_for(member)
    refused = _report(client, commitment, headers, "k-fix", {**REPORT, "percent_complete": 400})
    assert refused.status_code == 422
    assert _updates(db, commitment) == []
    fixed = _report(client, commitment, headers, "k-fix", {**REPORT, "percent_complete": 40})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert len(_updates(db, commitment)) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "clé"])
def test_a_malformed_key_is_refused_with_a_clear_message(
    db, client, member, commitment, token_for, key
):
    response = client.post(
        f"{API}/commitments/{commitment.id}/updates",
        json=REPORT,
        headers={**token_for(member), "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == idempotency.BAD_KEY
    assert _updates(db, commitment) == []


def test_a_key_is_forgotten_after_24_hours_and_purged_by_the_worker(
    db, client, member, commitment, token_for
):
    headers = token_for(member)
    assert _report(client, commitment, headers, "k-old").status_code == 201
    row = db.session.scalars(sa.select(IdempotencyKey).where(IdempotencyKey.key == "k-old")).one()
    row.created_at = utcnow() - idempotency.LIFETIME - timedelta(minutes=1)
    commit()
    again = _report(client, commitment, headers, "k-old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert len(_updates(db, commitment)) == 2
    # The worker purges what is older than a day, and only that.
    assert idempotency.purge_expired(lambda: utcnow() + timedelta(hours=1)) == "purged 0"
    assert idempotency.purge_expired(lambda: utcnow() + timedelta(hours=25)) == "purged 1"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0


def test_a_request_without_a_key_is_not_deduplicated(db, client, member, commitment, token_for):
    headers = token_for(member)
    for _ in range(2):
        response = client.post(
            f"{API}/commitments/{commitment.id}/updates", json=REPORT, headers=headers
        )
        assert response.status_code == 201
    assert len(_updates(db, commitment)) == 2


def test_every_creating_operation_documents_the_key_and_no_other_does(client):
    document = client.get(f"{API}/openapi.json").get_json()
    creating, documented = set(), set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "201" in operation["responses"]:
                creating.add((method, path))
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "Idempotency-Key" in names:
                documented.add((method, path))
                assert "Idempotency-Key" in operation["responses"]["422"]["description"]
                assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
    assert ("post", f"{API}/commitments/{{commitment_id}}/updates") in creating
    assert len(creating) >= 14
    assert documented == creating


@pytest.fixture
def idempotency_app(own_app):
    """An app on a database of its own: concurrent requests need rows others can see."""
    return own_app("idem")


def _reporting_world(app) -> tuple[int, dict[str, str]]:
    """An approved commitment and its member's token; returns the commitment's id and headers."""
    with app.app_context():
        signatory = Signatory(
            name="Concurrent Co-op",
            slug="concurrent-co-op",
            organisation_type_code="cooperative",
            country_code="FR",
            status=SignatoryStatus.approved,
        )
        user = User(email="twice@example.org", name="Sends Twice")
        programme = Programme(code="CONC", name_en="Concurrency", name_fr="Concurrence")
        _db.session.add_all([signatory, user, programme])
        _db.session.flush()
        _db.session.add(Membership(user=user, signatory=signatory, is_admin=True))
        commitment = Commitment(
            signatory=signatory,
            programme=programme,
            title="Train 200 young people",
            description="A two-year training programme. " * 10,
            start_date=utcnow().date(),
            due_date=utcnow().date() + timedelta(days=900),
            cadence_months=6,
            status=CommitmentStatus.approved,
            approved_at=utcnow() - timedelta(days=1),
            published_at=utcnow() - timedelta(days=1),
            country_code="FR",
        )
        _db.session.add(commitment)
        _db.session.flush()
        _token, secret = issue_token(user)
        commit()
        commitment_id = commitment.id
        _db.session.remove()
    return commitment_id, {"Authorization": f"Bearer {secret}", "Idempotency-Key": "same-4"}


def test_concurrent_duplicates_create_once(idempotency_app):
    commitment_id, headers = _reporting_world(idempotency_app)
    senders = 4
    start = threading.Barrier(senders)
    answers, errors = [], []

    def send():
        try:
            client = idempotency_app.test_client()
            start.wait()
            response = client.post(
                f"{API}/commitments/{commitment_id}/updates", json=REPORT, headers=headers
            )
            answers.append((response.status_code, response.get_json(), response.headers))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [status for status, _body, _headers in answers] == [201] * senders
    assert len({body["id"] for _status, body, _headers in answers}) == 1
    replayed = [h for _s, _b, h in answers if h.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == senders - 1
    with idempotency_app.app_context():
        stored = _db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ProgressUpdate)
            .where(ProgressUpdate.commitment_id == commitment_id)
        )
        _db.session.remove()
    assert stored == 1
