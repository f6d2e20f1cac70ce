"""What a snapshot's page, charts and files are drawn from, and each file as kept bytes.

Every file of a snapshot (each chart, the PDF report, the CSV, JSON and XLSX
exports, the Data Package, the comparison with another snapshot) is named by a
*kind* and obtained through :func:`artefact`: rendered once and kept for a
published snapshot, on demand for a draft (``services.artefacts``).
"""

import base64
import json
from collections.abc import Callable

from flask import current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from pact_tracker.events import charts
from pact_tracker.events import exports as snapshot_exports
from pact_tracker.events.models import Snapshot, SnapshotStatus
from pact_tracker.events.services import artefacts, public_part
from pact_tracker.events.services import comparison as comparison_service
from pact_tracker.events.services import snapshots as snapshot_service

#: The breakdowns shown as charts, in the page's order, and their headings.
BREAKDOWNS = {
    "programme": _l("By programme"),
    "goal": _l("By SDG goal"),
    "organisation_type": _l("By type of organisation"),
    "country": _l("By country"),
    "dimension": _l("By impact dimension"),
    "status": _l("By status"),
    "reporting_state": _l("By reporting state"),
}
#: Breakdowns charted by number of commitments; the others by average progress.
COUNTED = ("status", "reporting_state")
SVG = "image/svg+xml"
JSON = "application/json"
#: A chart's kind: ``chart-<breakdown>``.
CHART_PREFIX = "chart-"
#: The large text files, also kept gzip-compressed (the XLSX and the PDF are compressed
#: already; a chart is a few kB).
COMPRESSIBLE = ("csv", "json", "datapackage")


def breakdown_rows(snapshot: Snapshot, figures: dict, breakdown: str) -> list[tuple]:
    """``[(Group, SnapshotAggregate)]`` of a breakdown, labelled and in order."""
    groups = snapshot_exports.groups(snapshot, breakdown, figures[breakdown].keys())
    return [(group, figures[breakdown][group.key]) for group in groups]


def _chart_svg(snapshot: Snapshot, breakdown: str, figures: dict) -> str:
    rows = breakdown_rows(snapshot, figures, breakdown)
    return charts.breakdown_chart(rows, counted=breakdown in COUNTED)


def previous_shown(snapshot: Snapshot, *, public: bool) -> Snapshot | None:
    """The series' previous snapshot, if the variant's readers see it (the public: if published)."""
    other = snapshot_service.previous_snapshot(snapshot)
    if other is None or (public and other.status != SnapshotStatus.published):
        return None
    return other


def _language() -> str:
    return str(get_locale())


def comparison(snapshot: Snapshot, other: Snapshot | None, *, public: bool):
    """The comparison of the two snapshots' variants, summed up (``comparison.Summary``).

    Kept with ``snapshot`` once both are published (neither can change then).
    """
    if other is None:
        return None
    before, after = sorted((other, snapshot), key=lambda s: (s.cutoff_at, s.id))
    served = artefacts.obtain(
        snapshot,
        artefacts.Wanted(f"comparison:{other.id}", public, content_type=JSON),
        lambda: json.dumps(
            comparison_service.summarise(before, after, public=public), ensure_ascii=False
        ).encode(),
        frozen=other.status == SnapshotStatus.published,
    )
    return comparison_service.read_summary(json.loads(served.read()), before, after)


def _pdf(snapshot: Snapshot, other: Snapshot | None, public: bool) -> bytes:
    from weasyprint import HTML  # imported when needed: it loads Pango

    figures = snapshot_exports.aggregates(snapshot, public=public)
    svgs = {name: _chart_svg(snapshot, name, figures) for name in BREAKDOWNS}
    html = render_template(
        "events/snapshots/report.html",
        snapshot=snapshot,
        sha256=public_part.shown_sha256(snapshot, public=public),
        overall=figures["overall"].get("all"),
        headings=BREAKDOWNS,
        charts={
            name: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            for name, svg in svgs.items()
        },
        comparison=comparison(snapshot, other, public=public),
    )
    # WeasyPrint writes no creation date nor random id unless the HTML names them:
    # the same snapshot gives the same bytes, which the ETag and the tests rely on.
    return HTML(string=html).write_pdf()


