from pact_tracker.reference.models import SdgGoal, SdgIndicator, SdgTarget, Subdivision
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


def test_no_indicator_lacks_its_french_text(db):
    indicators = db.session.scalars(db.select(SdgIndicator)).all()
    assert len(indicators) == 248
    untranslated = [i.code for i in indicators if not i.text_fr.strip() or i.text_fr == i.text_en]
    assert untranslated == []
    assert db.session.get(SdgIndicator, "11.5.3").text_fr.startswith(
        "a) Dommages causés aux infrastructures critiques"
    )


def test_init_brings_french_texts_up_to_date_on_an_initialised_database(db, runner):
    # What an earlier load left: the English text standing in for the missing French.
    stale = db.session.get(SdgIndicator, "17.3.1")
    stale.text_fr = stale.text_en
    db.session.commit()

    result = runner.invoke(args=["pact", "init"])
    assert result.exit_code == 0, result.output
    assert "sdg indicators: 248" in result.output
    db.session.expire_all()
    assert db.session.get(SdgIndicator, "17.3.1").text_fr == (
        "Ressources financières supplémentaires mobilisées en faveur des pays en développement "
        "à partir de sources multiples"
    )
    again = runner.invoke(args=["pact", "init"])
    assert again.exit_code == 0 and again.output == result.output
