import sqlalchemy as sa

from pact_tracker.coalition.models import Signatory, User
from pact_tracker.commitments.models import Commitment
from pact_tracker.programmes.models import Programme
from pact_tracker.reference.models import OrganisationType


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_small_loads_a_coalition(db, runner):
    result = runner.invoke(args=["pact", "demo", "--scale", "small", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "signatory: 60" in result.output
    assert "Loaded in" in result.output
    assert _count(db, Signatory) == 60
    assert 200 <= _count(db, Commitment) <= 400
    secretariat = db.session.scalar(
        sa.select(User).where(User.email == "secretariat@demo.pact-impact.org")
    )
    assert secretariat.password_hash.startswith("$argon2")


def test_if_empty_does_nothing_when_signatories_exist(db, runner, make_signatory):
    make_signatory(name="Existing Cooperative")
    result = runner.invoke(args=["pact", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has signatories" in result.output
    assert _count(db, Signatory) == 1
    assert _count(db, Programme) == 0


def test_demo_refuses_a_coalition_that_is_not_empty(db, runner, make_signatory):
    make_signatory(name="Existing Cooperative")
    result = runner.invoke(args=["pact", "demo"])
    assert result.exit_code == 1
    assert "only into an empty database" in result.output
    assert _count(db, Programme) == 0


def test_demo_refuses_without_reference_data(db, runner):
    db.session.execute(sa.delete(OrganisationType))
    result = runner.invoke(args=["pact", "demo", "--scale", "small"])
    assert result.exit_code == 1
    assert "flask pact init" in result.output
    assert _count(db, Signatory) == 0
