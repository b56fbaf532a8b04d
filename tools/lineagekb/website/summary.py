"""Summarised views of big graphs: leaves folded into a count, long linear chains folded into one edge."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..records.lineage import Graph

GRAPH_LIMIT = 60
"""Graphs with more nodes than this are summarised: past it a layout is slow and unreadable."""
MIN_FOLDED = 3


@dataclass
class Summary:
    """What a graph shows of a set of records."""

    shown: set[str]
    folded_leaves: dict[str, int] = field(default_factory=dict)
    """Per shown record, how many of its childless children are folded into one "+N" node."""
    folded_chains: list[tuple[str, str, int]] = field(default_factory=list)
    """(first, last, hidden): a run of `hidden` single-parent single-child records folded between two shown ones."""


def summarise(graph: Graph, ids: set[str], keep: set[str], limit: int = GRAPH_LIMIT) -> Summary:
    """Everything when `ids` is small; otherwise fold leaves, then chains, never folding a record of `keep`."""
    summary = Summary(set(ids))
    if len(ids) <= limit:
        return summary
    _fold_leaves(graph, summary, keep)
    if len(summary.shown) > limit:
        _fold_chains(graph, summary, keep)
    if len(summary.shown) > limit:
        _fold_into_hubs(graph, summary, keep, limit)
    return summary


def _children_within(graph: Graph, record_id: str, ids: set[str]) -> list[str]:
    return [edge.child for edge in graph.children.get(record_id, []) if edge.child in ids]


def _parents_within(graph: Graph, record_id: str, ids: set[str]) -> list[str]:
    return [edge.parent for edge in graph.parents.get(record_id, []) if edge.parent in ids]


def _fold_leaves(graph: Graph, summary: Summary, keep: set[str]) -> None:
    ids = set(summary.shown)
    for record_id in sorted(ids):
        leaves = [
            child
            for child in _children_within(graph, record_id, ids)
            if child not in keep and not _children_within(graph, child, ids) and len(_parents_within(graph, child, ids)) == 1
        ]
        if len(leaves) >= MIN_FOLDED:
            summary.shown -= set(leaves)
            summary.folded_leaves[record_id] = len(leaves)


def _fold_chains(graph: Graph, summary: Summary, keep: set[str]) -> None:
    shown = summary.shown

    def inner(record_id: str) -> bool:
        return (
            record_id not in keep
            and record_id not in summary.folded_leaves
            and len(_parents_within(graph, record_id, shown)) == 1
            and len(_children_within(graph, record_id, shown)) == 1
        )

    runs = []
    for start in sorted(shown):
        if not inner(start) or inner(_parents_within(graph, start, shown)[0]):
            continue
        run = [start]
        while inner(_children_within(graph, run[-1], shown)[0]) and len(run) <= len(shown):
            run.append(_children_within(graph, run[-1], shown)[0])
        if len(run) >= MIN_FOLDED:
            runs.append(run)
    for run in runs:
        before = _parents_within(graph, run[0], shown)[0]
        after = _children_within(graph, run[-1], shown)[0]
        summary.folded_chains.append((before, after, len(run)))
    for run in runs:
        shown.difference_update(run)


def _fold_into_hubs(graph: Graph, summary: Summary, keep: set[str], limit: int) -> None:
    """Still too big: keep the records with the most descendants (and `keep`), fold every other one into a count on
    its nearest kept ancestor. Bounds the drawing at about `limit` records whatever the family's shape."""
    shown = summary.shown
    sizes = _subtree_sizes(graph, shown)
    kept = set(sorted(shown, key=lambda r: (-sizes[r], r))[: max(1, limit // 2 - len(keep))]) | (keep & shown)
    folded = dict(summary.folded_leaves)
    summary.folded_leaves = {}
    for record_id in sorted(shown):
        hidden = folded.get(record_id, 0) + (0 if record_id in kept else 1)
        anchor = record_id if record_id in kept else _nearest_kept_ancestor(graph, record_id, shown, kept)
        if anchor is not None and hidden:
            summary.folded_leaves[anchor] = summary.folded_leaves.get(anchor, 0) + hidden
    summary.folded_chains = [chain for chain in summary.folded_chains if chain[0] in kept and chain[1] in kept]
    summary.shown = kept


def _subtree_sizes(graph: Graph, shown: set[str]) -> dict[str, int]:
    """1 + the sizes of a record's children, children first (iteratively: chains can be thousands deep)."""
    waiting = {record_id: len(_children_within(graph, record_id, shown)) for record_id in shown}
    ready = sorted(record_id for record_id, count in waiting.items() if count == 0)
    sizes: dict[str, int] = {}
    while ready:
        record_id = ready.pop()
        sizes[record_id] = 1 + sum(sizes[child] for child in _children_within(graph, record_id, shown))
        for parent in _parents_within(graph, record_id, shown):
            waiting[parent] -= 1
            if waiting[parent] == 0:
                ready.append(parent)
    return sizes


def _nearest_kept_ancestor(graph: Graph, record_id: str, shown: set[str], kept: set[str]) -> str | None:
    current, seen = record_id, set()
    while current not in kept and current not in seen:
        seen.add(current)
        parents = _parents_within(graph, current, shown)
        if not parents:
            return None
        current = parents[0]
    return current if current in kept else None
