"""Snapshot pages: the list, a snapshot's page with its charts and comparison, the organisers'
buttons (take by hand, re-take, publish, delete) and the exports.

A published snapshot is public; a draft is for those who may manage snapshots,
and anyone else gets 404 for it (as if it did not exist). Visitors who may
not manage snapshots see its public variant only: figures, comparison, charts,
exports and hash computed on the entries public at the cutoff.
"""

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from pact_tracker.core import permissions
from pact_tracker.core.errors import DomainError, InvalidTransition
from pact_tracker.core.lookup import MAX_ID, get_by_id
from pact_tracker.core.pagination import paginate_select
from pact_tracker.core.web import PERSONAL_SESSION_KEYS
from pact_tracker.events import exports as snapshot_exports
from pact_tracker.events import report, snapshot_page
from pact_tracker.events.forms.snapshots import (
    FILTERS,
    ActionForm,
    ConfirmForm,
    EntryFilterForm,
    TakeSnapshotForm,
)
from pact_tracker.events.models import Snapshot, SnapshotStatus
from pact_tracker.events.services import artefacts, local_copies, public_part
from pact_tracker.events.services import snapshots as snapshot_service
from pact_tracker.events.views import blueprint
from pact_tracker.extensions import db

UNPROCESSABLE = 422
BREAKDOWNS = report.BREAKDOWNS
COUNTED = report.COUNTED
#: The comparison's lists the entries can be filtered by (``?change=new``).
CHANGES = ("new", "completed", "withdrawn")
#: A kept public file: any cache may keep it for a year, and need never ask again.
IMMUTABLE = "public, max-age=31536000, immutable"


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _is_manager() -> bool:
    return permissions.can_manage_snapshots(_viewer())


def _manager():
    """The signed-in person, if they may manage snapshots (403 otherwise)."""
    user = _viewer()
    if not permissions.can_manage_snapshots(user):
        abort(403)
    return user


def _snapshot(snapshot_id: int, options=()) -> Snapshot:
    """The snapshot, if this visitor may see it (404 otherwise, drafts included).

    :param options: loader options of what is shown with it (``get_by_id``).
    """
    snapshot = get_by_id(Snapshot, snapshot_id, options=options)
    if snapshot is None or not permissions.can_view_snapshot(_viewer(), snapshot):
        abort(404)
    return snapshot


def _visible_snapshots() -> sa.Select:
    query = sa.select(Snapshot).order_by(Snapshot.cutoff_at.desc(), Snapshot.id.desc())
    if not _is_manager():
        query = query.where(Snapshot.status == SnapshotStatus.published)
    return query


@blueprint.get("/snapshots")
def snapshots():
    """Published snapshots, newest first; drafts too for those who manage snapshots."""
    page = paginate_select(_visible_snapshots(), request.args.get("page", 1, type=int))
    return render_template("events/snapshots/list.html", page=page, manager=_is_manager())


@blueprint.get("/snapshots/new")
@login_required
def new_snapshot():
    """The form to take a snapshot by hand."""
    _manager()
    return render_template("events/snapshots/new.html", form=TakeSnapshotForm())


@blueprint.post("/snapshots/new")
@login_required
def take_snapshot():
    """Take a snapshot by hand (a draft) as of a cutoff in UTC."""
    user = _manager()
    form = TakeSnapshotForm()
    if not form.validate_on_submit():
        flash(_("The snapshot was not taken: see the errors below."), "danger")
        return render_template("events/snapshots/new.html", form=form), UNPROCESSABLE
    try:
        snapshot = snapshot_service.take_snapshot(form.cutoff(), title=form.title.data, actor=user)
    except DomainError as error:
        # The only refusal: a cutoff still to come, which nobody can have reported against.
        form.cutoff_at.errors = [*form.cutoff_at.errors, _("The cutoff cannot be in the future.")]
        return render_template("events/snapshots/new.html", form=form), error.status_code
    flash(_("The snapshot was taken: it is a draft until you publish it."), "success")
    return redirect(url_for("events.snapshot", snapshot_id=snapshot.id))


def _compared_with(snapshot: Snapshot) -> tuple[Snapshot | None, str | None]:
    """The snapshot to compare with (``?compare=<id>`` or the previous one), and any problem."""
    chosen = request.args.get("compare", "")
    if not chosen:
        return report.previous_shown(snapshot, public=not _is_manager()), None
    other = (
        db.session.get(Snapshot, int(chosen))
        if chosen.isdigit() and int(chosen) <= MAX_ID
        else None
    )
    if (
        other is None
        or other.id == snapshot.id
        or not permissions.can_view_snapshot(_viewer(), other)
    ):
        return None, _("There is no other snapshot with that number to compare with.")
    return other, None


