"""What a change does to the knowledge: records, fields, lineage edges, ancestry and sources, compared as data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..problems import field_path
from ..records import model
from ..records.document import Location
from ..records.lineage import edges
from ..records.load import KnowledgeBase

SYNCED_FIELDS = frozenset({"revision", "last_modified", "size_bytes", "sha256"})
"""Fields `tools/sync_hub.py --write` maintains from the Hub itself: a change to them needs no new source."""
UNCITED_KEYS = frozenset({"source", "quote", "note", "says"})
"""A unit's citation, and text that is the project's own words (`note`) or the quote itself (`says`): not claims."""


@dataclass(frozen=True)
class RecordRef:
    """A record as a reviewer sees it in a list."""

    id: str
    kind: str
    name: str
    path: str


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after; None where it is absent."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class RecordChange:
    """A record present on both sides (`old_id` differs when it was renamed), with its changed fields."""

    record: RecordRef
    old_id: str
    fields: list[FieldChange]


@dataclass(frozen=True)
class EdgeChange:
    """A parent -> child edge added (old None), removed (new None) or re-typed: relations before and after."""

    parent: str
    child: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class AncestryChange:
    """A record whose lineage upstream changed, and the changed edges that did it."""

    record: RecordRef
    lost: list[str]
    gained: list[str]
    through: list[EdgeChange]


@dataclass(frozen=True)
class UnsourcedChange:
    """A value of a fact, parent, training stage, ... that changed while the source it cites and the quote did not."""

    record: str
    path: str
    line: int
    field: str
    old: str | None
    new: str
    source: str


@dataclass(frozen=True)
class Citation:
    """Where a record names a source: the record and the key of the source in its `sources`."""

    record: str
    key: str


@dataclass(frozen=True)
class SourceChange:
    """A source added (old_url None), removed (new_url None) or pointed at another URL, listed once with every
    record and key that made the same change."""

    title: str
    old_url: str | None
    new_url: str | None
    cited_by: list[Citation]


@dataclass(frozen=True)
class AddedFact:
    """One value an added record states, with the source it cites (title and URL None when the key is undefined)."""

    record: str
    field: str
    value: str
    source: str
    title: str | None
    url: str | None
    quote: str | None


@dataclass(frozen=True)
class ConflictClaim:
    """What one source says in a conflict."""

    source: str
    says: str


@dataclass(frozen=True)
class AddedConflict:
    """A `conflicts:` entry present at head and not at base: primary sources that disagree, and which one is followed."""

    record: str
    path: str
    line: int
    field: str
    follows: str
    claims: list[ConflictClaim]
    note: str | None


@dataclass
class Diff:
    """Everything that differs between two knowledge bases, sorted."""

    added: list[RecordRef] = field(default_factory=list)
    removed: list[RecordRef] = field(default_factory=list)
    renamed: list[RecordChange] = field(default_factory=list)
    changed: list[RecordChange] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    edges: list[EdgeChange] = field(default_factory=list)
    ancestry: list[AncestryChange] = field(default_factory=list)
    unsourced: list[UnsourcedChange] = field(default_factory=list)
    sources: list[SourceChange] = field(default_factory=list)
    facts: list[AddedFact] = field(default_factory=list)
    """The sourced values of the added records."""
    conflicts: list[AddedConflict] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    """Old id -> new id of renamed records."""


def ref(knowledge: KnowledgeBase, record_id: str) -> RecordRef:
    record = knowledge.records[record_id]
    return RecordRef(record.id, record.kind, record.name, knowledge.documents[record_id].path)


def compare(base: KnowledgeBase, head: KnowledgeBase) -> Diff:
    """The difference from `base` to `head`; records that did not load at head are neither removed nor compared."""
    renames = find_renames(base, head)
    diff = Diff(renames=renames)
    unreadable = {record_id for record_id in base.records if record_id in head.broken and record_id not in head.records}
    diff.unreadable = sorted(unreadable)
    diff.added = [ref(head, i) for i in sorted(set(head.records) - set(base.records) - set(renames.values()))]
    diff.removed = [ref(base, i) for i in sorted(set(base.records) - set(head.records) - set(renames) - unreadable)]
    pairs = [(i, i) for i in sorted(set(base.records) & set(head.records))] + sorted(renames.items())
    changes: list[tuple[Citation, str, str | None, str | None]] = []
    for old_id, new_id in pairs:
        change = RecordChange(ref(head, new_id), old_id, field_changes(dump(base.records[old_id]), dump(head.records[new_id])))
        if old_id != new_id:
            diff.renamed.append(change)
        elif change.fields:
            diff.changed.append(change)
        diff.unsourced += unsourced_changes(base, head, old_id, new_id)
        changes += source_changes(base.records[old_id].sources, head.records[new_id].sources, new_id)
        diff.conflicts += conflict_additions(dump(base.records[old_id]), head, new_id)
    for added in diff.added:
        changes += source_changes({}, head.records[added.id].sources, added.id)
        diff.facts += added_facts(head.records[added.id])
        diff.conflicts += conflict_additions({}, head, added.id)
    for removed in diff.removed:
        changes += source_changes(base.records[removed.id].sources, {}, removed.id)
    diff.sources = grouped_sources(changes)
    diff.conflicts.sort(key=lambda c: (c.record, c.line))
    diff.edges = [e for e in edge_changes(base, head, renames) if not unreadable & {e.parent, e.child}]
    diff.ancestry = ancestry_changes(base, head, renames, diff.edges)
    return diff


def dump(record: model.Record) -> dict[str, Any]:
    """A record's fields as plain data, without its id and sources (reported on their own)."""
    return record.model_dump(mode="json", exclude={"id", "sources"})


