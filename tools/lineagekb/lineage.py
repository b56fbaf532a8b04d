"""Questions about the lineage graph: children, ancestors, and how many steps stand behind a checkpoint."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from . import model
from .load import KnowledgeBase


@dataclass(frozen=True)
class Edge:
    """A parent -> child edge of the lineage graph."""

    parent: str
    child: str
    relation: model.Relation


def edges(knowledge: KnowledgeBase) -> list[Edge]:
    """Every edge between records that exist, sorted."""
    found = [
        Edge(parent.id, record.id, parent.relation)
        for record in knowledge.records.values()
        if isinstance(record, model.Lineage)
        for parent in record.parents
        if parent.id in knowledge.records
    ]
    return sorted(found, key=lambda e: (e.parent, e.child, e.relation.value))


def children(knowledge: KnowledgeBase) -> dict[str, list[Edge]]:
    """Edges by parent id."""
    found: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges(knowledge):
        found[edge.parent].append(edge)
    return found


def ancestors(knowledge: KnowledgeBase, record_id: str) -> set[str]:
    """Every record `record_id` descends from, through any relation."""
    seen: set[str] = set()
    stack = [record_id]
    while stack:
        record = knowledge.records.get(stack.pop())
        for parent in record.parents if isinstance(record, model.Lineage) else []:
            if parent.id not in seen and parent.id in knowledge.records:
                seen.add(parent.id)
                stack.append(parent.id)
    seen.discard(record_id)
    return seen


def descendants(knowledge: KnowledgeBase, record_id: str) -> set[str]:
    """Every record that descends from `record_id`, through any relation."""
    by_parent = children(knowledge)
    seen: set[str] = set()
    stack = [record_id]
    while stack:
        for edge in by_parent.get(stack.pop(), []):
            if edge.child not in seen:
                seen.add(edge.child)
                stack.append(edge.child)
    seen.discard(record_id)
    return seen


def weight_chain(knowledge: KnowledgeBase, record_id: str) -> list[model.Lineage] | None:
    """The records whose training a checkpoint's weights went through, from scratch to it.

    None when that is not a single line: a merge, an unknown parent, or a start that is not from scratch.
    """
    chain: list[model.Lineage] = []
    current = knowledge.records.get(record_id)
    while isinstance(current, model.Lineage) and current.id not in {r.id for r in chain}:
        chain.append(current)
        weight_parents = [p for p in current.parents if p.relation in model.WEIGHT_RELATIONS]
        if current.from_scratch:
            return chain[::-1]
        if current.from_scratch is None or len(weight_parents) != 1:
            return None
        current = knowledge.records.get(weight_parents[0].id)
    return None


@dataclass(frozen=True)
class StageRow:
    """A training stage placed in the history of a checkpoint."""

    record: model.Lineage
    stage: model.TrainingStage
    cumulative_steps: int | None


def training_history(knowledge: KnowledgeBase, record_id: str) -> list[StageRow]:
    """Every training stage behind a checkpoint, from scratch, with cumulative steps (None once a count is unknown)."""
    chain = weight_chain(knowledge, record_id) or []
    rows = []
    total: int | None = 0
    for record in chain:
        for stage in record.training:
            total = None if total is None or stage.steps is None else total + stage.steps
            rows.append(StageRow(record, stage, total))
    return rows


def steps_from_scratch(knowledge: KnowledgeBase, record_id: str) -> int | None:
    """Total optimisation steps behind a checkpoint, or None when any stage's count is unknown."""
    history = training_history(knowledge, record_id)
    if not history or weight_chain(knowledge, record_id) is None:
        return None
    if any(not record.training for record in weight_chain(knowledge, record_id) or []):
        return None
    return history[-1].cumulative_steps
