"""Checks across records: references, uniqueness, cycles, dates and sources."""

from __future__ import annotations

import difflib
import functools
import re
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ..problems import Problem
from . import model
from .document import Location
from .load import KnowledgeBase

SOURCE_FIELDS = ("source", "follows", "naming", "fingerprint_source")


def check(knowledge: KnowledgeBase) -> list[Problem]:
    """Every problem across records, sorted by file and line."""
    problems: list[Problem] = []
    for checker in (
        check_references,
        check_hub_repos,
        check_cycles,
        check_dates,
        check_sources,
        check_from_scratch,
        check_parents,
        check_availability,
        check_checkpoint_places,
    ):
        problems += checker(knowledge)
    return sorted(problems)


def references(record: model.Record) -> Iterator[tuple[Location, str, type[model.Record], str | None]]:
    """Every id a record points at: (where, id, expected class, expected component role)."""
    if isinstance(record, (model.Lineage, model.Dataset)) and record.organization:
        yield ("organization", "value"), record.organization.value, model.Organization, None
    if isinstance(record, model.Dataset) and record.subset_of:
        yield ("subset_of", "value"), record.subset_of.value, model.Dataset, None
    if isinstance(record, model.Lineage):
        for index, parent in enumerate(record.parents):
            yield ("parents", index, "id"), parent.id, type(record), None
        for index, item in enumerate(record.checkpoints):
            if item.fingerprint:
                yield ("checkpoints", index, "fingerprint"), item.fingerprint, model.Fingerprint, None
        for index, stage in enumerate(record.training):
            if stage.dataset:
                yield ("training", index, "dataset"), stage.dataset, model.Dataset, None
            for mixed_index, mixed in enumerate(stage.mixed_with):
                yield ("training", index, "mixed_with", mixed_index), mixed, model.Dataset, None
    if isinstance(record, model.Release):
        for index, encoder in enumerate(record.text_encoders):
            yield ("text_encoders", index, "id"), encoder.id, model.Component, model.ComponentKind.text_encoder
        for index, conditioning in enumerate(record.conditioning_models):
            yield ("conditioning_models", index, "value"), conditioning.value, model.Component, None
        if record.image_encoder:
            yield ("image_encoder", "value"), record.image_encoder.value, model.Component, model.ComponentKind.image_encoder
        if record.autoencoder:
            yield ("autoencoder", "value"), record.autoencoder.value, model.Component, model.ComponentKind.autoencoder


