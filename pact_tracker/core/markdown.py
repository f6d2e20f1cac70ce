"""User Markdown to safe HTML: raw HTML is not rendered, and the result is sanitised."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML stays text; nh3 then removes anything a crafted link or image could smuggle in.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """Render a narrative written by a user; safe to put in any page or email."""
    if not text:
        return Markup("")
    return _render(text)


#: A commitment's page renders its description and every report's narrative on each
#: view, parsing and sanitising more than the rest of the page took: each text is
#: rendered once per process (the result depends on the text alone).
@lru_cache(maxsize=2048)
def _render(text: str) -> Markup:
    html = _parser.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704
