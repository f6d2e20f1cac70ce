"""Reporting progress in one form, the timeline, and corrections that keep the original."""

import re

import sqlalchemy as sa

from pact_tracker.commitments import services as commitments
from pact_tracker.commitments.models import ProgressUpdate


def text(response) -> str:
    return response.get_data(as_text=True)


def _count_updates(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate))


def test_the_form_shows_each_indicator_with_its_baseline_and_target(member_client, own, approved):
    indicator = approved.indicators[0]
    page = text(member_client.get(f"/my/{own.slug}/commitments/{approved.id}/progress"))
    assert (
        f'<label class="form-label" for="indicator_{indicator.id}">People trained (people)' in page
    )
    context = page.split(f'id="indicator_{indicator.id}-context"')[1].split("</div>")[0]
    assert "Baseline: <strong>0</strong>" in context and "Target: <strong>200</strong>" in context
    assert "First workshop open" in page
    assert "HTML is not allowed" in page
    assert 'name="reported_at"' in page and 'type="datetime-local"' in page


def test_reporting_progress_shows_in_the_timeline(db, member_client, own, approved):
    indicator = approved.indicators[0]
    milestone = approved.milestones[0]
    url = f"/my/{own.slug}/commitments/{approved.id}"
    response = member_client.post(
        f"{url}/progress",
        data={
            "status": "on_track",
            "percent_complete": "35",
            f"indicator_{indicator.id}": "70",
            "milestones_done": [str(milestone.id)],
            "narrative": "Seventy people trained in **three** towns.",
            "evidence-0-kind": "testimony",
            "evidence-0-dimension_code": "social_performance",
            "evidence-0-title": "Amina's story",
            "evidence-0-url": "https://example.org/amina",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == url
    page = text(member_client.get(url))
    assert "your progress report was recorded" in page
    assert 'data-entry-kind="progress_update"' in page
    assert "Seventy people trained in <strong>three</strong> towns." in page
    assert "<td data-current-value>70</td>" in page
    assert "35 %" in page and "Amina&#39;s story" in page
    assert "done on" in page
    update = approved.updates[-1]
    assert update.values[0].value == 70 and update.evidence[0].kind == "testimony"
    assert update.source == "web"


def test_html_in_a_narrative_is_rendered_inert(member_client, own, approved):
    url = f"/my/{own.slug}/commitments/{approved.id}"
    member_client.post(
        f"{url}/progress",
        data={
            "status": "delayed",
            "narrative": (
                '<script>alert("x")</script> <img src=x onerror=alert(1)> [a](javascript:alert(2))'
            ),
        },
    )
    page = text(member_client.get(url))
    narrative = page.split("data-narrative>")[1].split("</div>")[0]
    assert "<script" not in narrative and "<img" not in narrative
    assert "javascript:" not in narrative.replace("[a](javascript:alert(2))", "")
    assert "&lt;script&gt;" in narrative


def test_bad_input_is_shown_next_to_the_field_and_writes_nothing(db, member_client, own, approved):
    before = _count_updates(db)
    indicator = approved.indicators[0]
    response = member_client.post(
        f"/my/{own.slug}/commitments/{approved.id}/progress",
        data={
            "status": "on_track",
            "percent_complete": "150",
            f"indicator_{indicator.id}": "12",
            "evidence-1-title": "A photo without its kind",
            "evidence-1-url": "ftp://example.org/photo",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="percent_complete-errors"' in page
    assert _count_updates(db) == before
    # Form checks pass: the service's refusals land on the evidence row they concern.
    response = member_client.post(
        f"/my/{own.slug}/commitments/{approved.id}/progress",
        data={
            "status": "on_track",
            "evidence-1-title": "A photo without its kind",
            "evidence-1-url": "ftp://example.org/photo",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="evidence-1-kind-errors"' in page and 'id="evidence-1-url-errors"' in page
    assert "Must be an http or https address." in page
    assert _count_updates(db) == before


def test_a_report_cannot_speak_for_the_future(db, member_client, own, approved):
    before = _count_updates(db)
    response = member_client.post(
        f"/my/{own.slug}/commitments/{approved.id}/progress",
        data={"status": "on_track", "reported_at": "2999-01-01T10:00"},
    )
    assert response.status_code == 422
    assert 'id="reported_at-errors"' in text(response)
    assert _count_updates(db) == before


def test_only_an_approved_commitment_takes_progress(member_client, own, make_commitment):
    draft = make_commitment(signatory=own)
    assert member_client.get(f"/my/{own.slug}/commitments/{draft.id}/progress").status_code == 403


def test_correcting_keeps_the_original_and_shows_the_correction(
    db, member_client, own, owner, approved
):
    indicator = approved.indicators[0]
    original = commitments.report_progress(
        approved,
        {
            "status": "on_track",
            "narrative": "Seventy people trained.",
            "indicator_values": [{"indicator_id": indicator.id, "value": 70}],
        },
        owner,
    )
    url = f"/my/{own.slug}/updates/{original.id}/correct"
    page = text(member_client.get(url))
    assert "Seventy people trained." in page
    assert f'name="indicator_{indicator.id}" step="any" type="number" value="70"' in page
    assert 'name="reported_at"' not in page

    refused = member_client.post(url, data={"status": "on_track", "reason": ""})
    assert refused.status_code == 422 and 'id="reason-errors"' in text(refused)

    response = member_client.post(
        url,
        data={
            "status": "on_track",
            "narrative": "Seventeen people trained: a typo.",
            f"indicator_{indicator.id}": "17",
            "reason": "We typed 70 instead of 17.",
        },
    )
    assert response.status_code == 302
    page = text(member_client.get(response.headers["Location"]))
    assert "Your correction was recorded" in page
    assert "Seventy people trained." in page and "Seventeen people trained: a typo." in page
    assert 'data-entry-kind="correction"' in page and "We typed 70 instead of 17." in page
    assert "data-superseded" in page
    assert "<td data-current-value>17</td>" in page
    db.session.refresh(original)
    assert original.narrative == "Seventy people trained." and original.is_superseded

    # The original is no longer the one to correct: the member is sent to the newest link.
    again = member_client.get(url)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/updates/{original.superseded_by.id}/correct")
    assert "already been corrected" in text(member_client.get(again.headers["Location"]))
    assert member_client.post(url, data={"status": "on_track", "reason": "x"}).status_code == 302
    assert len(approved.updates) == 2


def test_reporting_works_in_french(member_client, own, approved):
    member_client.post("/language", data={"locale": "fr", "next": "/"})
    page = text(member_client.get(f"/my/{own.slug}/commitments/{approved.id}/progress"))
    assert "Envoyer le rapport" in page and "Valeur de référence" in page
    response = member_client.post(
        f"/my/{own.slug}/commitments/{approved.id}/progress",
        data={"status": "on_track", "narrative": "Tout va bien."},
    )
    page = text(member_client.get(response.headers["Location"]))
    assert "votre rapport" in page and "Historique" in page and "Tout va bien." in page


def test_the_services_refusals_are_shown_in_french_too(member_client, own, approved):
    member_client.post("/language", data={"locale": "fr", "next": "/"})
    response = member_client.post(
        f"/my/{own.slug}/commitments/{approved.id}/progress",
        data={
            "status": "on_track",
            "evidence-0-kind": "photo",
            "evidence-0-title": "Une photo",
            "evidence-0-url": "ftp://example.org/photo",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Doit être une adresse http ou https." in page
    assert "Rien n'a été enregistré" in page


def test_the_form_starts_from_the_last_reported_status(member_client, own, owner, approved):
    commitments.report_progress(approved, {"status": "delayed"}, owner)
    page = text(member_client.get(f"/my/{own.slug}/commitments/{approved.id}/progress"))
    assert '<option selected value="delayed">' in page


def test_every_live_report_of_a_long_history_has_its_values_and_a_correction_link_in_french(
    member_client, own, owner, approved
):
    indicator = approved.indicators[0]
    reports = [
        commitments.report_progress(
            approved,
            {
                "status": "on_track",
                "narrative": f"Report number {n}.",
                "indicator_values": [{"indicator_id": indicator.id, "value": 10 * n}],
            },
            owner,
        )
        for n in range(1, 4)
    ]
    commitments.correct_update(
        reports[0],
        {"status": "on_track", "narrative": "Report number 1, corrected."},
        owner,
        reason="A typo.",
    )
    member_client.post("/language", data={"locale": "fr", "next": "/"})
    page = text(member_client.get(f"/my/{own.slug}/commitments/{approved.id}"))
    corrections = {
        int(update_id) for update_id in re.findall(rf"/my/{own.slug}/updates/(\d+)/correct", page)
    }
    assert corrections == {reports[1].id, reports[2].id, reports[0].superseded_by.id}
    assert page.count("Corriger ce rapport") == 3
    for value in (10, 20, 30):
        # French puts a narrow no-break space before the colon.
        assert f"{indicator.name}\u202f: <span data-value>{value}</span> {indicator.unit}" in page


def test_the_form_starts_from_a_correction_not_from_the_report_it_replaced(
    member_client, own, owner, approved
):
    indicator = approved.indicators[0]

    def values(value):
        return [{"indicator_id": indicator.id, "value": value}]

    commitments.report_progress(
        approved, {"status": "on_track", "indicator_values": values(10)}, owner
    )
    latest = commitments.report_progress(
        approved, {"status": "delayed", "indicator_values": values(70)}, owner
    )
    # The correction withdraws the value 70: the last value still standing is the first one.
    commitments.correct_update(
        latest, {"status": "blocked", "indicator_values": []}, owner, reason="Not measured yet."
    )
    page = text(member_client.get(f"/my/{own.slug}/commitments/{approved.id}/progress"))
    assert '<option selected value="blocked">' in page
    assert '<option selected value="delayed">' not in page
    assert "Last reported: 10" in page
