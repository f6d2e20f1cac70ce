"""The CSV import: a dry run that lists every bad row by line, then a confirmed import."""

import io
import re

from pact_tracker.coalition.models import Signatory
from pact_tracker.core.activity import Activity

GOOD = "name,organisation_type_code,country_code\nCoop Import One,cooperative,FR\n"
BAD = (
    "name,organisation_type_code,country_code\n"
    "Coop Import One,cooperative,FR\n"
    "Coop Import Two,spaceship,FR\n"
    ",association,BE\n"
)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def _upload(client, content: str, kind: str = "signatories", name: str = "signatories.csv"):
    return client.post(
        "/admin/import",
        data={"kind": kind, "file": (io.BytesIO(content.encode()), name)},
        content_type="multipart/form-data",
    )


def _imported(db) -> list[str]:
    return db.session.scalars(
        db.select(Signatory.name).where(Signatory.name.like("Coop Import%"))
    ).all()


def test_the_preview_lists_bad_rows_by_line_and_writes_nothing(db, admin):
    response = _upload(admin, BAD)
    assert response.status_code == 422
    page = text_of(response)
    assert "2 of 3 rows are invalid; nothing was imported." in page
    assert 'data-line="3"' in page and "Unknown organisation type" in page
    assert 'data-line="4"' in page and "This field is required." in page
    assert 'data-line="2"' not in page
    assert "Confirm the import" not in page
    assert _imported(db) == []


def test_a_valid_file_is_imported_only_after_confirmation(db, admin):
    response = _upload(admin, GOOD)
    assert response.status_code == 200
    page = text_of(response)
    assert "1 row is valid and would be imported" in page
    assert _imported(db) == []

    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = admin.post("/admin/import/confirm", data={"token": token})
    assert response.status_code == 302
    assert "1 rows of signatories.csv were imported" in text_of(
        admin.get(response.headers["Location"])
    )
    assert _imported(db) == ["Coop Import One"]
    logged = db.session.scalar(db.select(Activity).where(Activity.action == "signatory.applied"))
    assert logged.actor is not None and logged.actor.role == "secretariat"


def test_an_altered_confirmation_is_refused(db, admin):
    page = text_of(_upload(admin, GOOD))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = admin.post("/admin/import/confirm", data={"token": token[:-3] + "abc"})
    assert response.status_code == 302
    assert "expired or was altered" in text_of(admin.get(response.headers["Location"]))
    assert _imported(db) == []


def test_a_bad_header_or_a_file_that_is_not_csv_is_refused_next_to_the_field(db, admin):
    response = _upload(admin, "nom,pays\nCoop,FR\n")
    assert response.status_code == 422
    assert "missing columns: name" in text_of(response)
    assert "pact-import-" not in text_of(response)
    response = _upload(admin, GOOD, name="signatories.xlsx")
    assert response.status_code == 422 and "ending in .csv" in text_of(response)


def test_a_file_over_the_limit_is_refused(app, db, admin):
    app.config["IMPORT_WEB_MAX_BYTES"] = 100
    try:
        response = _upload(admin, GOOD + "Coop Import Two,cooperative,FR\n" * 5)
    finally:
        del app.config["IMPORT_WEB_MAX_BYTES"]
    assert response.status_code == 422 and "larger than" in text_of(response)
    assert _imported(db) == []


def test_members_cannot_import(db, sign_in, member):
    response = _upload(sign_in(member), GOOD)
    assert response.status_code == 403
    assert _imported(db) == []
