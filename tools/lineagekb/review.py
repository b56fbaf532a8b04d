"""A pull-request review of the records: validation at head, the diff from base, graphs, as Markdown or JSON data."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import model
from .check import validate_files
from .diff import Diff, EdgeChange, RecordRef, compare, edge_map
from .escape import no_workflow_commands
from .graph import PREDICTION_COLOURS, RELATION_STYLES, quote, render_svg
from .load import KnowledgeBase
from .markdown import environment as markdown_environment
from .problems import Problem
from .revision import Revision, files_at, merge_base, resolve

MARKER = "<!-- lineage-review -->"
"""The first line of the comment: how the review workflow finds the comment to update."""
MAX_COMMENT = 60_000
"""GitHub refuses comments over 65,536 characters; the DOT block is left out before that."""
MARKS = {
    "added": ("#bbf7d0", "#16a34a"),
    "removed": ("#fecaca", "#dc2626"),
    "changed": ("#fde68a", "#d97706"),
    "ancestry": ("#dbeafe", "#2563eb"),
}
SAFE_URL_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"
KIND_ORDER = ["added", "removed", "re-typed", "re-pointed"]
PLURALS = {"release": "releases", "component": "components", "dataset": "datasets", "organization": "organizations"}


@dataclass
class Report:
    """The review of one change: what was compared, whether head validates, what changed, and the graphs."""

    base: Revision
    head: Revision
    folder: str
    records: int
    problems: list[Problem]
    diff: Diff
    graphs: dict[str, str]


def review(top: Path, base_name: str, head_name: str | None, folder: str = "lineage") -> Report:
    """Compare the records of `head_name` (None: the working tree) with where it branched from `base_name`."""
    head = resolve(top, head_name) if head_name else Revision("working tree", None)
    base = merge_base(top, resolve(top, base_name), head)
    base_knowledge, _ = validate_files(top / folder, files_at(top, base, folder))
    head_files = files_at(top, head, folder)
    head_knowledge, problems = validate_files(top / folder, head_files)
    if not head_files:
        problems = [Problem(folder, 1, "", "no record files found (expected *.yaml records)")]
    diff = compare(base_knowledge, head_knowledge)
    return Report(base, head, folder, len(head_knowledge.records), problems, diff, graphs(base_knowledge, head_knowledge, diff))


def neighbourhood(base: KnowledgeBase, head: KnowledgeBase, diff: Diff) -> set[str]:
    """Lineage records the change touches, with their parents and children on either side (ids as at head)."""
    old_edges, new_edges = edge_map(base, diff.renames), edge_map(head, {})
    focus = {r.id for r in diff.added + diff.removed} | {c.record.id for c in diff.changed + diff.renamed}
    focus |= {e.parent for e in diff.edges} | {e.child for e in diff.edges} | {a.record.id for a in diff.ancestry}
    lineage_ids = {i for i, r in head.records.items() if isinstance(r, model.Lineage)}
    lineage_ids |= {diff.renames.get(i, i) for i, r in base.records.items() if isinstance(r, model.Lineage)}
    focus &= lineage_ids
    near = {p for p, c in [*old_edges, *new_edges] if c in focus} | {c for p, c in [*old_edges, *new_edges] if p in focus}
    return focus | near if focus else set()


def graphs(base: KnowledgeBase, head: KnowledgeBase, diff: Diff) -> dict[str, str]:
    """DOT text of the affected neighbourhood before and after, changed nodes and edges highlighted; empty if none."""
    ids = neighbourhood(base, head, diff)
    if not ids:
        return {}
    changed = {c.record.id for c in diff.changed + diff.renamed}
    ancestry = {a.record.id for a in diff.ancestry}
    before_nodes = {i: "changed" if i in changed else "ancestry" for i in changed | ancestry} | {r.id: "removed" for r in diff.removed}
    after_nodes = {i: "changed" if i in changed else "ancestry" for i in changed | ancestry} | {r.id: "added" for r in diff.added}
    before_edges = {(e.parent, e.child): "removed" if e.new is None else "changed" for e in diff.edges if e.old}
    after_edges = {(e.parent, e.child): "added" if e.old is None else "changed" for e in diff.edges if e.new}
    old_records = {diff.renames.get(i, i): r for i, r in base.records.items()}
    return {
        "before": side_dot("before", old_records, edge_map(base, diff.renames), ids, before_nodes, before_edges),
        "after": side_dot("after", head.records, edge_map(head, {}), ids, after_nodes, after_edges),
    }


def side_dot(
    title: str,
    records: dict[str, model.Record],
    edge_relations: dict[tuple[str, str], str],
    ids: set[str],
    node_marks: dict[str, str],
    edge_marks: dict[tuple[str, str], str],
) -> str:
    """One side's graph restricted to `ids`, styled like the site's graphs, with marked nodes filled and marked edges coloured."""
    lines = [
        f"digraph {quote(title)} {{",
        f'  graph [rankdir=LR, fontname="Helvetica", nodesep=0.25, ranksep=0.5, label={quote(title)}, labelloc=t];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11, penwidth=2];',
        '  edge [color="#6b7280", arrowsize=0.7, fontname="Helvetica", fontsize=9];',
    ]
    for record_id in sorted(i for i in ids if isinstance(records.get(i), model.Lineage)):
        record = records[record_id]
        prediction = record.prediction_type.value.value if isinstance(record, model.Release) and record.prediction_type else None
        colour = PREDICTION_COLOURS[prediction]
        attributes = [f"label={quote(record.name)}", f"tooltip={quote(record_id)}", f"id={quote('node-' + record_id)}", f"color={quote(colour)}"]
        if record_id in node_marks:
            attributes.append(f"fillcolor={quote(MARKS[node_marks[record_id]][0])}")
        lines.append(f"  {quote(record_id)} [{', '.join(attributes)}];")
    for (parent, child), relation in sorted(edge_relations.items()):
        if parent in ids and child in ids:
            style = f"{RELATION_STYLES[model.Relation(relation)]}, tooltip={quote(relation)}"
            if (parent, child) in edge_marks:
                style = re.sub(r", penwidth=[\d.]+", "", style)
                style += f", color={quote(MARKS[edge_marks[(parent, child)]][1])}, penwidth=2.5, label={quote(relation)}"
            lines.append(f"  {quote(parent)} -> {quote(child)} [{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


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
        **{key: diff[key] for key in ("added", "removed", "renamed", "changed", "unreadable", "edges", "ancestry", "unsourced", "sources")},
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


def revision(side: Revision) -> Markup:
    """`main` (abc1234), or the working tree."""
    return code(side.label) + f" ({side.short})" if side.sha else Markup("the working tree")


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else text(value)


def environment() -> jinja2.Environment:
    return markdown_environment(
        _finalize, code=code, text=text, fenced=fenced, change=edge_label, value=value, optional_url=optional_url, revision=revision
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
        "with_dot": True,
    }
    template = environment().get_template("review.md.j2")
    comment = template.render(values)
    if len(comment) > MAX_COMMENT:
        comment = template.render(values | {"with_dot": False})
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
