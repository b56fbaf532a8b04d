"""Lineage graphs as deterministic DOT text, and their rendering to SVG by Graphviz's `dot`."""

from __future__ import annotations

import re
import subprocess

from . import model
from .lineage import ancestors, descendants, edges
from .load import KnowledgeBase

RELATION_STYLES: dict[model.Relation, str] = {
    model.Relation.finetune: 'style=solid, penwidth=1.6',
    model.Relation.distill: 'style=dashed, penwidth=1.6',
    model.Relation.merge: 'style=bold',
    model.Relation.adapter: 'style=dotted, penwidth=1.6',
    model.Relation.quantized: 'style=dashed, arrowhead=empty',
    model.Relation.successor: 'style=dotted, arrowhead=odot',
}
PREDICTION_COLOURS: dict[str | None, str] = {
    model.PredictionType.epsilon.value: "#3b82f6",
    model.PredictionType.v_prediction.value: "#f59e0b",
    model.PredictionType.flow.value: "#10b981",
    None: "#9ca3af",
}
RENDER_TIMEOUT = 60


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
    attributes = [
        f"label={label(record.name)}",
        f"URL={quote(url)}",
        'target="_top"',
        f"tooltip={quote(tooltip(record))}",
        f"id={quote('node-' + record.id)}",
        f"color={quote(colour)}",
    ]
    if highlighted:
        attributes.append('fillcolor="#fde68a"')
    return f"  {quote(record.id)} [{', '.join(attributes)}];"


def dot(knowledge: KnowledgeBase, ids: set[str], url_prefix: str, title: str, highlight: str | None = None) -> str:
    """The DOT text of the lineage graph restricted to `ids`; nodes link to `url_prefix<folder>/<id>/`."""
    from .pages import folder

    lines = [
        f"digraph {quote(title)} {{",
        '  graph [rankdir=LR, bgcolor="transparent", fontname="Helvetica", nodesep=0.25, ranksep=0.5];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11, penwidth=2];',
        '  edge [color="#6b7280", arrowsize=0.7, fontname="Helvetica", fontsize=9];',
    ]
    for record_id in sorted(ids):
        record = knowledge.records[record_id]
        if isinstance(record, model.Lineage):
            lines.append(node_line(record, f"{url_prefix}{folder(record)}/{record_id}/", record_id == highlight))
    for edge in edges(knowledge):
        if edge.parent in ids and edge.child in ids:
            style = f"{RELATION_STYLES[edge.relation]}, tooltip={quote(edge.relation.value)}"
            lines.append(f"  {quote(edge.parent)} -> {quote(edge.child)} [{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def family_dot(knowledge: KnowledgeBase, url_prefix: str) -> str:
    """Every release and its edges."""
    return dot(knowledge, {r.id for r in knowledge.releases}, url_prefix, "family")


def neighbourhood_dot(knowledge: KnowledgeBase, record_id: str, url_prefix: str) -> str:
    """A record with its ancestors and descendants."""
    ids = {record_id} | ancestors(knowledge, record_id) | descendants(knowledge, record_id)
    return dot(knowledge, ids, url_prefix, record_id, highlight=record_id)


def graphs(knowledge: KnowledgeBase) -> dict[str, str]:
    """DOT text of every graph the site shows, by the key its page's placeholder names."""
    found = {"home": family_dot(knowledge, ""), "family": family_dot(knowledge, "../")}
    for record in knowledge.of_kind(model.Lineage):
        found[record.id] = neighbourhood_dot(knowledge, record.id, "../../")
    return found


def render_svg(dot_text: str) -> str:
    """SVG markup for inlining in a page (no XML prolog or doctype)."""
    result = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=RENDER_TIMEOUT, check=True)
    return re.sub(r"^.*?(?=<svg)", "", result.stdout, flags=re.DOTALL)


PLACEHOLDER = re.compile(r'<div class="lineage-graph" data-search-exclude data-graph="([^"]+)"></div>')


def inline_graphs(text: str, dots: dict[str, str]) -> str:
    """Replace each graph placeholder (see `markdown.graph_placeholder`) by its rendered SVG."""
    def svg(match: re.Match[str]) -> str:
        dot_text = dots.get(match.group(1))
        return f'<div class="lineage-graph" data-search-exclude>{render_svg(dot_text)}</div>' if dot_text else ""

    return PLACEHOLDER.sub(svg, text)
