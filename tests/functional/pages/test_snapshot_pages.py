"""Snapshot pages: figures equal to the aggregates, charts, the comparison with the previous
event and with any snapshot, filtered entries, drafts hidden from the public, and the
organisers' buttons (take by hand, re-take, publish with its SHA-256, delete)."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from pact_tracker.coalition.models import Role, SignatoryStatus
from pact_tracker.commitments.models import (
    CommitmentStatus,
    ProgressStatus,
    ProgressUpdate,
    StatusChange,
    Visibility,
)
from pact_tracker.events.models import Snapshot, SnapshotAggregate, SnapshotStatus
from pact_tracker.events.services import events as event_services
from pact_tracker.events.services import snapshots as snapshot_services
from pact_tracker.reference.models import SdgGoal, SdgTarget

APPROVED = datetime(2024, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def section(html: str, marker: str) -> str:
    """The HTML of the ``<section>`` whose opening tag carries ``marker``."""
    assert marker in html, f"{marker!r} not in the page"
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def breakdown_rows(html: str, breakdown: str) -> dict[str, tuple[int, int, int]]:
    """``{key: (commitments, reported, achieved)}`` of a breakdown's figures table."""
    part = html.split(f'data-breakdown="{breakdown}"', 1)[1].split("</figure>", 1)[0]
    return {
        key: (int(c), int(r), int(a))
        for key, c, r, a in re.findall(
            r'data-key="([^"]+)" data-commitments="(\d+)" data-reported="(\d+)" '
            r'data-achieved="(\d+)"',
            part,
        )
    }


def entry_ids(html: str) -> set[int]:
    table = html.split('data-list="entries"', 1)[1].split("</table>", 1)[0]
    return {int(i) for i in re.findall(r'data-commitment-id="(\d+)"', table)}


@dataclass
class Series:
    first: Snapshot
    second: Snapshot
    draft: Snapshot
    commitments: dict


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.organiser, name="Orla Organiser")


@pytest.fixture
def as_organiser(sign_in, organiser):
    return sign_in(organiser)


@pytest.fixture
def series(db, make_signatory, make_programme, make_commitment, secretariat) -> Series:
    """Two yearly events with published snapshots, and a draft taken by hand.

    Between the two cutoffs: one commitment progressed, one was achieved, one
    was approved (new); one signatory went quiet. One commitment is not public.
    """
    summit = event_services.create_series(
        {
            "name": "Yearly Summit",
            "rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10",
            "timezone": "Europe/Paris",
            "first_starts_at": datetime(2024, 6, 10, 9, 0, tzinfo=UTC),
        },
        secretariat,
    )
    first_event, second_event = event_services.schedule_occurrences(summit, count=2, actor=None)
    c1, c2 = first_event.cutoff_at, second_event.cutoff_at
    coop = make_signatory(name="Lyon Coop", country_code="FR")
    assoc = make_signatory(
        name="Dakar Association", country_code="SN", organisation_type_code="association"
    )
    education, finance = make_programme(), make_programme()

    def approved(title, signatory, programme, *, at=APPROVED, status=None, public=True):
        commitment = make_commitment(
            title=title,
            signatory=signatory,
            programme=programme,
            status=status or CommitmentStatus.approved,
            created_at=at - 30 * DAY,
            approved_at=at,
            published_at=at if public else None,
            visibility=Visibility.public,
            start_date=date(2024, 1, 1),
            cadence_months=6,
        )
        db.session.add(
            StatusChange(
                commitment=commitment,
                from_status=CommitmentStatus.submitted,
                to_status=CommitmentStatus.approved,
                changed_at=at,
            )
        )
        return commitment

    def report(commitment, at, percent):
        db.session.add(
            ProgressUpdate(
                commitment=commitment,
                reported_at=at,
                recorded_at=at,
                status=ProgressStatus.on_track,
                percent_complete=percent,
            )
        )

    growing = approved("Train 200 young people", coop, education)
    growing.targets.append(db.session.get(SdgTarget, "8.5"))
    report(growing, c1 - 20 * DAY, 30)
    report(growing, c2 - 20 * DAY, 60)
    quiet = approved("Microcredit for women", assoc, finance)
    report(quiet, c1 - 10 * DAY, 50)
    done = approved("Open a shared workshop", coop, education, status=CommitmentStatus.achieved)
    report(done, c1 - 5 * DAY, 80)
    db.session.add(
        StatusChange(
            commitment=done,
            from_status=CommitmentStatus.approved,
            to_status=CommitmentStatus.achieved,
            changed_at=c1 + 30 * DAY,
        )
    )
    newcomer = approved("Solar roofs for the cooperative", coop, finance, at=c1 + 10 * DAY)
    hidden = approved("Hidden commitment", coop, education, public=False)
    db.session.flush()
    first = snapshot_services.take_snapshot(c1, title="Summit 2024", event=first_event)
    snapshot_services.publish_snapshot(first, secretariat)
    second = snapshot_services.take_snapshot(c2, title="Summit 2025", event=second_event)
    snapshot_services.publish_snapshot(second, secretariat)
    draft = snapshot_services.take_snapshot(c2 + DAY, title="Draft by hand")
    db.session.flush()
    return Series(
        first,
        second,
        draft,
        {
            "growing": growing,
            "quiet": quiet,
            "done": done,
            "newcomer": newcomer,
            "hidden": hidden,
            "coop": coop,
            "assoc": assoc,
            "education": education,
        },
    )