def _entry_filters(snapshot: Snapshot, form: EntryFilterForm, result) -> dict[str, str]:
    """The form's filters, and ``change`` (one of the comparison's lists) if one is asked for.

    The lists are of the later snapshot's entries: the filter applies on its page only.
    """
    filters = form.filters()
    change = request.args.get("change", "")
    if result is not None and change in CHANGES and result.after.id == snapshot.id:
        filters["change"] = change
        filters["compared_with"] = str(result.before.id)
    return filters


@blueprint.get("/snapshots/<int:snapshot_id>")
def snapshot(snapshot_id: int):
    """A snapshot: headline figures, breakdowns as charts, the comparison, the entries."""
    # Its event is named on the page and finds the previous snapshot: read with it.
    snapshot = _snapshot(snapshot_id, options=[joinedload(Snapshot.event)])
    manager = _is_manager()
    figures = snapshot_page.shown_figures(snapshot, public=not manager)
    other, compare_error = _compared_with(snapshot)
    result = snapshot_page.compared(snapshot, other)
    filter_groups = {
        name: [(group.key, group.label) for group, _row in figures.sections[name]]
        for name in FILTERS
    }
    form = EntryFilterForm(request.args, groups=filter_groups)
    form.validate()
    filters = _entry_filters(snapshot, form, result)
    page = paginate_select(
        snapshot_exports.entries(snapshot, filters, public=not manager),
        request.args.get("page", 1, type=int),
        count=None if filters else snapshot_page.entries_counter(snapshot, public=not manager),
    )
    return render_template(
        "events/snapshots/snapshot.html",
        snapshot=snapshot,
        manager=manager,
        sha256=public_part.shown_sha256(snapshot, public=not manager),
        overall=figures.overall,
        reporting=figures.sections["reporting_state"],
        breakdowns=snapshot_page.breakdowns(snapshot, figures, public=not manager),
        comparison=result,
        compared=snapshot_page.comparison(snapshot, other, figures, public=not manager),
        compare_error=compare_error,
        change=filters.get("change"),
        group_labels=figures.labels,
        choices=db.session.scalars(_visible_snapshots().where(Snapshot.id != snapshot.id)).all(),
        form=form,
        page=page,
        action_form=ActionForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        formats=snapshot_exports.FORMATS,
    )


def _accepts_gzip() -> bool:
    """Whether the request's ``Accept-Encoding`` allows gzip (``gzip;q=0`` refuses it)."""
    return request.accept_encodings["gzip"] > 0


def _artefact(snapshot: Snapshot, kind: str, public: bool) -> artefacts.Served:
    # A client naming the version it has most likely has this one: its bytes are not read.
    return report.artefact(
        snapshot,
        kind,
        public=public,
        with_body=not request.if_none_match,
        gzip_accepted=_accepts_gzip(),
    )


def _sent_from_disk(path, content_type: str) -> Response:
    """The local copy of a kept file, sent by the server (``sendfile``); its ETag, caching and
    conditions are the kept file's, set by ``_served``, not the copy's."""
    response = send_file(path, mimetype=content_type, conditional=False, etag=False)
    # The copy's date is when this machine wrote it: not the file's, nor the same on another.
    del response.headers["Last-Modified"]
    return response


def _served(served: artefacts.Served, public: bool) -> Response:
    """The file with its ETag, cached as its variant allows; 304 if the client has it already.

    A published snapshot's public variant is the same for everyone and never
    changes: any cache may keep it for good. The full variant, and any draft,
    are for those who manage snapshots only: no cache keeps them (as every page
    of a signed-in person). ``Vary`` names what chooses the variant and the
    language (the session's cookie, the browser's languages), so that no cache
    serves one person's answer to another; and, for a file kept gzip-compressed
    too, ``Accept-Encoding``: its compressed copy has an ETag of its own.
    """
    if served.stored and public:
        personal = any(key in session for key in PERSONAL_SESSION_KEYS)
        # A signed-in person's answer may carry their session's cookie: no shared cache.
        cache_control = IMMUTABLE.replace("public", "private") if personal else IMMUTABLE
    else:
        cache_control = "private, no-store"
    if request.if_none_match.contains_weak(served.sha256):
        response = Response(status=304)
    elif (copy := local_copies.local_copy(served)) is not None:
        response = _sent_from_disk(copy, served.content_type)
    elif served.pieces is not None:
        response = Response(stream_with_context(served.pieces()), mimetype=served.content_type)
        response.content_length = served.size
    else:
        response = Response(served.read(), mimetype=served.content_type)
    if served.encoding and response.status_code == 200:
        response.content_encoding = served.encoding
    response.set_etag(served.sha256)
    response.headers["Cache-Control"] = cache_control
    response.headers["Vary"] = "Cookie, Accept-Language" + (
        ", Accept-Encoding" if served.compressible else ""
    )
    return response