def find_renames(base: KnowledgeBase, head: KnowledgeBase) -> dict[str, str]:
    """Old id -> new id for records removed and added with the same Hub repository or the same content."""
    gone = sorted(set(base.records) - set(head.records))
    new = sorted(set(head.records) - set(base.records))
    renames: dict[str, str] = {}
    for old_id in gone:
        old = base.records[old_id]
        for new_id in new:
            candidate = head.records[new_id]
            if new_id not in renames.values() and candidate.kind == old.kind and same_release(old, candidate):
                renames[old_id] = new_id
                break
    return renames


def same_release(old: model.Record, new: model.Record) -> bool:
    old_hub, new_hub = getattr(old, "hub", None), getattr(new, "hub", None)
    if old_hub and new_hub and old_hub.repo.lower() == new_hub.repo.lower():
        return True
    return dump(old) == dump(new) and old.sources == new.sources


def shown(value: Any) -> str | None:
    """A leaf value as a reviewer reads it; None when absent."""
    if value is None or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(shown(item)) for item in value)
    return str(value)


def is_nested(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(item, dict) for item in value))


def field_changes(old: Any, new: Any, loc: Location = ()) -> list[FieldChange]:
    """Every leaf field that differs, in the order the fields are declared, as `parents[0].id`-style paths."""
    return [FieldChange(field_path(where), before, after) for where, before, after in leaf_changes(old, new, loc)]


def leaf_changes(old: Any, new: Any, loc: Location) -> list[tuple[Location, str | None, str | None]]:
    """(location, before, after) of every leaf that differs between two dumps."""
    if old == new:
        return []
    if isinstance(old, dict) or isinstance(new, dict):
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        keys = list(dict.fromkeys([*new_map, *old_map]))
        return [change for key in keys for change in leaf_changes(old_map.get(key), new_map.get(key), (*loc, key))]
    if is_nested(old) or is_nested(new):
        old_list = old if isinstance(old, list) else []
        new_list = new if isinstance(new, list) else []
        padded = [(old_list[i] if i < len(old_list) else None, new_list[i] if i < len(new_list) else None) for i in range(max(len(old_list), len(new_list)))]
        return [change for index, (before, after) in enumerate(padded) for change in leaf_changes(before, after, (*loc, index))]
    before, after = shown(old), shown(new)
    return [] if before == after else [(loc, before, after)]