def aggregates_of(db, snapshot, *, public: bool) -> dict[tuple[str, str], SnapshotAggregate]:
    rows = db.session.scalars(
        sa.select(SnapshotAggregate).where(
            SnapshotAggregate.snapshot_id == snapshot.id, SnapshotAggregate.public.is_(public)
        )
    )
    return {(str(a.breakdown), a.key): a for a in rows}


def test_the_public_page_shows_figures_equal_to_the_aggregates(client, db, series):
    html = text_of(client.get(f"/snapshots/{series.second.id}"))
    figures = aggregates_of(db, series.second, public=True)
    overall = figures[("overall", "all")]
    # The hidden commitment is neither shown nor counted.
    assert overall.commitments == 4
    assert figure(html, "commitments") == str(overall.commitments)
    assert figure(html, "reported") == str(overall.reported)
    assert figure(html, "achieved") == str(overall.achieved) == "1"
    assert figure(html, "average") == f"{overall.average_percent:.1f} %"
    for breakdown in ("programme", "goal", "organisation_type", "country", "status"):
        expected = {
            key: (a.commitments, a.reported, a.achieved)
            for (b, key), a in figures.items()
            if b == breakdown
        }
        assert breakdown_rows(html, breakdown) == expected, breakdown
    # Labels in the page language; the reporting states counted in the headline.
    goal_8 = db.session.get(SdgGoal, 8)
    assert f"8. {goal_8.short_en}" in html
    assert 'data-reporting-key="none" data-count="1"' in html
    assert "Closed: no longer reporting" in html
    for name in ("programme", "goal", "organisation_type", "country", "dimension", "status"):
        assert f'data-chart="{name}"' in html


