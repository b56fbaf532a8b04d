"""Writing a review out: its one-line summary, the JSON data, the Markdown comment and the before/after graphs as SVG."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..escape import no_workflow_commands
from ..website.graph import render_svg
from ..website.markdown import environment as markdown_environment
from ..website.markdown import safe_url
from .diff import Citation, EdgeChange, RecordRef
from .model_change import ModelChange
from .review import Report
from .revision import Revision

MARKER = "<!-- lineage-review -->"
"""The first line of the comment: how the review workflow finds the comment to update."""

MAX_COMMENT = 60_000
"""GitHub refuses comments over 65,536 characters; the DOT block, then the facts of added records, are left out before that."""

SAFE_URL_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"

KIND_ORDER = ["added", "removed", "re-typed", "re-pointed"]

PLURALS = {"release": "releases", "component": "components", "dataset": "datasets", "organization": "organizations"}


def counted(items: list[Any], noun: str, plural: str | None = None) -> str:
    """`1 source`, `3 sources`."""
    return f"{len(items)} {noun if len(items) == 1 else plural or noun + 's'}"


def by_kind(refs: list[RecordRef]) -> str:
    """`2 releases and 1 component`."""
    counts = Counter(r.kind for r in refs)
    parts = [f"{n} {kind if n == 1 else PLURALS.get(kind, kind + 's')}" for kind, n in sorted(counts.items(), key=lambda item: list(PLURALS).index(item[0]))]
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


def tally(items: list[Any], noun: str, kinds: list[str]) -> str:
    """`1 source added`, or `3 sources changed: 2 added, 1 removed`."""
    counts = Counter(kinds)
    if len(counts) == 1:
        return f"{counted(items, noun)} {kinds[0]}"
    return f"{counted(items, noun)} changed: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda item: KIND_ORDER.index(item[0])))


def summary(report: Report) -> list[str]:
    """The headline lines of the review, each a sentence."""
    diff = report.diff
    lines = []
    groups = {"added": diff.added, "removed": diff.removed, "renamed": [c.record for c in diff.renamed], "changed": [c.record for c in diff.changed]}
    for label, refs in groups.items():
        if refs:
            lines.append(f"{by_kind(refs)} {label}")
    if diff.edges:
        ancestry = f"; changes the ancestry of {by_kind([a.record for a in diff.ancestry])}" if diff.ancestry else ""
        lines.append(tally(diff.edges, "lineage edge", [edge_label(e) for e in diff.edges]) + ancestry)
    if diff.unsourced:
        lines.append(f"{counted(diff.unsourced, 'value')} changed without a new or changed source or quote")
    if diff.sources:
        kinds = ["added" if s.old_url is None else "removed" if s.new_url is None else "re-pointed" for s in diff.sources]
        lines.append(tally(diff.sources, "source", kinds))
    lines += model_summary(report.model)
    if report.unpinned:
        lines.append(f"{counted(report.unpinned, 'source URL')} not pinned to a commit")
    if diff.conflicts:
        lines.append(f"{counted(diff.conflicts, 'conflict')} between sources added")
    if report.unknown_licenses:
        lines.append(f"{counted(report.unknown_licenses, 'licence id')} the Hub does not know")
    return lines


def model_summary(change: ModelChange) -> list[str]:
    """Whether the record model and the schema changed, with the vocabulary values and fields added and removed."""
    lines = []
    if change.model_changed:
        lines.append(f"the record model ({change.model_path}) changed")
    if change.schema_changed:
        counts = [
            (sum(len(v.added) for v in change.vocabularies), "vocabulary value", "added"),
            (sum(len(v.removed) for v in change.vocabularies), "vocabulary value", "removed"),
            (sum(len(f.added) for f in change.fields), "field", "added"),
            (sum(len(f.removed) for f in change.fields), "field", "removed"),
        ]
        details = [f"{n} {noun if n == 1 else noun + 's'} {what}" for n, noun, what in counts if n]
        lines.append(f"the schema ({change.schema_path}) changed" + (": " + ", ".join(details) if details else ""))
    return lines


def to_data(report: Report, svg_files: dict[str, str] | None = None) -> dict[str, Any]:
    """The review as plain data, for `--format json`; `svg_files` names where the rendered graphs were written."""
    diff = dataclasses.asdict(report.diff)
    return {
        "base": {"label": report.base.label, "sha": report.base.sha},
        "head": {"label": report.head.label, "sha": report.head.sha},
        "folder": report.folder,
        "valid": not report.problems,
        "records": report.records,
        "problems": [dataclasses.asdict(p) for p in report.problems],
        "summary": summary(report),
        **{
            key: diff[key]
            for key in ("added", "removed", "renamed", "changed", "unreadable", "edges", "ancestry", "unsourced", "sources", "facts", "conflicts")
        },
        "model": dataclasses.asdict(report.model) | {"changed": report.model.changed},
        "unpinned": [dataclasses.asdict(u) for u in report.unpinned],
        "unknown_licenses": [dataclasses.asdict(u) for u in report.unknown_licenses],
        "hub_licenses": report.hub_licenses,
        "graphs": report.graphs,
        "svg_files": svg_files or {},
    }


def code(value: Any) -> Markup:
    """A value as a Markdown code span, safe in a table cell: nothing inside is interpreted, mentions do not ping."""
    text = re.sub(r"\s+", " ", str(value)).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or fence != "`" else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def text(value: Any) -> Markup:
    """Prose from a record (a name, a title), escaped for Markdown, its HTML and GitHub's @mentions."""
    escaped = re.sub(r"([\\`*_{}\[\]|~!#])", r"\\\1", html.escape(re.sub(r"\s+", " ", str(value)), quote=False))
    return Markup(escaped.replace("@", "@&#8203;"))


