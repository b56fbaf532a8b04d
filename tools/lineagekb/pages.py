"""Generating the site's Markdown pages from the records; knows nothing of any site generator."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import lineage, model
from .load import KnowledgeBase
from .schema import field_reference

TEMPLATES = Path(__file__).parent / "templates"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def graph_placeholder(key: str) -> Markup:
    """Where a rendered graph goes; the site build swaps it for inline SVG, kept out of the search index."""
    return Markup(f'<div class="lineage-graph" data-search-exclude data-graph="{html.escape(key)}"></div>')


def escape_markdown(text: str) -> Markup:
    """Text from a record, safe inside Markdown and the HTML it becomes."""
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=True)))


def safe_url(url: str) -> str:
    """A URL with the characters that would end a Markdown link or HTML attribute percent-encoded."""
    return quote(url, safe=":/?#[]@!$&*+,;=%~-._")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, model.Vocabulary):
        return escape_markdown(value.value)
    return escape_markdown(str(value))


def environment() -> jinja2.Environment:
    """Templates where every value is escaped for Markdown unless it was built as Markup."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["link"] = link
    return env


def link(text: Any, url: str) -> Markup:
    """A Markdown link whose text and target are both escaped."""
    return Markup(f"[{_finalize(text)}]({safe_url(url)})")


class PageContext:
    """Prepared values for one record's page: facts with footnotes, links to other records."""

    def __init__(self, knowledge: KnowledgeBase, record: model.Record | None) -> None:
        self.knowledge = knowledge
        self.record = record

    def cite(self, key: str) -> Markup:
        return Markup(f"[^{key}]")

    def fact(self, value: model.Fact[Any] | None, unit: str = "") -> Markup:
        if value is None:
            return Markup("unknown")
        shown = value.value
        if isinstance(shown, list):
            text = Markup(", ").join(self.ref(item) if item in self.knowledge.records else _finalize(item) for item in shown)
        elif isinstance(shown, str) and shown in self.knowledge.records and not isinstance(value.value, model.Vocabulary):
            text = self.ref(shown)
        elif isinstance(shown, int) and not isinstance(shown, bool):
            text = _finalize(f"{shown:,}{unit}")
        else:
            text = _finalize(shown)
        return text + self.cite(value.source)

    def ref(self, record_id: str) -> Markup:
        target = self.knowledge.records.get(record_id)
        if target is None:
            return _finalize(record_id)
        return link(target.name, f"../{folder(target)}/{record_id}.md")


def folder(record: model.Record) -> str:
    """The site folder of a record's page."""
    return {"release": "releases", "component": "components", "dataset": "datasets", "organization": "organizations"}[record.kind]


def record_page(knowledge: KnowledgeBase, record: model.Record, env: jinja2.Environment, edit_url: str) -> str:
    """The Markdown page of one record."""
    context = PageContext(knowledge, record)
    values: dict[str, Any] = {"r": record, "c": context, "edit_url": edit_url, "model": model, "graph": graph_placeholder(record.id)}
    if isinstance(record, model.Lineage):
        values["children"] = lineage.children(knowledge).get(record.id, [])
        values["history"] = lineage.training_history(knowledge, record.id)
        values["steps_from_scratch"] = lineage.steps_from_scratch(knowledge, record.id)
    values["used_by"] = used_by(knowledge, record.id)
    return env.get_template(f"{record.kind}.md.j2").render(values)


def used_by(knowledge: KnowledgeBase, record_id: str) -> list[model.Record]:
    """Records that reference `record_id` in any field other than their parents."""
    from .check import references

    return sorted(
        {r.id: r for r in knowledge.records.values() for loc, target, _, _ in references(r) if target == record_id and loc[0] != "parents"}.values(),
        key=lambda r: r.id,
    )


def pages(knowledge: KnowledgeBase, edit_base: str = "") -> dict[str, str]:
    """Every generated page, by its path under the docs folder; `edit_base` + a record's path is where to edit it."""
    env = environment()
    result: dict[str, str] = {}
    for record_id, record in sorted(knowledge.records.items()):
        edit_url = edit_base + relative_path(knowledge, record_id)
        result[f"{folder(record)}/{record_id}.md"] = record_page(knowledge, record, env, edit_url)
    rows = [release_row(knowledge, r) for r in knowledge.releases]
    result["releases/index.md"] = env.get_template("releases-index.md.j2").render(rows=rows, graph=graph_placeholder("family"))
    for name, kind in (("components", model.Component), ("datasets", model.Dataset), ("organizations", model.Organization)):
        result[f"{name}/index.md"] = env.get_template("kind-index.md.j2").render(
            title=name.capitalize(), records=knowledge.of_kind(kind), ctx=PageContext(knowledge, None)
        )
    result["reference/fields.md"] = field_reference()
    return result


def relative_path(knowledge: KnowledgeBase, record_id: str) -> str:
    """A record file's path from the repository root (the folder above the records)."""
    path = Path(knowledge.documents[record_id].path).resolve()
    return path.relative_to(knowledge.root.resolve().parent).as_posix()


def release_row(knowledge: KnowledgeBase, release: model.Release) -> dict[str, Any]:
    """One row of the release table."""
    ctx = PageContext(knowledge, release)
    parents = Markup(", ").join(ctx.ref(p.id) + Markup(" (") + _finalize(p.relation) + Markup(")") for p in release.parents)
    steps = lineage.steps_from_scratch(knowledge, release.id)
    return {
        "release": ctx.ref(release.id),
        "organization": ctx.ref(release.organization.value),
        "released": release.released.value if release.released else "",
        "parents": parents or Markup("from scratch" if release.from_scratch else ""),
        "steps": f"{steps:,}" if steps is not None else "",
        "resolution": release.resolution.value if release.resolution else "",
        "prediction": release.prediction_type.value.value if release.prediction_type else "",
    }


def write(pages_by_path: dict[str, str], out: Path) -> None:
    """Write generated pages to a folder, for site generators that do not run hooks."""
    for path, text in pages_by_path.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