def sourced_units(value: Any, loc: Location = ()) -> dict[Location, dict[str, Any]]:
    """Every mapping that cites a `source` (facts, parents, training stages, checkpoints, ...), by location."""
    found: dict[Location, dict[str, Any]] = {}
    if isinstance(value, dict):
        if isinstance(value.get("source"), str):
            found[loc] = value
        for key, item in value.items():
            found.update(sourced_units(item, (*loc, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(sourced_units(item, (*loc, index)))
    return found


def claimed(unit: dict[str, Any]) -> dict[str, Any]:
    """What a sourced unit states, without its citation and the fields synced from the Hub."""
    return {key: value for key, value in unit.items() if key not in UNCITED_KEYS | SYNCED_FIELDS and not (isinstance(value, dict) and "source" in value)}


def unsourced_changes(base: KnowledgeBase, head: KnowledgeBase, old_id: str, new_id: str) -> list[UnsourcedChange]:
    """Sourced values whose claim changed while the source key, its URL and the quote stayed the same."""
    old_record, new_record = base.records[old_id], head.records[new_id]
    old_units, new_units = sourced_units(dump(old_record)), sourced_units(dump(new_record))
    found = []
    for loc, new_unit in new_units.items():
        old_unit = old_units.get(loc)
        if old_unit is None or claimed(old_unit) == claimed(new_unit):
            continue
        key = new_unit["source"]
        old_source, new_source = old_record.sources.get(old_unit["source"]), new_record.sources.get(key)
        same_source = old_unit["source"] == key and old_source is not None and new_source is not None and old_source.url == new_source.url
        if same_source and old_unit.get("quote") == new_unit.get("quote"):
            for where, before, after in leaf_changes(claimed(old_unit), claimed(new_unit), loc):
                if after is None:
                    continue  # a value removed: the record claims less, which needs no source
                problem = head.problem(new_id, where, "")
                found.append(UnsourcedChange(new_id, problem.path, problem.line, problem.field, before, after, key))
    return found


def source_changes(old: dict[str, model.Source], new: dict[str, model.Source], record_id: str) -> list[tuple[Citation, str, str | None, str | None]]:
    """Sources of one record added, removed or re-pointed: (where, title, old URL, new URL)."""
    found = []
    for key in sorted(set(old) | set(new)):
        old_url = old[key].url if key in old else None
        new_url = new[key].url if key in new else None
        if old_url != new_url:
            found.append((Citation(record_id, key), (new.get(key) or old[key]).title, old_url, new_url))
    return found


def grouped_sources(changes: list[tuple[Citation, str, str | None, str | None]]) -> list[SourceChange]:
    """Each change of a source listed once, with every record and key that made it; the title of the first of them."""
    groups: dict[tuple[str | None, str | None], list[tuple[Citation, str]]] = defaultdict(list)
    for citation, title, old_url, new_url in sorted(changes, key=lambda change: (change[0].record, change[0].key)):
        groups[(old_url, new_url)].append((citation, title))
    return [SourceChange(cited[0][1], old_url, new_url, [citation for citation, _ in cited]) for (old_url, new_url), cited in groups.items()]


def added_facts(record: model.Record) -> list[AddedFact]:
    """Every sourced value of a record, a row per leaf, in the order the fields are declared."""
    found = []
    for loc, unit in sourced_units(dump(record)).items():
        claim = claimed(unit)
        stated = claim["value"] if set(claim) == {"value"} else claim
        source = record.sources.get(unit["source"])
        quote = unit.get("quote") if isinstance(unit.get("quote"), str) else None
        for where, _, value in leaf_changes(None, stated, loc):
            if value is not None:
                title, url = (source.title, source.url) if source else (None, None)
                found.append(AddedFact(record.id, field_path(where), value, unit["source"], title, url, quote))
    return found


def conflict_key(entry: Any) -> Any:
    """What identifies a conflict: its field, the claims and the source followed (not the project's note)."""
    return repr({key: value for key, value in entry.items() if key != "note"}) if isinstance(entry, dict) else repr(entry)


def conflict_additions(old: dict[str, Any], head: KnowledgeBase, record_id: str) -> list[AddedConflict]:
    """`conflicts:` entries of a record at head that its dump at base (`old`, empty for an added record) lacks."""
    before = {conflict_key(entry) for entry in old.get("conflicts") or []}
    found = []
    for index, entry in enumerate(dump(head.records[record_id]).get("conflicts") or []):
        if conflict_key(entry) in before:
            continue
        where = head.problem(record_id, ("conflicts", index), "")
        claims = [ConflictClaim(claim["source"], claim["says"]) for claim in entry["claims"]]
        found.append(AddedConflict(record_id, where.path, where.line, entry["field"], entry["follows"], claims, entry.get("note")))
    return found


def edge_map(knowledge: KnowledgeBase, renames: dict[str, str]) -> dict[tuple[str, str], str]:
    """(parent, child) -> relation, with ids renamed to their new names."""
    return {(renames.get(e.parent, e.parent), renames.get(e.child, e.child)): e.relation.value for e in edges(knowledge)}


def edge_changes(base: KnowledgeBase, head: KnowledgeBase, renames: dict[str, str]) -> list[EdgeChange]:
    """Lineage edges added, removed or re-typed."""
    old, new = edge_map(base, renames), edge_map(head, {})
    pairs = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    return [EdgeChange(parent, child, old.get((parent, child)), new.get((parent, child))) for parent, child in pairs]


def upstream(edge_relations: dict[tuple[str, str], str], record_id: str) -> set[tuple[str, str, str]]:
    """Every edge above a record: its lineage as (parent, child, relation)."""
    parents: dict[str, list[str]] = defaultdict(list)
    for parent, child in edge_relations:
        parents[child].append(parent)
    seen: set[tuple[str, str, str]] = set()
    stack = [record_id]
    while stack:
        child = stack.pop()
        for parent in parents[child]:
            edge = (parent, child, edge_relations[(parent, child)])
            if edge not in seen:
                seen.add(edge)
                stack.append(parent)
    return seen


def ancestry_changes(base: KnowledgeBase, head: KnowledgeBase, renames: dict[str, str], changed_edges: list[EdgeChange]) -> list[AncestryChange]:
    """Records on both sides whose upstream lineage differs: lost and gained ancestors, and the changed edges above them."""
    old, new = edge_map(base, renames), edge_map(head, {})
    kept = sorted({renames.get(i, i) for i in base.records} & set(head.records))
    found = []
    for record_id in kept:
        before, after = upstream(old, record_id), upstream(new, record_id)
        if before == after:
            continue
        old_ancestors, new_ancestors = {e[0] for e in before}, {e[0] for e in after}
        touched = {(e[0], e[1]) for e in before ^ after}
        through = [edge for edge in changed_edges if (edge.parent, edge.child) in touched]
        found.append(AncestryChange(ref(head, record_id), sorted(old_ancestors - new_ancestors), sorted(new_ancestors - old_ancestors), through))
    return found
