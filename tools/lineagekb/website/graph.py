"""Lineage graphs as deterministic DOT text, and their rendering to SVG by Graphviz's `dot`."""

from __future__ import annotations

import html
import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..records import model
from ..records.lineage import Graph, release_families
from ..records.load import KnowledgeBase
from .markdown import folder
from .summary import GRAPH_LIMIT, summarise

RELATION_STYLES: dict[model.Relation, str] = {
    model.Relation.finetune: "style=solid, penwidth=1.6",
    model.Relation.distill: "style=dashed, penwidth=1.6",
    model.Relation.merge: "style=bold",
    model.Relation.adapter: "style=dotted, penwidth=1.6",
    model.Relation.quantized: "style=dashed, arrowhead=empty",
    model.Relation.successor: "style=dotted, arrowhead=odot",
    model.Relation.refines: 'style=dashed, color="#8b5cf6", arrowhead=vee',
    model.Relation.decodes: 'style=solid, color="#8b5cf6", arrowhead=diamond',
}
RELATION_LOOKS: dict[model.Relation, str] = {
    model.Relation.finetune: "solid arrow",
    model.Relation.distill: "dashed arrow",
    model.Relation.merge: "bold arrow",
    model.Relation.adapter: "dotted arrow",
    model.Relation.quantized: "dashed arrow with a hollow head",
    model.Relation.successor: "dotted arrow ending in a circle",
    model.Relation.refines: "dashed violet arrow",
    model.Relation.decodes: "violet arrow ending in a diamond",
}
"""How each edge style reads in words, for the legend under every graph."""


def legend(opened: bool = False) -> str:
    """The key to every graph: each relation's edge style and meaning, node borders and summaries, as an HTML block
    kept out of the search index (it is on every page and nobody searches for it)."""
    rows = "".join(
        f"<tr><td><code>{relation.value}</code></td><td>{RELATION_LOOKS[relation]}</td><td>{html.escape(relation.doc)}</td></tr>" for relation in model.Relation
    )
    return (
        f'<details class="note"{" open" if opened else ""} data-search-exclude><summary>How to read the graph</summary>'
        f"<table><thead><tr><th>edge</th><th>looks like</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table>"
        "<p>Node border: blue = epsilon, amber = v-prediction, green = flow, grey = not stated. A dashed node has no public "
        'weights. Click a node to open its page. Big graphs are summarised: "+N more" stands for childless releases, '
        'a dashed "N releases" edge for a chain.</p></details>'
    )


PREDICTION_COLOURS: dict[str | None, str] = {
    model.PredictionType.epsilon.value: "#3b82f6",
    model.PredictionType.v_prediction.value: "#f59e0b",
    model.PredictionType.flow.value: "#10b981",
    None: "#9ca3af",
}
RENDER_TIMEOUT = 60
SERVE_CACHE: dict[str, str] = {}
"""DOT text -> SVG kept by `mkdocs serve` between rebuilds (it re-imports its hooks each time, so the memo lives here):
an edit then re-lays out only the graphs it changes. A one-off build does not keep it, to bound its memory."""


