"""``core.badges``: the status, reporting and SDG badges of every list.

They are written once per value and language and then reused: the same
value must still give each language its own label, and text is escaped.
"""

from flask_babel import force_locale

from pact_tracker.commitments.services.explorer import GoalChip
from pact_tracker.core.badges import reporting_light, sdg_chip, status_badge


def test_each_language_gets_its_own_label(app):
    with app.test_request_context():
        with force_locale("en"):
            english = (status_badge("approved"), reporting_light("overdue"))
        with force_locale("fr"):
            french = (status_badge("approved"), reporting_light("overdue"))
        with force_locale("en"):
            assert status_badge("approved") == english[0]

    assert english[0] == (
        '<span class="badge text-bg-light border" data-status="approved">Approved</span>'
    )
    assert ">Approuvé<" in french[0]
    assert 'class="badge text-bg-danger" data-reporting-state="overdue"' in english[1]
    assert english[1].endswith("</span> Overdue</span>")
    assert french[1].endswith("</span> En retard</span>")


def test_no_reporting_state_shows_nothing(app):
    with app.test_request_context():
        assert reporting_light(None) == ""


def test_a_chip_escapes_its_text_and_links_when_asked(app):
    goal = GoalChip(number=6, colour="#26BDE2", short_en="Water <b>", short_fr="Eau")
    with app.test_request_context(), force_locale("en"):
        linked = sdg_chip(goal, href="/sdg/6?a=1&b=2")
        plain = sdg_chip(goal)

    assert linked == (
        '<a class="badge sdg-chip sdg-6" href="/sdg/6?a=1&amp;b=2">6 · Water &lt;b&gt;</a>'
    )
    assert plain == '<span class="badge sdg-chip sdg-6">6 · Water &lt;b&gt;</span>'