@blueprint.get("/snapshots/<int:snapshot_id>/charts/<breakdown>.svg")
def snapshot_chart(snapshot_id: int, breakdown: str):
    """A breakdown of the snapshot as an SVG bar chart, labelled in the page language."""
    snapshot = _snapshot(snapshot_id)
    if breakdown not in BREAKDOWNS:
        abort(404)
    public = not _is_manager()
    response = _served(_artefact(snapshot, report.CHART_PREFIX + breakdown, public), public)
    # The chart is an image: its own styles, no script, nothing else loaded.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    return response


def _refused(snapshot: Snapshot, error: DomainError):
    """Back to the snapshot's page with the reason; nothing the action began is kept."""
    target = url_for("events.snapshot", snapshot_id=snapshot.id)
    # A redirect would commit: what the service flushed before refusing is undone here.
    db.session.rollback()
    flash(error.message, "danger")
    return redirect(target)


@blueprint.post("/snapshots/<int:snapshot_id>/retake")
@login_required
def retake_snapshot(snapshot_id: int):
    """Take a draft again as of its cutoff (what was corrected since is taken into account)."""
    user = _manager()
    snapshot = _snapshot(snapshot_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if snapshot.status == SnapshotStatus.published:
            raise InvalidTransition(_("A published snapshot never changes."))
        if snapshot.event is not None:
            retaken = snapshot_service.take_snapshot(
                snapshot.cutoff_at, title=snapshot.title, event=snapshot.event, actor=user
            )
        else:
            # A snapshot taken by hand has no event to find it by: it is replaced.
            cutoff, title = snapshot.cutoff_at, snapshot.title
            snapshot_service.delete_snapshot(snapshot, user)
            retaken = snapshot_service.take_snapshot(cutoff, title=title, actor=user)
    except DomainError as error:
        return _refused(snapshot, error)
    flash(_("The draft was taken again."), "success")
    return redirect(url_for("events.snapshot", snapshot_id=retaken.id))


@blueprint.post("/snapshots/<int:snapshot_id>/publish")
@login_required
def publish_snapshot(snapshot_id: int):
    """Publish a draft (the box must be ticked): public and immutable, with its SHA-256."""
    user = _manager()
    snapshot = _snapshot(snapshot_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or not form.confirm.data:
        flash(_("Tick the box to confirm: a published snapshot can never change."), "danger")
        return redirect(url_for("events.snapshot", snapshot_id=snapshot.id))
    try:
        snapshot_service.publish_snapshot(snapshot, user)
    except DomainError as error:
        return _refused(snapshot, error)
    flash(
        _("The snapshot is published. Its SHA-256: %(sha)s", sha=snapshot.content_sha256),
        "success",
    )
    return redirect(url_for("events.snapshot", snapshot_id=snapshot.id))


@blueprint.post("/snapshots/<int:snapshot_id>/delete")
@login_required
def delete_snapshot(snapshot_id: int):
    """Delete a draft (the box must be ticked)."""
    user = _manager()
    snapshot = _snapshot(snapshot_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or not form.confirm.data:
        flash(_("Tick the box to confirm the deletion."), "danger")
        return redirect(url_for("events.snapshot", snapshot_id=snapshot.id))
    try:
        snapshot_service.delete_snapshot(snapshot, user)
    except DomainError as error:
        return _refused(snapshot, error)
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("events.snapshots"))


def _attachment(response: Response, snapshot: Snapshot, name: str) -> Response:
    filename = f"snapshot-{snapshot.id}.{name}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _streamed(snapshot: Snapshot, extension: str, public: bool) -> Response:
    """A draft's CSV or JSON, streamed from its rows as they are read (nothing is kept)."""
    query = snapshot_exports.entries_query(snapshot, {}, public=public)
    if extension == "csv":
        body = stream_with_context(snapshot_exports.csv_chunks(query))
    else:
        body = stream_with_context(snapshot_exports.json_chunks(snapshot, query, public=public))
    response = Response(body, mimetype=snapshot_exports.MEDIA_TYPES[extension])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/snapshots/<int:snapshot_id>/export.<extension>")
def export_snapshot(snapshot_id: int, extension: str):
    """The snapshot's entries as CSV, JSON or XLSX, or its PDF report."""
    snapshot = _snapshot(snapshot_id)
    if extension not in snapshot_exports.FORMATS:
        abort(404)
    public = not _is_manager()
    if extension in ("csv", "json") and snapshot.status != SnapshotStatus.published:
        return _attachment(_streamed(snapshot, extension, public), snapshot, extension)
    served = _artefact(snapshot, extension, public)
    return _attachment(_served(served, public), snapshot, extension)


@blueprint.get("/snapshots/<int:snapshot_id>/datapackage.json")
def snapshot_datapackage(snapshot_id: int):
    """A Frictionless Data Package describing the CSV export's every column."""
    snapshot = _snapshot(snapshot_id)
    public = not _is_manager()
    return _served(_artefact(snapshot, "datapackage", public), public)
