"""``core.templating``: the helpers that remember what they wrote.

Each reuses what it built for the same input; the output must still follow
everything it depends on: the site's root path, the language, the value chosen.
"""

from datetime import UTC, date, datetime

from flask import url_for
from flask_babel import force_locale
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from pact_tracker.core.templating import (
    remembered_date,
    remembered_datetime,
    remembered_url_for,
    select_options,
    utc_moment,
)


def test_a_remembered_url_follows_the_root_path_and_external_urls_are_built(app):
    with app.test_request_context("/"):
        assert remembered_url_for("commitments.commitment_page", commitment_id=7) == (
            "/commitments/7"
        )
        assert remembered_url_for("commitments.commitment_page", commitment_id=7) == url_for(
            "commitments.commitment_page", commitment_id=7
        )
        assert remembered_url_for("commitments.explorer", goal=3, page=2) in (
            "/commitments?goal=3&page=2",
            "/commitments?page=2&goal=3",
        )
        assert remembered_url_for("core.home", _external=True).startswith("http://")
    with app.test_request_context("/", base_url="http://localhost/pact/"):
        assert remembered_url_for("commitments.commitment_page", commitment_id=7) == (
            "/pact/commitments/7"
        )


def test_a_remembered_date_is_written_in_each_language(app):
    day = date(2026, 11, 24)
    with app.test_request_context():
        with force_locale("en"):
            english = remembered_date(day)
        with force_locale("fr"):
            french = remembered_date(day)
        with force_locale("en"):
            assert remembered_date(day) == english
    assert "Nov" in english and "nov." in french


def test_a_remembered_moment_is_written_in_each_language_and_format(app):
    moment = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("en"):
            english = remembered_datetime(moment)
            short = remembered_datetime(moment, "short")
        with force_locale("fr"):
            french = remembered_datetime(moment)
        with force_locale("en"):
            assert remembered_datetime(moment) == english
    assert "Nov" in english and "nov." in french and short != english


class _Filters(Form):
    country = SelectField(choices=[])


def test_options_are_reused_per_list_and_the_chosen_one_is_selected(app):
    countries = [SelectChoice("", "All"), SelectChoice("FR", "France"), SelectChoice("GA", "Gabon")]
    with app.test_request_context():
        chosen = _Filters(data={"country": "GA"})
        chosen.country.choices = countries
        none = _Filters(data={"country": "XX"})
        none.country.choices = countries
        renamed = _Filters(data={"country": "GA"})
        renamed.country.choices = [*countries[:2], SelectChoice("GA", "Gabon <b>")]

        assert select_options(chosen.country) == (
            '<option value="">All</option><option value="FR">France</option>'
            '<option selected value="GA">Gabon</option>'
        )
        assert "selected" not in select_options(none.country)
        # Another list (a new label) is written anew, escaped.
        assert '<option selected value="GA">Gabon &lt;b&gt;</option>' in select_options(
            renamed.country
        )


def test_a_utc_moment_is_a_time_element_and_a_missing_one_a_dash(app):
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

    written = app.jinja_env.from_string("{{ moment|utc }}|{{ none|utc }}").render(moment=moment)

    assert written == ('<time datetime="2026-03-04T05:06:07+00:00">2026-03-04 05:06 UTC</time>|—')
    assert utc_moment(None) == "—"