def test_the_goal_chart_is_an_svg_in_the_sdg_colours(client, db, series):
    response = client.get(f"/snapshots/{series.second.id}/charts/goal.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = text_of(response)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<script" not in svg
    for number in (4, 8):
        assert db.session.get(SdgGoal, number).colour.lower() in svg.lower()
    assert db.session.get(SdgGoal, 8).short_en in svg
    # Deterministic: the same chart twice is the same file.
    assert text_of(client.get(f"/snapshots/{series.second.id}/charts/goal.svg")) == svg
    assert client.get(f"/snapshots/{series.second.id}/charts/nothing.svg").status_code == 404


def test_the_page_and_charts_speak_french(client, db, series):
    client.post("/language", data={"locale": "fr", "next": "/"})
    html = text_of(client.get(f"/snapshots/{series.second.id}"))
    goal_8 = db.session.get(SdgGoal, 8)
    assert f"8. {goal_8.short_fr}" in html
    assert "Sénégal" in html
    svg = text_of(client.get(f"/snapshots/{series.second.id}/charts/goal.svg"))
    assert goal_8.short_fr.replace("'", "&#x27;")[:12] in svg or goal_8.short_fr[:12] in svg


def test_a_draft_is_not_found_by_the_public_nor_by_members(client, sign_in, make_user, series):
    member = make_user(signatory=series.commitments["coop"])
    for visitor in (client, sign_in(member)):
        for path in (
            f"/snapshots/{series.draft.id}",
            f"/snapshots/{series.draft.id}/charts/status.svg",
            f"/snapshots/{series.draft.id}/export.csv",
            f"/snapshots/{series.draft.id}/datapackage.json",
        ):
            assert visitor.get(path).status_code == 404, path
        listing = text_of(visitor.get("/snapshots"))
        assert "Summit 2025" in listing and "Draft by hand" not in listing


def test_organisers_see_drafts_in_the_list_and_on_their_page(as_organiser, series):
    listing = text_of(as_organiser.get("/snapshots"))
    assert "Draft by hand" in listing and 'data-snapshot-status="draft"' in listing
    html = text_of(as_organiser.get(f"/snapshots/{series.draft.id}"))
    assert "data-snapshot-actions" in html and 'data-action="publish"' in html


def test_the_public_sees_only_the_entries_public_at_the_cutoff(client, as_organiser, series):
    hidden = series.commitments["hidden"]
    public_html = text_of(client.get(f"/snapshots/{series.second.id}"))
    assert hidden.id not in entry_ids(public_html)
    assert "Hidden commitment" not in public_html
    assert len(entry_ids(public_html)) == 4
    organiser_html = text_of(as_organiser.get(f"/snapshots/{series.second.id}"))
    assert hidden.id in entry_ids(organiser_html) and len(entry_ids(organiser_html)) == 5


def test_the_comparison_with_the_previous_event_names_what_changed(client, db, series):
    html = text_of(client.get(f"/snapshots/{series.second.id}"))
    part = section(html, "data-comparison")
    assert f'data-compared="{series.first.id}-{series.second.id}"' in part
    assert re.search(r'data-change="new">1<', part)
    assert re.search(r'data-change="completed">1<', part)
    assert re.search(r'data-change="withdrawn">0<', part)
    # Overall average: (30 + 50 + 80) / 3 before; (60 + 50 + 80) / 3 after: +10 points.
    assert re.search(r'data-change="gained">\+10\.0<', part)
    assert "Solar roofs for the cooperative" in part and "Open a shared workshop" in part
    reported = part.split('data-signatories="reported"', 1)[1].split("</div>", 1)[0]
    quiet = part.split('data-signatories="gone_quiet"', 1)[1].split("</div>", 1)[0]
    assert "Lyon Coop" in reported and "Dakar Association" not in reported
    assert "Dakar Association" in quiet
    assert 'data-gained-breakdown="programme"' in part


def test_any_other_snapshot_can_be_chosen_to_compare_with(client, as_organiser, series):
    html = text_of(client.get(f"/snapshots/{series.first.id}"))
    assert "data-no-comparison" in html
    assert f'<option value="{series.second.id}"' in html
    assert f'<option value="{series.draft.id}"' not in html
    chosen = text_of(client.get(f"/snapshots/{series.first.id}?compare={series.second.id}"))
    assert f'data-compared="{series.first.id}-{series.second.id}"' in chosen
    # The public cannot compare with a draft: it is as if it did not exist.
    refused = text_of(client.get(f"/snapshots/{series.first.id}?compare={series.draft.id}"))
    assert "There is no other snapshot with that number" in refused
    assert "data-compared=" not in refused
    organiser = text_of(as_organiser.get(f"/snapshots/{series.first.id}?compare={series.draft.id}"))
    assert f'data-compared="{series.first.id}-{series.draft.id}"' in organiser


def test_the_entries_can_be_filtered(client, series):
    c = series.commitments
    base = f"/snapshots/{series.second.id}"
    assert entry_ids(text_of(client.get(f"{base}?country=SN"))) == {c["quiet"].id}
    assert entry_ids(text_of(client.get(f"{base}?goal=8"))) == {c["growing"].id}
    assert entry_ids(text_of(client.get(f"{base}?status=achieved"))) == {c["done"].id}
    assert entry_ids(text_of(client.get(f"{base}?organisation_type=association"))) == {
        c["quiet"].id
    }
    by_programme = text_of(client.get(f"{base}?programme={c['education'].id}"))
    assert entry_ids(by_programme) == {c["growing"].id, c["done"].id}
    assert 'data-result-count="2"' in by_programme
    closed = text_of(client.get(f"{base}?reporting_state=none"))
    assert entry_ids(closed) == {c["done"].id}
    # A value that is not a group of this snapshot is shown as an error and ignored.
    ignored = text_of(client.get(f"{base}?country=ZZ"))
    assert len(entry_ids(ignored)) == 4 and 'id="country-errors"' in ignored


def test_an_organiser_takes_retakes_publishes_and_deletes(as_organiser, db, series):
    page = as_organiser.get("/snapshots/new")
    assert page.status_code == 200 and "data-take-snapshot" in text_of(page)
    refused = as_organiser.post("/snapshots/new", data={"title": "", "cutoff_at": ""})
    assert refused.status_code == 422
    future = as_organiser.post(
        "/snapshots/new", data={"title": "Too soon", "cutoff_at": "2999-01-01T00:00"}
    )
    assert future.status_code == 422 and "cannot be in the future" in text_of(future)
    taken = as_organiser.post(
        "/snapshots/new", data={"title": "Mid-year check", "cutoff_at": "2025-01-01T12:00"}
    )
    assert taken.status_code == 302
    snapshot = db.session.scalar(sa.select(Snapshot).where(Snapshot.title == "Mid-year check"))
    assert snapshot.status == SnapshotStatus.draft
    assert snapshot.cutoff_at == datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert taken.headers["Location"].endswith(f"/snapshots/{snapshot.id}")

    retaken = as_organiser.post(f"/snapshots/{snapshot.id}/retake")
    assert retaken.status_code == 302
    again = db.session.scalar(sa.select(Snapshot).where(Snapshot.title == "Mid-year check"))
    assert again.entry_count == snapshot.entry_count
    assert retaken.headers["Location"].endswith(f"/snapshots/{again.id}")

    unconfirmed = as_organiser.post(f"/snapshots/{again.id}/publish", data={})
    assert unconfirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Snapshot, again.id).status == SnapshotStatus.draft
    published = as_organiser.post(
        f"/snapshots/{again.id}/publish", data={"confirm": "y"}, follow_redirects=True
    )
    db.session.expire_all()
    done = db.session.get(Snapshot, again.id)
    assert done.status == SnapshotStatus.published and snapshot_services.verify(done)
    html = text_of(published)
    assert done.content_sha256 in html.split("data-sha256>", 1)[1]
    assert f"Its SHA-256: {done.content_sha256}" in html

    # Published: never re-taken nor deleted.
    for action in ("retake", "delete"):
        response = as_organiser.post(
            f"/snapshots/{done.id}/{action}", data={"confirm": "y"}, follow_redirects=True
        )
        assert "published" in text_of(response).lower()
    db.session.expire_all()
    assert snapshot_services.verify(db.session.get(Snapshot, done.id))

    deleted = as_organiser.post(f"/snapshots/{series.draft.id}/delete", data={"confirm": "y"})
    assert deleted.status_code == 302 and deleted.headers["Location"].endswith("/snapshots")
    db.session.expire_all()
    assert db.session.get(Snapshot, series.draft.id) is None