def fenced(body: str, info: str = "") -> Markup:
    """A fenced code block longer than any backtick run inside it."""
    fence = "`" * max(3, max((len(run) + 1 for run in re.findall(r"`+", body)), default=0))
    return Markup(f"{fence}{info}\n{body.rstrip()}\n{fence}")


def autolink(url: str) -> Markup:
    """A URL as a Markdown autolink, with the characters that would end it percent-encoded."""
    return Markup(f"<{urllib.parse.quote(url, safe=SAFE_URL_CHARACTERS)}>")


def value(text: str | None) -> Markup:
    """A field value as code, or a dash where it is absent."""
    return Markup("—") if text is None else code(text)


def optional_url(url: str | None) -> Markup:
    return Markup("—") if url is None else autolink(url)


def link(value: Any, url: str | None) -> Markup:
    """Prose from a record linked to a URL from a record, both escaped; the prose alone when there is no URL."""
    return text(value) if url is None else Markup(f"[{text(value)}]({safe_url(url)})")


def codes(values: list[Any]) -> Markup:
    """Values as code spans separated by commas, or a dash when there are none."""
    return Markup(", ").join(code(v) for v in values) if values else Markup("—")


def cited(citations: list[Citation]) -> Markup:
    """`record` (`key`), ... : who cites a source."""
    return Markup(", ").join(code(c.record) + Markup(" (") + code(c.key) + Markup(")") for c in citations)


def revision(side: Revision) -> Markup:
    """`main` (abc1234), or the working tree."""
    return code(side.label) + f" ({side.short})" if side.sha else Markup("the working tree")


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else text(value)


def environment() -> jinja2.Environment:
    return markdown_environment(
        _finalize,
        code=code,
        text=text,
        link=link,
        codes=codes,
        cited=cited,
        fenced=fenced,
        change=edge_label,
        value=value,
        optional_url=optional_url,
        revision=revision,
    )


def markdown(report: Report, svg_files: dict[str, str] | None = None) -> str:
    """The review as a pull-request comment; `svg_files` names where the rendered graphs were written."""
    values = {
        "r": report,
        "d": report.diff,
        "marker": Markup(MARKER),
        "summary": summary(report),
        "problems": "\n".join(str(p) for p in report.problems),
        "ancestry_count": by_kind([a.record for a in report.diff.ancestry]),
        "svg_files": svg_files or {},
        "facts": {x.id: [f for f in report.diff.facts if f.record == x.id] for x in report.diff.added},
        "with_dot": True,
        "with_facts": True,
    }
    template = environment().get_template("review.md.j2")
    comment = template.render(values)
    if len(comment) > MAX_COMMENT:
        comment = template.render(values | {"with_dot": False})
    if len(comment) > MAX_COMMENT:
        comment = template.render(values | {"with_dot": False, "with_facts": False})
    return no_workflow_commands(comment)


def edge_label(edge: EdgeChange) -> str:
    return "added" if edge.old is None else "removed" if edge.new is None else "re-typed"


class GraphError(Exception):
    """The graphs could not be rendered; the message is one line a person can act on."""


def write_graphs(report: Report, out: Path) -> dict[str, str]:
    """Write each graph as DOT and SVG into `out`; the SVG paths by graph name."""
    written = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, dot_text in report.graphs.items():
            (out / f"{name}.dot").write_text(dot_text, encoding="utf-8")
            (out / f"{name}.svg").write_text(render_svg(dot_text), encoding="utf-8")
            written[name] = str(out / f"{name}.svg")
    except FileNotFoundError as error:
        raise GraphError(f"cannot run {error.filename!r} (install Graphviz, which provides `dot`, or leave out --out)") from error
    except subprocess.CalledProcessError as error:
        raise GraphError(f"dot failed to render the graph: {error.stderr.strip().splitlines()[0] if error.stderr.strip() else error}") from error
    except OSError as error:
        raise GraphError(f"{out}: cannot write the graphs ({error.strerror})") from error
    return written
