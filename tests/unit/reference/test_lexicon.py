from pact_tracker.reference.models import SdgGoal, SdgTarget, Subdivision
from pact_tracker.reference.services import load_reference_data


def test_reference_load_is_idempotent(db):
    first = load_reference_data()
    second = load_reference_data()
    assert first == second
    assert db.session.scalar(db.select(db.func.count()).select_from(SdgGoal)) == 17
    assert db.session.scalar(db.select(db.func.count()).select_from(SdgTarget)) == 169


def test_targets_keep_their_published_order(db):
    codes = [t.code for t in db.session.get(SdgGoal, 17).targets]
    assert codes[:3] == ["17.1", "17.2", "17.3"]
    assert db.session.get(SdgGoal, 1).targets[-1].code == "1.b"


def test_subdivisions_come_from_iso_3166_2(db):
    assert db.session.get(Subdivision, "FR-IDF").country_code == "FR"
