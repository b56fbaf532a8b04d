"""Markdown for the site: escaping every record string for where it lands, and the template environment."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from ..escape import FORBIDDEN, spell_out
from ..records import model

TEMPLATES = Path(__file__).parent / "templates"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"} | {c: "\\" + c for c in "\\`*_{}[]()#+-.!|~"})
"""HTML's five special characters as entities, and every Markdown punctuation character backslash-escaped."""


def graph_placeholder(key: str) -> Markup:
    """Where a rendered graph goes; the site build swaps it for inline SVG, kept out of the search index."""
    return Markup(f'<div class="lineage-graph" data-search-exclude data-graph="{html.escape(key)}"></div>')


def escape_markdown(text: str) -> Markup:
    """Text from a record, safe inside Markdown and the HTML it becomes; control characters are spelled out."""
    escaped = text.translate(_ESCAPES)
    return Markup(spell_out(escaped, FORBIDDEN) if FORBIDDEN.search(escaped) else escaped)


def safe_url(url: str) -> str:
    """A URL with the characters that would end a Markdown link or HTML attribute percent-encoded."""
    return quote(url, safe=":/?#[]@!$&*+,;=%~-._")


def finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, model.Vocabulary):
        return escape_markdown(value.value)
    return escape_markdown(str(value))


def environment(escape: Callable[[Any], Any] = finalize, **filters: Callable[..., Any]) -> jinja2.Environment:
    """Templates where every value goes through `escape` (Markdown escaping) unless it was built as Markup."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        finalize=escape,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({"link": link, "code": code, **filters})
    return env


def link(text: Any, url: str) -> Markup:
    """A Markdown link whose text and target are both escaped."""
    return Markup(f"[{finalize(text)}]({safe_url(url)})")


def code(text: Any) -> Markup:
    """Inline code; HTML `<code>` rather than backticks, because backslash escapes are literal in a code span."""
    return Markup(f"<code>{finalize(text)}</code>")


def folder(record: model.Record) -> str:
    """The site folder of a record's page."""
    return {
        "release": "releases",
        "component": "components",
        "dataset": "datasets",
        "organization": "organizations",
        "fingerprint": "fingerprints",
    }[record.kind]