def test_the_buttons_need_the_csrf_token(app, as_organiser, db, series):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = as_organiser.post(f"/snapshots/{series.draft.id}/publish", data={"confirm": "y"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Snapshot, series.draft.id).status == SnapshotStatus.draft


def test_the_entries_are_paginated_and_a_chart_keeps_to_the_largest_groups(
    client, db, make_commitment, make_signatory, secretariat
):
    cutoff = datetime(2026, 6, 1, tzinfo=UTC)
    countries = [
        "FR",
        "SN",
        "DE",
        "BE",
        "IT",
        "ES",
        "PT",
        "MA",
        "TN",
        "CA",
        "BR",
        "AR",
        "CL",
        "MX",
        "JP",
        "KR",
        "IN",
        "KE",
        "GH",
        "NG",
        "ZA",
        "CH",
        "LU",
        "NL",
        "SE",
        "NO",
    ]
    for n, country in enumerate(countries + ["FR"]):
        make_commitment(
            title=f"Commitment {n:02d}",
            signatory=make_signatory(country_code=country),
            status=CommitmentStatus.approved,
            created_at=APPROVED - 30 * DAY,
            approved_at=APPROVED,
            published_at=APPROVED,
        )
    snapshot = snapshot_services.take_snapshot(cutoff, title="Many")
    snapshot_services.publish_snapshot(snapshot, secretariat)
    first = text_of(client.get(f"/snapshots/{snapshot.id}"))
    second = text_of(client.get(f"/snapshots/{snapshot.id}?page=2"))
    assert len(entry_ids(first)) == 25 and len(entry_ids(second)) == 2
    assert entry_ids(first).isdisjoint(entry_ids(second))
    assert "Page 1 of 2" in first
    # The pages keep the filters.
    filtered = text_of(client.get(f"/snapshots/{snapshot.id}?status=approved"))
    assert "status=approved" in filtered.split('rel="next"', 1)[0].rsplit("href=", 1)[1]
    # 26 countries: every one in the table, the 20 largest (France first) in the chart.
    assert len(breakdown_rows(first, "country")) == 26
    svg = text_of(client.get(f"/snapshots/{snapshot.id}/charts/country.svg"))
    assert "the 20 groups with the most commitments" in svg
    assert "France" in svg and "no progress reported · 2" in svg


def _published_artefacts(visitor, snapshot) -> dict[str, bytes]:
    """Everything a visitor can fetch of a published snapshot, in English and in French."""
    paths = [f"/snapshots/{snapshot.id}", f"/snapshots/{snapshot.id}/datapackage.json"]
    paths += [f"/snapshots/{snapshot.id}/export.{extension}" for extension in ("csv", "json")]
    paths += [f"/snapshots/{snapshot.id}/export.{extension}" for extension in ("xlsx", "pdf")]
    paths += [
        f"/snapshots/{snapshot.id}/charts/{name}.svg"
        for name in ("programme", "goal", "organisation_type", "country", "dimension", "status")
    ]
    fetched = {}
    visitor.get("/")  # Shows (and so clears) any message left by signing in.
    for locale in ("en", "fr"):
        visitor.post("/language", data={"locale": locale, "next": "/"})
        for path in paths:
            response = visitor.get(path)
            assert response.status_code == 200, path
            # The sign-out form's CSRF token is the session's, not the snapshot's.
            fetched[f"{locale} {path}"] = re.sub(
                rb'name="csrf_token"[^>]*value="[^"]*"', b"csrf", response.data
            )
    return fetched


def test_renaming_after_publication_changes_no_byte_of_a_published_snapshot(
    client, as_organiser, db, series
):
    coop, education = series.commitments["coop"], series.commitments["education"]
    before = {
        "public": _published_artefacts(client, series.second),
        "organiser": _published_artefacts(as_organiser, series.second),
    }
    assert b"Lyon Coop" in before["public"][f"en /snapshots/{series.second.id}/export.csv"]
    assert education.name_en.encode() in before["public"][f"en /snapshots/{series.second.id}"]

    coop.name, coop.slug, coop.country_code = "Renamed Coop", "renamed-coop", "BE"
    education.name_en, education.name_fr = "Renamed programme", "Programme renommé"
    education.code = "RENAMED"
    db.session.commit()

    after = {
        "public": _published_artefacts(client, series.second),
        "organiser": _published_artefacts(as_organiser, series.second),
    }
    for who, files in before.items():
        for name, content in files.items():
            assert after[who][name] == content, f"{who}: {name} changed"
    assert snapshot_services.verify(series.second)


def _bar_notes(visitor, snapshot, breakdown: str) -> list[str]:
    """The figures written at the end of a chart's bars, top first."""
    svg = text_of(visitor.get(f"/snapshots/{snapshot.id}/charts/{breakdown}.svg"))
    return re.findall(r"font-size: 8px[^>]*>([^<]*)</text>", svg)


def _csv_rows(visitor, snapshot) -> list[dict[str, str]]:
    response = visitor.get(f"/snapshots/{snapshot.id}/export.csv")
    return list(csv.DictReader(io.StringIO(text_of(response))))


def test_an_anonymous_visitor_is_told_only_what_the_public_part_adds_up_to(
    client, as_organiser, db, make_commitment, series, secretariat
):
    """Headline, breakdowns, comparison, export and hash: all of the public part only."""
    c1, c2 = series.first.cutoff_at, series.second.cutoff_at
    # Approved between the two cutoffs, and never public.
    make_commitment(
        title="Hidden newcomer",
        signatory=series.commitments["coop"],
        status=CommitmentStatus.approved,
        created_at=c1,
        approved_at=c1 + DAY,
        published_at=None,
        start_date=date(2024, 1, 1),
    )
    before = snapshot_services.take_snapshot(c1, title="Before")
    after = snapshot_services.take_snapshot(c2, title="After")
    for taken in (before, after):
        snapshot_services.publish_snapshot(taken, secretariat)
    db.session.commit()

    html = text_of(client.get(f"/snapshots/{after.id}?compare={before.id}"))
    rows = _csv_rows(client, after)
    assert figure(html, "commitments") == str(len(rows)) == "4"
    assert figure(html, "reported") == str(sum(1 for row in rows if row["update_id"]))
    assert sum(c for c, _r, _a in breakdown_rows(html, "status").values()) == len(rows)
    assert 'data-result-count="4"' in html
    part = section(html, "data-comparison")
    # The only public newcomer is the solar roofs, and the count says so.
    assert re.search(r'data-change="new">1<', part)
    assert "Solar roofs for the cooperative" in part and "Hidden newcomer" not in html
    shown_hash = re.search(r"data-sha256>([0-9a-f]{64})<", html).group(1)
    assert shown_hash == after.public_sha256 != after.content_sha256
    assert shown_hash == snapshot_services.content_digest(after, public=True)
    assert _bar_notes(client, after, "status") == ["3", "1"]  # approved, achieved

    # Organisers keep the full view.
    full = text_of(as_organiser.get(f"/snapshots/{after.id}?compare={before.id}"))
    assert figure(full, "commitments") == str(len(_csv_rows(as_organiser, after))) == "6"
    assert re.search(r'data-change="new">2<', section(full, "data-comparison"))
    assert f"data-sha256>{after.content_sha256}<" in full
    assert _bar_notes(as_organiser, after, "status") == ["5", "1"]


def test_a_signatory_not_approved_when_it_is_taken_is_not_in_the_public_part(
    client, as_organiser, db, make_signatory, make_commitment, secretariat
):
    suspended = make_signatory(name="Suspended Coop", status=SignatoryStatus.suspended)
    for signatory in (suspended, make_signatory(name="Approved Coop")):
        make_commitment(
            title=f"Plan of {signatory.name}",
            signatory=signatory,
            status=CommitmentStatus.approved,
            created_at=APPROVED - DAY,
            approved_at=APPROVED,
            published_at=APPROVED,
            start_date=date(2024, 1, 1),
        )
    snapshot = snapshot_services.take_snapshot(APPROVED + DAY, title="One rule")
    snapshot_services.publish_snapshot(snapshot, secretariat)
    db.session.commit()

    rows = _csv_rows(client, snapshot)
    assert [row["signatory_name"] for row in rows] == ["Approved Coop"]
    html = text_of(client.get(f"/snapshots/{snapshot.id}"))
    assert figure(html, "commitments") == "1" and "Suspended Coop" not in html
    listing = client.get(f"/api/v1/snapshots/{snapshot.id}/entries").json
    assert [entry["signatory_name"] for entry in listing] == ["Approved Coop"]
    assert len(_csv_rows(as_organiser, snapshot)) == 2


class _Sent:
    """``with _Sent(db) as sent: ...``: the SQL statements sent meanwhile, in ``sent``."""

    def __init__(self, db):
        self.engine, self.sent = db.engine, []

    def _record(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.sent.append(" ".join(statement.split()))

    def __enter__(self) -> list[str]:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self.sent

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def _page(response) -> str:
    """The page's HTML but for its forms' CSRF tokens, which are timed (one per second)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', text_of(response))


def _reading(sent: list[str], *tables: str) -> list[str]:
    return [s for s in sent if any(f" {table}" in s for table in tables)]


def test_a_second_view_of_a_published_snapshot_computes_no_figures(client, db, series):
    url = f"/snapshots/{series.second.id}"
    first = _page(client.get(url))
    with _Sent(db) as sent:
        second = _page(client.get(url))
    assert second == first
    assert figure(second, "commitments") == "4"
    # Its figures and labels are read from where the first view kept them, in one statement.
    assert _reading(sent, "snapshot_aggregate", "snapshot_label") == []
    assert len(_reading(sent, "computed_figure")) == 1


def test_a_published_snapshots_page_kept_by_a_process_is_the_same_page_in_each_variant(
    client, as_organiser, db, series, shared_cache
):
    url = f"/snapshots/{series.second.id}"
    public = _page(client.get(url))
    with _Sent(db) as sent:
        assert _page(client.get(url)) == public
    # Neither its figures nor the comparison's summary are read again within the minute.
    assert _reading(sent, "snapshot_aggregate", "snapshot_label", "computed_figure") == []
    assert _reading(sent, "snapshot_artefact") == []
    # Those who manage snapshots see the full variant, the hidden commitment counted,
    # whatever the public's page kept.
    full = text_of(as_organiser.get(url))
    assert figure(public, "commitments") == "4" and figure(full, "commitments") == "5"
    assert series.second.content_sha256 in full and series.second.content_sha256 not in public
    # Each language its own.
    client.post("/language", data={"locale": "fr", "next": "/"})
    french = text_of(client.get(url))
    assert "Sénégal" in french and "Sénégal" not in public


def test_a_drafts_page_is_read_afresh_on_each_view(as_organiser, db, series, shared_cache):
    url = f"/snapshots/{series.draft.id}"
    first = text_of(as_organiser.get(url))
    with _Sent(db) as sent:
        again = text_of(as_organiser.get(url))
    assert figure(again, "commitments") == figure(first, "commitments") == "5"
    assert _reading(sent, "snapshot_aggregate") and _reading(sent, "snapshot_label")
    assert _reading(sent, "computed_figure") == []
