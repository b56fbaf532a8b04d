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


class Graph:
    """The lineage graph of a knowledge base, indexed once so that page generation stays linear in its size."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.edges = edges(knowledge)
        self.children: dict[str, list[Edge]] = defaultdict(list)
        self.parents: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            self.children[edge.parent].append(edge)
            self.parents[edge.child].append(edge)

    def _reach(self, record_id: str, step: dict[str, list[Edge]], forward: bool) -> set[str]:
        seen: set[str] = set()
        stack = [record_id]
        while stack:
            for edge in step.get(stack.pop(), []):
                found = edge.child if forward else edge.parent
                if found not in seen:
                    seen.add(found)
                    stack.append(found)
        seen.discard(record_id)
        return seen

    def ancestors(self, record_id: str) -> set[str]:
        """Every record `record_id` descends from, through any relation."""
        return self._reach(record_id, self.parents, forward=False)

    def descendants(self, record_id: str) -> set[str]:
        """Every record that descends from `record_id`, through any relation."""
        return self._reach(record_id, self.children, forward=True)

    def near_descendants(self, record_id: str, budget: int) -> tuple[set[str], int]:
        """Descendants level by level while they fit in `budget`, and how many further descendants are left out."""
        shown: set[str] = set()
        frontier = [record_id]
        while frontier:
            level = sorted({e.child for node in frontier for e in self.children.get(node, [])} - shown - {record_id})
            if len(shown) + len(level) > budget:
                return shown, len(self.descendants(record_id)) - len(shown)
            shown.update(level)
            frontier = level
        return shown, 0


def release_families(graph: Graph) -> dict[str, list[str]]:
    """Release ids grouped by their `family`, in the vocabulary's order, each sorted by release date then id."""
    grouped: dict[str, list[str]] = {}
    for release in graph.knowledge.releases:
        grouped.setdefault(release.family.value, []).append(release.id)
    return {family.value: sorted(grouped[family.value], key=lambda m: (_date(graph.knowledge, m), m)) for family in model.Family if family.value in grouped}


def _date(knowledge: KnowledgeBase, record_id: str) -> str:
    record = knowledge.records[record_id]
    return record.released.value if isinstance(record, model.Lineage) and record.released else "9999"


@dataclass(frozen=True)
class StageRow:
    """A training stage placed in the history of a checkpoint."""

    record: model.Lineage
    stage: model.TrainingStage
    cumulative_steps: int | None


class Histories:
    """The training history behind every checkpoint, each built on its weight parent's, so that a knowledge base with
    chains thousands deep costs time in proportion to its records, not to records × depth."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self._rows: dict[str, list[StageRow] | None] = {}
        self._complete: dict[str, bool] = {}

    def rows(self, record_id: str) -> list[StageRow] | None:
        """Every stage from scratch to `record_id`, or None when that is not one line of weights from scratch."""
        pending: list[model.Lineage] = []
        base: list[StageRow] | None = None
        complete = True
        current = record_id
        while True:
            if current in self._rows:
                base, complete = self._rows[current], self._complete[current]
                break
            record = self.knowledge.records.get(current)
            if not isinstance(record, model.Lineage) or any(r.id == current for r in pending[-1:]):
                break
            pending.append(record)
            weight_parents = [p for p in record.parents if p.relation in model.INITIALISING_RELATIONS]
            if record.from_scratch:
                base = []
                break
            if record.from_scratch is None or len(weight_parents) != 1 or len(pending) > len(self.knowledge.records):
                break
            current = weight_parents[0].id
        for record in reversed(pending):
            if base is not None:
                total = base[-1].cumulative_steps if base else 0
                own = []
                for stage in record.training:
                    total = None if total is None or stage.steps is None else total + stage.steps
                    own.append(StageRow(record, stage, total))
                base = base + own
                complete = complete and bool(record.training)
            self._rows[record.id], self._complete[record.id] = base, complete
        return self._rows.get(record_id, base)

    def steps_from_scratch(self, record_id: str) -> int | None:
        """Total optimisation steps behind a checkpoint, or None when any stage's count is unknown."""
        rows = self.rows(record_id)
        return rows[-1].cumulative_steps if rows and self._complete[record_id] else None


def steps_from_scratch(knowledge: KnowledgeBase, record_id: str) -> int | None:
    """Total optimisation steps behind a checkpoint, or None when any stage's count is unknown."""
    return Histories(knowledge).steps_from_scratch(record_id)
