"""The knowledge base as plain, sorted data: the contract other tools consume."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from . import model
from .escape import FORBIDDEN, visible
from .lineage import Histories, edges
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
        "license": license_fields(record.license) if record.license else None,
        "license_history": [{**license_fields(past), "until": past.until} for past in record.license_history],
        "papers": [paper.value for paper in record.papers],
        "hub": hub(record),
        "from_scratch": record.from_scratch,
        "parents": [
            {"id": p.id, "relation": p.relation.value, "method": plain(p.method), "source": record.sources[p.source].url} for p in record.parents
        ],
        "training": [training_stage(record, stage) for stage in record.training],
        "total_steps": total_steps(record),
        "parameters": [{"value": p.value, "counts": p.counts.value} for p in record.parameters],
        "checkpoints": [checkpoint(record, c) for c in record.checkpoints],
        "conflicts": [conflict(record, c) for c in record.conflicts],
        "note": record.note,
        "sources": sorted({source.url for source in record.sources.values()}),
    }


def license_fields(item: model.License) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "url": item.url, "commercial_use": plain(item.commercial_use), "terms": item.terms}


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
        "note": stage.note,
        "filters": filters.model_dump(mode="json"),
        "source": record.sources[stage.source].url,
    }


def checkpoint(record: model.Lineage, item: model.Checkpoint) -> dict[str, Any]:
    return {
        "file": item.file,
        "repo": item.repo or (record.hub.repo if record.hub else None),
        "weights": plain(item.weights),
        "format": item.format.value,
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
    }


def conflict(record: model.Lineage, item: model.Conflict) -> dict[str, Any]:
    return {
        "field": item.field,
        "claims": [{"source": record.sources[c.source].url, "says": c.says} for c in item.claims],
        "follows": record.sources[item.follows].url,
        "note": item.note,
    }


def release(record: model.Release) -> dict[str, Any]:
    return {
        **lineage_fields(record),
        "family": record.family.value,
        "task": record.task.value,
        "availability": plain(fact(record.availability)),
        "architecture": plain(fact(record.architecture)),
        "text_encoders": [{"id": e.id, "layer": e.layer, "max_tokens": e.max_tokens, "optional": e.optional} for e in record.text_encoders],
        "conditioning_models": [c.value for c in record.conditioning_models],
        "training_data": fact(record.training_data),
        "inference": None if record.inference is None else record.inference.model_dump(mode="json", exclude={"source", "quote"}),
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
        "description": fact(record.description),
        "note": record.note,
        "sources": sorted({source.url for source in record.sources.values()}),
    }


def organization(record: model.Organization) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "url": fact(record.url),
        "hub_org": fact(record.hub_org),
        "note": record.note,
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
    """The export as deterministic JSON text, one record per line (diffable, and fast to encode)."""
    def encode(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))

    sections = [
        f"{encode(name)}: [\n" + ",\n".join(encode(item) for item in items) + "\n]"
        for name, items in sorted(export(knowledge).items())
    ]
    return "{\n" + ",\n".join(sections) + "\n}\n"


CSV_COLUMNS = [
    "id", "name", "family", "organization", "released", "task", "architecture", "parents", "from_scratch", "own_steps", "steps_from_scratch",
    "resolution", "text_encoders", "prediction_type", "autoencoder", "nsfw_filtering", "license", "hub_repo",
    "hub_status", "mirrors", "note",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(knowledge: KnowledgeBase) -> list[dict[str, str]]:
    """One row per release, for spreadsheets and pandas."""
    histories = Histories(knowledge)
    rows = []
    for item in export(knowledge)["releases"]:
        hub_info = item["hub"] or {}
        row = {
            **{key: item.get(key) for key in CSV_COLUMNS},
            "parents": ";".join(f"{p['id']}:{p['relation']}" for p in item["parents"]),
            "own_steps": item["total_steps"],
            "steps_from_scratch": histories.steps_from_scratch(item["id"]),
            "text_encoders": ";".join(e["id"] for e in item["text_encoders"]),
            "license": (item["license"] or {}).get("id") or (item["license"] or {}).get("name"),
            "hub_repo": hub_info.get("repo"),
            "hub_status": hub_info.get("status"),
            "mirrors": ";".join(hub_info.get("mirrors", [])),
        }
        rows.append({key: _cell(row[key]) for key in CSV_COLUMNS})
    return rows


def to_csv(knowledge: KnowledgeBase) -> str:
    """The release table as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(knowledge))
    return buffer.getvalue()


def xml_text(text: str) -> str:
    """XML character data: markup characters as entities, and characters XML 1.0 cannot hold spelled out."""
    return escape(FORBIDDEN.sub(lambda match: visible(match.group()), text))


GRAPHML_KEYS = ["name", "kind", "organization", "released", "prediction_type", "note"]


def to_graphml(knowledge: KnowledgeBase) -> str:
    """The lineage graph (releases and components, edges typed by relation) as GraphML for networkx and Gephi."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        *(f'  <key id="{key}" for="node" attr.name="{key}" attr.type="string"/>' for key in GRAPHML_KEYS),
        '  <key id="relation" for="edge" attr.name="relation" attr.type="string"/>',
        '  <graph id="lineage" edgedefault="directed">',
    ]
    for record in knowledge.of_kind(model.Lineage):
        values = {
            "name": record.name,
            "kind": record.kind,
            "organization": record.organization.value,
            "released": fact(record.released),
            "prediction_type": plain(fact(record.prediction_type)) if isinstance(record, model.Release) else None,
            "note": record.note,
        }
        data = "".join(f'<data key="{key}">{xml_text(str(value))}</data>' for key, value in values.items() if value is not None)
        lines.append(f'    <node id={quoteattr(record.id)}>{data}</node>')
    for edge in edges(knowledge):
        relation = f'<data key="relation">{edge.relation.value}</data>'
        lines.append(f"    <edge source={quoteattr(edge.parent)} target={quoteattr(edge.child)}>{relation}</edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
