"""A pull-request review of the records: validation at head, the diff from base, graphs, as Markdown or JSON data."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import subprocess
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..escape import no_workflow_commands
from ..problems import Problem
from ..records import model
from ..records.load import KnowledgeBase
from ..validate import validate_files
from ..website.graph import PREDICTION_COLOURS, RELATION_STYLES, quote, render_svg
from ..website.markdown import environment as markdown_environment
from ..website.markdown import safe_url
from .diff import Citation, Diff, EdgeChange, ModelChange, RecordRef, compare, edge_map, model_change
from .revision import Revision, file_at, files_at, merge_base, resolve

MARKER = "<!-- lineage-review -->"
"""The first line of the comment: how the review workflow finds the comment to update."""
MAX_COMMENT = 60_000
"""GitHub refuses comments over 65,536 characters; the DOT block, then the facts of added records, are left out before that."""
MARKS = {
    "added": ("#bbf7d0", "#16a34a"),
    "removed": ("#fecaca", "#dc2626"),
    "changed": ("#fde68a", "#d97706"),
    "ancestry": ("#dbeafe", "#2563eb"),
}
SAFE_URL_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"
KIND_ORDER = ["added", "removed", "re-typed", "re-pointed"]
PLURALS = {"release": "releases", "component": "components", "dataset": "datasets", "organization": "organizations"}
MODEL_PATHS = ("tools/lineagekb/records/model.py", "tools/lineagekb/model.py")
"""The record model, from the repository root (where it is now, and where it was before the package had subpackages):
the schema is generated from it."""
HUB_LICENSES = Path(__file__).parent / "data" / "hub_licenses.json"
"""The licence ids the Hub knows, with the page they were read from."""
SHA = re.compile(r"[0-9a-f]{40}")
GITHUB_HOSTS = frozenset({"github.com", "www.github.com", "raw.githubusercontent.com", "gist.github.com"})
GITHUB_THREADS = frozenset({"issues", "pull", "discussions"})
"""Issues, pull requests and discussions: fixed by their number (as `check.is_pinned` has it), nothing to pin."""
HUB_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
HUB_PAGES = frozenset({"blog", "docs", "papers", "learn", "posts", "changelog"})
"""Pages of the Hub's own site rather than repositories: they have no commit to pin to."""
HUB_PINNED = re.compile(r"/(?:blob|tree|commit|commits|resolve|raw|blame)/[0-9a-f]{40}(?:/|$)")


@dataclass(frozen=True)
class UnpinnedSource:
    """A source URL added or re-pointed by the change that names no fixed commit, and who cites it."""

    url: str
    reason: str
    cited_by: list[Citation]


@dataclass(frozen=True)
class UnknownLicense:
    """A licence id the change brings into a record that is not in the Hub's list of licence ids."""

    record: str
    path: str
    line: int
    field: str
    id: str


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
    model: ModelChange
    unpinned: list[UnpinnedSource]
    unknown_licenses: list[UnknownLicense]
    hub_licenses: str | None
    """The page the Hub's licence ids were read from; None when the list could not be read (nothing is flagged)."""


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
    schema_path = f"{folder.rstrip('/')}/schema.json"
    model_path, head_model = model_at(top, head)
    changes = model_change(
        (model_path, schema_path),
        (model_at(top, base)[1], head_model),
        (file_at(top, base, schema_path), file_at(top, head, schema_path)),
    )
    known = hub_licenses()
    licence_flags = unknown_licenses(base_knowledge, head_knowledge, diff, known[0]) if known else []
    return Report(
        base,
        head,
        folder,
        len(head_knowledge.records),
        problems,
        diff,
        graphs(base_knowledge, head_knowledge, diff),
        changes,
        unpinned_sources(diff),
        licence_flags,
        known[1] if known else None,
    )


def model_at(top: Path, revision: Revision) -> tuple[str, bytes | None]:
    """Where the record model is at `revision`, and its content (the current path and None when neither is there)."""
    for path in MODEL_PATHS:
        content = file_at(top, revision, path)
        if content is not None:
            return path, content
    return MODEL_PATHS[0], None


def unpinned(url: str) -> str | None:
    """Why a GitHub or Hugging Face URL does not name a fixed commit; None when it does, or is another site's."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    segments = [urllib.parse.unquote(segment) for segment in parts.path.split("/") if segment]
    if host in GITHUB_HOSTS:
        if any(SHA.fullmatch(segment) for segment in segments[2:]) or (host != "raw.githubusercontent.com" and segments[2:3] and segments[2] in GITHUB_THREADS):
            return None
        return "GitHub URL without a 40-hex commit (expected e.g. https://github.com/OWNER/REPO/blob/<sha>/PATH)"
    if host in HUB_HOSTS:
        if (segments[:1] and segments[0] in HUB_PAGES) or HUB_PINNED.search(parts.path):
            return None
        return "Hugging Face URL without a commit (expected /blob/<sha>/PATH, /tree/<sha>, /commit/<sha> or /commits/<sha>)"
    return None


def unpinned_sources(diff: Diff) -> list[UnpinnedSource]:
    """The URLs the change adds or re-points sources to that are not pinned to a commit, each once."""
    found: dict[str, UnpinnedSource] = {}
    for change in diff.sources:
        reason = unpinned(change.new_url) if change.new_url else None
        if change.new_url and reason:
            earlier = found.get(change.new_url)
            cited_by = [*earlier.cited_by, *change.cited_by] if earlier else change.cited_by
            found[change.new_url] = UnpinnedSource(change.new_url, reason, cited_by)
    return list(found.values())


def hub_licenses(path: Path | None = None) -> tuple[frozenset[str], str] | None:
    """The licence ids the Hub knows and the page listing them (from `HUB_LICENSES`); None when the list cannot be read."""
    try:
        data = json.loads((path or HUB_LICENSES).read_text(encoding="utf-8"))
        return frozenset(str(entry["id"]) for entry in data["licenses"]), str(data["source"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def licences(record: model.Record | None) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, id) of a record's current and earlier licence ids."""
    if not isinstance(record, model.Lineage):
        return []
    found: list[tuple[tuple[str | int, ...], str]] = [(("license", "id"), record.license.id)] if record.license and record.license.id else []
    return found + [(("license_history", index, "id"), past.id) for index, past in enumerate(record.license_history) if past.id]


def unknown_licenses(base: KnowledgeBase, head: KnowledgeBase, diff: Diff, known: frozenset[str]) -> list[UnknownLicense]:
    """Licence ids that added, renamed or changed records gain in the change and that the Hub does not know."""
    old_ids = {new: old for old, new in diff.renames.items()}
    found = []
    for record_id in sorted({r.id for r in diff.added} | {c.record.id for c in diff.renamed + diff.changed}):
        before = {licence for _, licence in licences(base.records.get(old_ids.get(record_id, record_id)))}
        for loc, licence in licences(head.records.get(record_id)):
            if licence not in known and licence not in before:
                where = head.problem(record_id, loc, "")
                found.append(UnknownLicense(record_id, where.path, where.line, where.field, licence))
    return found


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