def check_references(knowledge: KnowledgeBase) -> list[Problem]:
    """References must name an existing record of the right kind."""
    problems = []
    for record_id, record in knowledge.records.items():
        for loc, target_id, expected, role in references(record):
            target = knowledge.records.get(target_id)
            kind = typing.get_args(expected.model_fields["kind"].annotation)[0]
            if target is None and target_id in knowledge.broken:
                continue
            if target is None:
                candidates = [r.id for r in knowledge.records.values() if isinstance(r, expected)]
                close = difflib.get_close_matches(target_id, candidates, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"expected the id of {article(kind)} record"
                problems.append(knowledge.problem(record_id, loc, f"unknown {kind} {target_id!r} ({hint})"))
            elif not isinstance(target, expected):
                problems.append(knowledge.problem(record_id, loc, f"{target_id!r} is {article(target.kind)} (expected the id of {article(kind)} record)"))
            elif role and isinstance(target, model.Component) and target.role != role:
                problems.append(knowledge.problem(record_id, loc, f"{target_id!r} is {article(target.role)} (expected {article(role)})"))
    return problems


def article(noun: str) -> str:
    """`noun` with its indefinite article."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def check_hub_repos(knowledge: KnowledgeBase) -> list[Problem]:
    """A Hub repository belongs to one record (its own repo or a mirror)."""
    owners: dict[str, tuple[str, Location]] = {}
    problems = []
    for record_id, record in sorted(knowledge.records.items()):
        hub = getattr(record, "hub", None)
        if hub is None:
            continue
        repos = [(("hub", "repo"), hub.repo)] + [(("hub", "mirrors", i), mirror) for i, mirror in enumerate(hub.mirrors)]
        for loc, repo in repos:
            key = repo.lower()
            if key in owners:
                other_id, _ = owners[key]
                other = knowledge.documents[other_id].path
                where = "earlier in this record" if other_id == record_id else f"also in {other}"
                problems.append(knowledge.problem(record_id, loc, f"duplicate Hub repo {repo!r} ({where}; a repo belongs to one record)"))
            else:
                owners[key] = (record_id, loc)
    return problems


def check_cycles(knowledge: KnowledgeBase) -> list[Problem]:
    """The parent graph has no cycles."""
    parents = {r.id: [p.id for p in r.parents] for r in knowledge.records.values() if isinstance(r, model.Lineage)}
    state: dict[str, int] = {}
    problems = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for index, parent in enumerate(parents.get(node, [])):
            if state.get(parent) == 1:
                cycle = " -> ".join([*trail[trail.index(parent) :], node, parent]) if parent in trail else f"{node} -> {parent}"
                problems.append(knowledge.problem(node, ("parents", index, "id"), f"cycle in the lineage: {cycle} (a record cannot descend from itself)"))
            elif parent in parents and parent not in state:
                visit(parent, [*trail, node])
        state[node] = 2

    for record_id in sorted(parents):
        if record_id not in state:
            visit(record_id, [])
    return problems


def check_dates(knowledge: KnowledgeBase) -> list[Problem]:
    """A parent whose weights a record was built from cannot be released after it."""
    problems = []
    for record in knowledge.records.values():
        if not isinstance(record, model.Lineage) or record.released is None:
            continue
        child = record.released.value
        for index, parent_ref in enumerate(record.parents):
            parent = knowledge.records.get(parent_ref.id)
            if parent_ref.relation not in model.WEIGHT_RELATIONS or not isinstance(parent, model.Lineage) or parent.released is None:
                continue
            precision = min(len(child), len(parent.released.value))
            if parent.released.value[:precision] > child[:precision]:
                message = (
                    f"parent {parent.id!r} was released {parent.released.value}, after this record ({child}); "
                    f"a {parent_ref.relation} parent must come first (check both dates or the relation)"
                )
                problems.append(knowledge.problem(record.id, ("parents", index, "id"), message))
    return problems


def _holds_models(annotation: Any) -> bool:
    """Whether a field's type can hold a model (directly or in a list), where a cited source may sit."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_models(arg) for arg in typing.get_args(annotation))


@functools.cache
def _citing_fields(cls: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """The fields of a model worth walking for citations: (name, whether it names a source itself). Plain text and
    number fields are skipped, which keeps the walk over a big knowledge base short."""
    return tuple(
        (name, name in SOURCE_FIELDS)
        for name, info in cls.model_fields.items()
        if name in SOURCE_FIELDS or (name != "sources" and _holds_models(info.annotation))
    )


def cited_sources(value: Any, loc: Location = ()) -> Iterator[tuple[Location, str]]:
    """Every (location, source key) a record cites."""
    if isinstance(value, BaseModel):
        for name, is_source in _citing_fields(type(value)):
            item = getattr(value, name)
            if is_source:
                if isinstance(item, str):
                    yield (*loc, name), item
            elif item is not None:
                yield from cited_sources(item, (*loc, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from cited_sources(item, (*loc, index))


def check_sources(knowledge: KnowledgeBase) -> list[Problem]:
    """Cited sources are defined, defined sources are cited, and facts rest on primary sources."""
    problems = []
    for record_id, record in knowledge.records.items():
        defined = record.sources
        used = set()
        for loc, key in cited_sources(record):
            used.add(key)
            source = defined.get(key)
            if source is None:
                close = difflib.get_close_matches(key, list(defined), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "add it under `sources:`"
                problems.append(knowledge.problem(record_id, loc, f"source {key!r} is not defined ({hint})"))
            elif source.kind is model.SourceKind.secondary and "claims" not in loc:
                message = f"source {key!r} is secondary (expected a primary source; secondary ones may only be quoted in `conflicts`)"
                problems.append(knowledge.problem(record_id, loc, message))
        for key, source in sorted(defined.items()):
            if not is_pinned(source.url):
                message = "GitHub file not pinned to a commit (expected https://github.com/OWNER/REPO/blob/<40-hex sha>/PATH)"
                problems.append(knowledge.problem(record_id, ("sources", key, "url"), message))
        for key in sorted(set(defined) - used):
            problems.append(knowledge.problem(record_id, ("sources", key), f"source {key!r} is defined but never cited (cite it or remove it)"))
    return problems


def is_pinned(url: str) -> bool:
    """Whether a GitHub URL names a fixed commit (issues, pull requests and commits are fixed by nature)."""
    match = re.match(r"^https://github\.com/[^/]+/[^/]+/(blob|tree|raw)/([^/]+)", url)
    return match is None or re.fullmatch(r"[0-9a-f]{40}", match.group(2)) is not None


def check_from_scratch(knowledge: KnowledgeBase) -> list[Problem]:
    """`from_scratch` agrees with the parents: stated, never implied."""
    problems = []
    for record in knowledge.records.values():
        if not isinstance(record, model.Lineage):
            continue
        weight_parents = [i for i, p in enumerate(record.parents) if p.relation in model.INITIALISING_RELATIONS]
        if record.from_scratch and weight_parents:
            message = "a record trained from scratch has no parent giving its weights (expected `successor`, `distill`, or `from_scratch: false`)"
            problems.append(knowledge.problem(record.id, ("parents", weight_parents[0], "relation"), message))
        if record.from_scratch is None and weight_parents:
            message = "null (not stated), but a parent gives the weights (expected `from_scratch: false`)"
            problems.append(knowledge.problem(record.id, ("from_scratch",), message))
        if record.from_scratch is False and not weight_parents:
            message = (
                "false, but no parent gives the weights (expected a finetune/merge/adapter/quantized parent, "
                "`from_scratch: true`, or `from_scratch: null` when no source states the initialisation)"
            )
            problems.append(knowledge.problem(record.id, ("from_scratch",), message))
    return problems


def check_parents(knowledge: KnowledgeBase) -> list[Problem]:
    """A distillation names its method, nothing else does, and a parent is listed once per relation."""
    problems = []
    for record in knowledge.records.values():
        if not isinstance(record, model.Lineage):
            continue
        seen: set[tuple[str, str]] = set()
        for index, parent in enumerate(record.parents):
            if parent.relation is model.Relation.distill and parent.method is None:
                methods = ", ".join(model.DistillationMethod)
                problems.append(knowledge.problem(record.id, ("parents", index, "relation"), f"a distillation needs its `method:` (one of {methods})"))
            elif parent.relation is not model.Relation.distill and parent.method is not None:
                message = f"`method` only applies to `relation: distill` (got {parent.relation.value})"
                problems.append(knowledge.problem(record.id, ("parents", index, "method"), message))
            if (parent.id, parent.relation) in seen:
                message = f"{parent.id!r} is already a {parent.relation.value} parent (list a parent once per relation)"
                problems.append(knowledge.problem(record.id, ("parents", index, "id"), message))
            seen.add((parent.id, parent.relation))
    return problems


def check_checkpoint_places(knowledge: KnowledgeBase) -> list[Problem]:
    """A checkpoint is on the Hub (in the record's repo or another `repo`) or at a download `url`, not both."""
    problems = []
    for record in knowledge.of_kind(model.Lineage):
        for index, item in enumerate(record.checkpoints):
            if item.url and item.repo:
                message = "a checkpoint has either a Hub `repo` or a download `url` (for a file not on the Hub), not both"
                problems.append(knowledge.problem(record.id, ("checkpoints", index, "url"), message))
    return problems


def check_availability(knowledge: KnowledgeBase) -> list[Problem]:
    """A release without public weights has no repository and no files to download; only a gated repo has access terms."""
    problems = []
    for record in knowledge.of_kind(model.Lineage):
        if record.hub and record.hub.access and record.hub.status is not model.HubStatus.gated:
            message = f"`access` says what a gated repository requires, but the status is {record.hub.status.value} (set `status: gated` or remove `access`)"
            problems.append(knowledge.problem(record.id, ("hub", "access"), message))
    for release in knowledge.releases:
        if release.availability is None or release.availability.value is not model.Availability.api_only:
            continue
        for name in ("hub", "checkpoints"):
            if getattr(release, name):
                message = f"an api-only release has no public weights (remove `{name}`, or change `availability`)"
                problems.append(knowledge.problem(release.id, (name,), message))
    return problems
