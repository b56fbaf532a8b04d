"""The knowledge base as plain, sorted data: the contract other tools consume."""

from __future__ import annotations

import json
from typing import Any

from . import model
from .load import KnowledgeBase


def fact(value: model.Fact[Any] | None) -> Any:
    """The value of a fact, or None when unknown."""
    return None if value is None else value.value


def plain(value: Any) -> Any:
    """Models to dicts, vocabularies to their strings."""
    if isinstance(value, model.BaseModel):
        return value.model_dump(mode="json")
    return value.value if isinstance(value, model.Vocabulary) else value


def hub(record: model.Lineage) -> dict[str, Any] | None:
    if record.hub is None:
        return None
    return {
        "repo": record.hub.repo,
        "status": record.hub.status.value,
        "mirrors": sorted(record.hub.mirrors),
        "revision": record.hub.revision,
        "last_modified": record.hub.last_modified,
    }


def lineage_fields(record: model.Lineage) -> dict[str, Any]:
    """Fields shared by releases and components."""
    return {
        "id": record.id,
        "name": record.name,
        "organization": record.organization.value,
        "released": fact(record.released),
        "license": fact(record.license),
        "papers": [paper.value for paper in record.papers],
        "hub": hub(record),
        "from_scratch": record.from_scratch,
        "parents": [{"id": p.id, "relation": p.relation.value, "source": record.sources[p.source].url} for p in record.parents],
        "training": [training_stage(record, stage) for stage in record.training],
        "total_steps": total_steps(record),
        "parameters": fact(record.parameters),
        "checkpoints": [checkpoint(record, c) for c in record.checkpoints],
        "conflicts": [conflict(record, c) for c in record.conflicts],
        "sources": sorted({source.url for source in record.sources.values()}),
    }


def total_steps(record: model.Lineage) -> int | None:
    """Steps of this record's own stages, or None when a stage's steps are unknown."""
    steps = [stage.steps for stage in record.training]
    return None if not steps or None in steps else sum(s for s in steps if s is not None)


def training_stage(record: model.Lineage, stage: model.TrainingStage) -> dict[str, Any]:
    filters = stage.filters or model.DataFilters()
    return {
        "steps": stage.steps,
        "resolution": stage.resolution,
        "dataset": stage.dataset,
        "text_conditioning_dropout": stage.text_conditioning_dropout,
        "batch_size": stage.batch_size,
        "filters": filters.model_dump(mode="json"),
        "source": record.sources[stage.source].url,
    }


def checkpoint(record: model.Lineage, item: model.Checkpoint) -> dict[str, Any]:
    return {
        "file": item.file,
        "repo": item.repo or (record.hub.repo if record.hub else None),
        "weights": item.weights.value,
        "format": item.format.value,
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
    }


def conflict(record: model.Lineage, item: model.Conflict) -> dict[str, Any]:
    return {
        "field": item.field,
        "claims": [{"source": record.sources[c.source].url, "says": c.says} for c in item.claims],
        "follows": record.sources[item.follows].url,
    }


def release(record: model.Release) -> dict[str, Any]:
    return {
        **lineage_fields(record),
        "task": record.task.value,
        "text_encoders": fact(record.text_encoders) or [],
        "image_encoder": fact(record.image_encoder),
        "prediction_type": plain(fact(record.prediction_type)),
        "autoencoder": fact(record.autoencoder),
        "resolution": fact(record.resolution),
        "nsfw_filtering": fact(record.nsfw_filtering),
    }


def component(record: model.Component) -> dict[str, Any]:
    return {
        **lineage_fields(record),
        "role": record.role.value,
        "architecture": fact(record.architecture),
        "hidden_size": fact(record.hidden_size),
        "downsampling_factor": fact(record.downsampling_factor),
        "latent_channels": fact(record.latent_channels),
    }


def dataset(record: model.Dataset) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "organization": fact(record.organization),
        "subset_of": fact(record.subset_of),
        "size": fact(record.size),
        "filters": plain(fact(record.filters)),
        "sources": sorted({source.url for source in record.sources.values()}),
    }


def organization(record: model.Organization) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "url": fact(record.url),
        "hub_org": fact(record.hub_org),
        "sources": sorted({source.url for source in record.sources.values()}),
    }


def export(knowledge: KnowledgeBase) -> dict[str, list[dict[str, Any]]]:
    """The whole knowledge base, each list sorted by id."""
    return {
        "releases": [release(r) for r in knowledge.releases],
        "datasets": [dataset(r) for r in knowledge.datasets],
        "components": [component(r) for r in knowledge.components],
        "organizations": [organization(r) for r in knowledge.organizations],
    }


def to_json(knowledge: KnowledgeBase) -> str:
    """The export as deterministic JSON text."""
    return json.dumps(export(knowledge), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