def quote(text: str) -> str:
    """A DOT double-quoted string; backslashes are doubled so dot's escapes (\\N, \\l) cannot be injected."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def label(name: str) -> str:
    """A node label, broken before a parenthesised qualifier so long names stay narrow."""
    head, _, rest = name.partition(" (")
    lines = [head, f"({rest}"] if rest else [head]
    return '"' + "\\n".join(quote(line)[1:-1] for line in lines) + '"'


def tooltip(record: model.Lineage) -> str:
    """The key facts shown when hovering a node."""
    facts = [record.name]
    if record.released:
        facts.append(f"released {record.released.value}")
    if isinstance(record, model.Release):
        if record.prediction_type:
            facts.append(f"predicts {record.prediction_type.value.value}")
        if record.resolution:
            facts.append(f"{record.resolution.value} px")
    return " | ".join(facts)


def node_line(record: model.Lineage, url: str, highlighted: bool) -> str:
    prediction = record.prediction_type.value.value if isinstance(record, model.Release) and record.prediction_type else None
    colour = PREDICTION_COLOURS[prediction]
    api_only = isinstance(record, model.Release) and record.availability and record.availability.value is model.Availability.api_only
    attributes = [
        f"label={label(record.name + (' (API only, no public weights)' if api_only else ''))}",
        f"URL={quote(url)}",
        'target="_top"',
        f"tooltip={quote(tooltip(record))}",
        f"id={quote('node-' + record.id)}",
        f"color={quote(colour)}",
    ]
    if api_only:
        attributes.append('style="rounded,dashed,filled"')
    if highlighted:
        attributes.append('fillcolor="#fde68a"')
    return f"  {quote(record.id)} [{', '.join(attributes)}];"


HEADER = [
    '  graph [rankdir=LR, bgcolor="transparent", fontname="Helvetica", nodesep=0.25, ranksep=0.5];',
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11, penwidth=2];',
    '  edge [color="#6b7280", arrowsize=0.7, fontname="Helvetica", fontsize=9];',
]
FOLDED_STYLE = 'shape=box, style="rounded,dashed", color="#9ca3af", fontcolor="#6b7280"'


def dot(lineage: Graph, ids: set[str], url_prefix: str, title: str, highlight: str | None = None, left_out: int = 0) -> str:
    """The DOT text of the lineage graph restricted to `ids` (summarised when big); nodes link to their pages.

    `left_out` descendants of `highlight` that `ids` does not hold are drawn as one "+N more" node under it.
    """
    knowledge = lineage.knowledge
    summary = summarise(lineage, ids, keep={highlight} if highlight else set())
    if highlight and left_out:
        summary.folded_leaves[highlight] = summary.folded_leaves.get(highlight, 0) + left_out
    shown = summary.shown
    lines = [f"digraph {quote(title)} {{", *HEADER]
    for record_id in sorted(shown):
        record = knowledge.records[record_id]
        if isinstance(record, model.Lineage):
            lines.append(node_line(record, f"{url_prefix}{folder(record)}/{record_id}/", record_id == highlight))
    for edge in sorted((e for i in shown for e in lineage.children.get(i, [])), key=lambda e: (e.parent, e.child, e.relation.value)):
        if edge.child in shown:
            style = f"{RELATION_STYLES[edge.relation]}, tooltip={quote(edge.relation.value)}"
            lines.append(f"  {quote(edge.parent)} -> {quote(edge.child)} [{style}];")
    for anchor, count in sorted(summary.folded_leaves.items()):
        url = f"{url_prefix}{folder(knowledge.records[anchor])}/{anchor}/"
        folded = quote(f"{anchor} +leaves")
        lines.append(f'  {folded} [label={quote(f"+{count} more")}, URL={quote(url)}, target="_top", {FOLDED_STYLE}];')
        lines.append(f"  {quote(anchor)} -> {folded} [style=dashed];")
    for before, after, count in sorted(summary.folded_chains):
        lines.append(f"  {quote(before)} -> {quote(after)} [style=dashed, label={quote(f'{count} releases')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def families_dot(knowledge: KnowledgeBase, families: dict[str, list[str]], url_prefix: str, columns: int = 8) -> str:
    """One node per family, laid out in a grid, each linking to its family page: the overview of a big knowledge base."""
    lines = ['digraph "families" {', *HEADER]
    roots = list(families)
    for root in roots:
        label = quote(f"{model.Family(root).heading} ({len(families[root])} releases)")
        lines.append(f'  {quote(root)} [label={label}, URL={quote(f"{url_prefix}families/{root}/")}, target="_top"];')
    lines += [f"  {quote(roots[i])} -> {quote(roots[i + columns])} [style=invis];" for i in range(len(roots) - columns)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def family_dot(knowledge: KnowledgeBase, url_prefix: str, lineage: Graph | None = None) -> str:
    """Every release and its edges."""
    return dot(lineage or Graph(knowledge), {r.id for r in knowledge.releases}, url_prefix, "family")


def neighbourhood_dot(lineage: Graph, record_id: str, url_prefix: str) -> str:
    """A record with its ancestors and descendants."""
    near, left_out = lineage.near_descendants(record_id, GRAPH_LIMIT)
    ids = {record_id} | lineage.ancestors(record_id) | near
    return dot(lineage, ids, url_prefix, record_id, highlight=record_id, left_out=left_out)


SMALL_SITE = 200
"""Up to this many releases, the home and release index pages show every release in one graph."""


def graphs(knowledge: KnowledgeBase) -> dict[str, str]:
    """DOT text of every graph the site shows, by the key its page's placeholder names."""
    lineage = Graph(knowledge)
    families = release_families(lineage)
    if len(knowledge.releases) <= SMALL_SITE:
        found = {"family": family_dot(knowledge, "../", lineage)}
    else:
        found = {"family": families_dot(knowledge, families, "../")}
    for root, members in families.items():
        found[f"family-{root}"] = dot(lineage, set(members), "../../", root)
    for record in knowledge.of_kind(model.Lineage):
        found[record.id] = neighbourhood_dot(lineage, record.id, "../../")
    return found


def render_svg(dot_text: str) -> str:
    """SVG markup for inlining in a page (no XML prolog or doctype)."""
    return render_many({"graph": dot_text}, {})["graph"]


_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)


def _render_batch(texts: list[str]) -> list[str]:
    """One `dot` process lays out many graphs: starting a process per graph would dominate the build."""
    result = subprocess.run(["dot", "-Tsvg"], input="".join(texts), capture_output=True, text=True, timeout=RENDER_TIMEOUT * len(texts), check=True)
    svgs = [_COMMENT.sub("", re.sub(r"^.*?(?=<svg)", "", part, flags=re.DOTALL)) for part in result.stdout.split("<?xml")[1:]]
    if len(svgs) != len(texts):
        raise RuntimeError(f"dot rendered {len(svgs)} of {len(texts)} graphs")
    return svgs


def render_many(dots: dict[str, str], cache: dict[str, str]) -> dict[str, str]:
    """SVG of every graph by key; `cache` maps DOT text to SVG across calls, so an unchanged graph is not laid out again."""
    missing = sorted({text for text in dots.values() if text not in cache})
    if missing:
        workers = max(1, min(os.cpu_count() or 1, len(missing) // 20 + 1))
        batches = [missing[i::workers] for i in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            for batch, svgs in zip(batches, pool.map(_render_batch, batches), strict=True):
                cache.update(zip(batch, svgs, strict=True))
    return {key: cache[text] for key, text in dots.items()}


PLACEHOLDER = re.compile(r'<div class="lineage-graph" data-search-exclude data-graph="([^"]+)"></div>')


def inline_graphs(text: str, svg_of: Callable[[str], str | None]) -> str:
    """Replace each graph placeholder (see `markdown.graph_placeholder`) by the SVG `svg_of` gives for its key."""

    def svg(match: re.Match[str]) -> str:
        rendered = svg_of(match.group(1))
        return f'<div class="lineage-graph" data-search-exclude>{rendered}</div>' if rendered else ""

    return PLACEHOLDER.sub(svg, text)
