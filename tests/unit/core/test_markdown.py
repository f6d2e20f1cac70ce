"""Narratives are Markdown written by users: rendered, but never as live HTML."""

from html.parser import HTMLParser

import pytest

from pact_tracker.core.markdown import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("We **trained** 40 people.\n\n- one\n- two")
    assert "<strong>trained</strong>" in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://x" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
    ],
)
def test_html_and_scripts_are_inert(attack):
    tags = _live_tags(str(render_markdown(attack)))
    assert {name for name, _attrs in tags} <= {"p", "a"}
    for _name, attrs in tags:
        assert not any(key.startswith("on") for key in attrs)
        assert not attrs.get("href", "").lower().startswith("javascript")


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _live_tags(html: str) -> list:
    """The elements a browser would build from ``html`` (escaped text builds none)."""
    collector = _TagCollector()
    collector.feed(html)
    return collector.tags


def test_links_do_not_pass_on_referrer_or_rank():
    html = render_markdown("[our report](https://coop.example/report)")
    assert 'href="https://coop.example/report"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_empty_narrative_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""
