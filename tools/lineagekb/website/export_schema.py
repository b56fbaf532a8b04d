"""The shape of `lineage.json`, declared as the record model plus what the export adds, and its JSON Schema.

Each exported record is the record as validated (`model.py`), so every field the records state reaches the export
and the schema without being listed again here. Only the differences are declared: sources become a list of objects
with their key, checkpoints name their repository, and releases and components carry `total_steps`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..records import model

FORMAT_VERSION = "2.1"
"""The version of the export's shape; see docs/data.md for what changes bump it."""
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class SourceEntry(model.Source):
    """A document that states facts about the record, with the key the record's facts cite it by."""

    key: model.SourceId
    """The key facts, parents, stages and claims of this record name in their `source`."""


class ExportedCheckpoint(model.Checkpoint):
    """A downloadable weights file."""

    repo: model.RepoId | None = None
    """The repository holding the file: the one the record names, else the record's own `hub.repo` (null when neither)."""


class ExportedRelease(model.Release):
    """A release record as validated, with its sources as a list."""

    sources: list[SourceEntry]  # type: ignore[assignment]
    """The sources the record cites, sorted by key."""
    checkpoints: list[ExportedCheckpoint] = []  # type: ignore[assignment]
    """Downloadable weights files."""
    total_steps: model.Count | None = None
    """Steps of this record's own training stages; null when it has none or any stage's steps are not stated."""


class ExportedComponent(model.Component):
    """A component record as validated, with its sources as a list."""

    sources: list[SourceEntry]  # type: ignore[assignment]
    """The sources the record cites, sorted by key."""
    checkpoints: list[ExportedCheckpoint] = []  # type: ignore[assignment]
    """Downloadable weights files."""
    total_steps: model.Count | None = None
    """Steps of this record's own training stages; null when it has none or any stage's steps are not stated."""


class ExportedDataset(model.Dataset):
    """A dataset record as validated, with its sources as a list."""

    sources: list[SourceEntry]  # type: ignore[assignment]
    """The sources the record cites, sorted by key."""


class ExportedOrganization(model.Organization):
    """An organisation record as validated, with its sources as a list."""

    sources: list[SourceEntry]  # type: ignore[assignment]
    """The sources the record cites, sorted by key."""


class ExportedFingerprint(model.Fingerprint):
    """A fingerprint record as validated, with its sources as a list."""

    sources: list[SourceEntry]  # type: ignore[assignment]
    """The sources the record cites, sorted by key."""


class LineageExport(BaseModel):
    """The whole knowledge base (`lineage.json`): every record of each kind, sorted by id."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    format_version: Literal["2.1"]
    """The version of this shape: the major part changes when a key is removed, renamed or changes meaning."""
    releases: list[ExportedRelease]
    """Every release."""
    components: list[ExportedComponent]
    """Every component."""
    datasets: list[ExportedDataset]
    """Every dataset."""
    organizations: list[ExportedOrganization]
    """Every organisation."""
    fingerprints: list[ExportedFingerprint]
    """Every architecture fingerprint."""


def _every_key_required(schema: dict[str, Any]) -> None:
    """The export writes every key (null for unknown, [] for none), so every object requires all its properties."""
    for part in [schema, *schema.get("$defs", {}).values()]:
        if "properties" in part:
            part["required"] = sorted(part["properties"])


def export_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of `lineage.json`."""
    schema = LineageExport.model_json_schema(mode="serialization")
    _every_key_required(schema)
    schema["$schema"] = SCHEMA_DIALECT
    schema["$id"] = "lineage.schema.json"
    schema["title"] = f"Model Lineage export, format {FORMAT_VERSION}"
    schema["description"] = "lineage.json (generated from tools/lineagekb/records/model.py and export_schema.py; do not edit)."
    return schema


def export_schema_text() -> str:
    """The schema as published next to the export."""
    return json.dumps(export_schema(), indent=2, sort_keys=True) + "\n"
