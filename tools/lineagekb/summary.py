"""Summarised views of big graphs: leaves folded into a count, long linear chains folded into one edge."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lineage import Graph

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
    return summary


def _children_within(graph: Graph, record_id: str, ids: set[str]) -> list[str]:
    return [edge.child for edge in graph.children.get(record_id, []) if edge.child in ids]


def _parents_within(graph: Graph, record_id: str, ids: set[str]) -> list[str]:
    return [edge.parent for edge in graph.parents.get(record_id, []) if edge.parent in ids]


def _fold_leaves(graph: Graph, summary: Summary, keep: set[str]) -> None:
    ids = set(summary.shown)
    for record_id in sorted(ids):
        leaves = [
            child for child in _children_within(graph, record_id, ids)
            if child not in keep and not _children_within(graph, child, ids) and len(_parents_within(graph, child, ids)) == 1
        ]
        if len(leaves) >= MIN_FOLDED:
            summary.shown -= set(leaves)
            summary.folded_leaves[record_id] = len(leaves)


def _fold_chains(graph: Graph, summary: Summary, keep: set[str]) -> None:
    shown = summary.shown

    def inner(record_id: str) -> bool:
        return (
            record_id not in keep and record_id not in summary.folded_leaves
            and len(_parents_within(graph, record_id, shown)) == 1 and len(_children_within(graph, record_id, shown)) == 1
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