def _csv(snapshot: Snapshot, public: bool) -> bytes:
    query = snapshot_exports.entries_query(snapshot, {}, public=public)
    return "".join(snapshot_exports.csv_chunks(query)).encode()


def _json(snapshot: Snapshot, public: bool) -> bytes:
    query = snapshot_exports.entries_query(snapshot, {}, public=public)
    return "".join(snapshot_exports.json_chunks(snapshot, query, public=public)).encode()


def _xlsx(snapshot: Snapshot, public: bool) -> bytes:
    query = snapshot_exports.entries_query(snapshot, {}, public=public)
    return snapshot_exports.xlsx_bytes(snapshot, query)


def csv_url(snapshot: Snapshot) -> str:
    """The CSV export's address from the configured ``BASE_URL``, not from the request's host:
    the Data Package is kept, and must not name whichever host first asked for it."""
    path = url_for("events.export_snapshot", snapshot_id=snapshot.id, extension="csv")
    return current_app.config["BASE_URL"].rstrip("/") + path


def _datapackage(snapshot: Snapshot, public: bool) -> bytes:
    package = snapshot_exports.datapackage(snapshot, csv_url(snapshot), public=public)
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode()


def _renderer(snapshot: Snapshot, kind: str, public: bool) -> tuple[Callable[[], bytes], str]:
    """How to draw a kind of file, and its media type."""
    if kind.startswith(CHART_PREFIX):
        breakdown = kind.removeprefix(CHART_PREFIX)
        figures = lambda: snapshot_exports.aggregates(snapshot, public=public)  # noqa: E731
        return lambda: _chart_svg(snapshot, breakdown, figures()).encode(), SVG
    if kind == "csv":
        return lambda: _csv(snapshot, public), snapshot_exports.MEDIA_TYPES["csv"]
    if kind == "json":
        return lambda: _json(snapshot, public), snapshot_exports.MEDIA_TYPES["json"]
    if kind == "xlsx":
        return lambda: _xlsx(snapshot, public), snapshot_exports.MEDIA_TYPES["xlsx"]
    if kind == "datapackage":
        return lambda: _datapackage(snapshot, public), JSON
    raise ValueError(f"no such kind of snapshot file: {kind}")


def _has_labels(kind: str) -> bool:
    """Whether the kind's content is in the reader's language (a language of its own)."""
    return kind.startswith(CHART_PREFIX) or kind == "pdf"


def _wanted(snapshot: Snapshot, kind: str, public: bool):
    """What names the file, how to draw it, and whether it can be kept (see ``obtain``)."""
    language = _language() if _has_labels(kind) else ""
    if kind == "pdf":
        other = previous_shown(snapshot, public=public)
        wanted = artefacts.Wanted(
            f"pdf:{other.id}" if other else "pdf", public, language, "application/pdf"
        )
        frozen = other is None or other.status == SnapshotStatus.published
        return wanted, lambda: _pdf(snapshot, other, public), frozen
    render, content_type = _renderer(snapshot, kind, public)
    wanted = artefacts.Wanted(kind, public, language, content_type, kind in COMPRESSIBLE)
    return wanted, render, True


def artefact(
    snapshot: Snapshot,
    kind: str,
    *,
    public: bool,
    with_body: bool = True,
    gzip_accepted: bool = False,
) -> artefacts.Served:
    """A file of the snapshot (``chart-goal``, ``pdf``, ``csv``, ``json``, ``xlsx``,
    ``datapackage``) for the variant ``public`` says, in the page's language if it has labels.

    :param with_body: see ``artefacts.obtain``.
    :param gzip_accepted: see ``artefacts.obtain``.
    """
    wanted, render, frozen = _wanted(snapshot, kind, public)
    return artefacts.obtain(
        snapshot, wanted, render, frozen=frozen, with_body=with_body, gzip_accepted=gzip_accepted
    )


def render_fresh(snapshot: Snapshot, kind: str, *, public: bool) -> bytes:
    """The file drawn now, neither kept nor read from what was kept (to check and time it)."""
    _wanted_file, render, _frozen = _wanted(snapshot, kind, public)
    return render()


def chart_kinds() -> list[str]:
    return [CHART_PREFIX + name for name in BREAKDOWNS]
