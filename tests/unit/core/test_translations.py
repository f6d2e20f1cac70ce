"""Every message of the interface has a French translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _source_messages() -> set[str]:
    found = set()
    for folder, pattern, method in (
        ("pact_tracker", "**.py", "python"),
        ("templates", "**.html", "jinja2"),
    ):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            [(pattern, method)],
            keywords=KEYWORDS,
            # Babel skips folders starting with "_" by default; templates/_macros counts.
            directory_filter=lambda path: not Path(path).name.startswith((".", "__")),
        ):
            found.update([message] if isinstance(message, str) else message)
    return found


def test_every_message_has_a_french_translation():
    with open(ROOT / "pact_tracker/translations/fr/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f, locale="fr")
    translated = set()
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and all(strings) and not message.fuzzy:
            # Plural entries have a (singular, plural) id; the source lists both.
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            translated.update(ids)
    missing = sorted(_source_messages() - translated)
    assert missing == [], "run pybabel extract/update and translate: " + repr(missing[:10])


def test_french_pages_are_in_french(client):
    client.post("/language", data={"locale": "fr", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "signataires" in page and "Se connecter" in page
