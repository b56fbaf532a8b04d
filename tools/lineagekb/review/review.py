"""A pull-request review of the records: validation at head, the diff from base, graphs, as Markdown or JSON data."""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ..problems import Problem
from ..records import model
from ..records.load import KnowledgeBase
from ..validate import validate_files
from ..website.graph import PREDICTION_COLOURS, RELATION_STYLES, quote
from .diff import Citation, Diff, compare, edge_map
from .model_change import ModelChange, model_change
from .revision import Revision, file_at, files_at, merge_base, resolve

MARKS = {
    "added": ("#bbf7d0", "#16a34a"),
    "removed": ("#fecaca", "#dc2626"),
    "changed": ("#fde68a", "#d97706"),
    "ancestry": ("#dbeafe", "#2563eb"),
}
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
