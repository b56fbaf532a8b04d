"""The knowledge base as plain, sorted data: the contract other tools consume.

`lineage.json` holds every record as validated (its shape and JSON Schema live in `export_schema.py`), the CSV
tables are built in `tables.py`, and the GraphML lineage graph here.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..escape import FORBIDDEN, spell_out
from ..records import model
from ..records.lineage import Histories
from ..records.load import KnowledgeBase, cyclic_gc_paused
from .export_schema import FORMAT_VERSION, export_schema, export_schema_text
from .tables import CSV_COLUMNS, EDGE_COLUMNS, csv_rows, date_precision, edge_rows, fact, lineage_parents, plain, to_csv, to_edges_csv, total_steps

__all__ = [
    "CSV_COLUMNS",
    "EDGE_COLUMNS",
    "FORMAT_VERSION",
    "csv_rows",
    "edge_rows",
    "export",
    "export_schema",
    "export_schema_text",
    "to_csv",
    "to_edges_csv",
    "to_graphml",
    "to_json",
    "xml_text",
]


def sources(record: model.Record) -> list[dict[str, Any]]:
    """The record's sources as objects with their key, sorted by key."""
    return [{"key": key, **source.model_dump(mode="json")} for key, source in sorted(record.sources.items())]


def record_data(record: model.Record) -> dict[str, Any]:
    """One record as validated, every field written out (null for unknown), sources as a list."""
    data = record.model_dump(mode="json")
    data["sources"] = sources(record)
    if isinstance(record, model.Lineage):
        data["total_steps"] = total_steps(record)
        own_repo = record.hub.repo if record.hub else None
        for item in data["checkpoints"]:
            item["repo"] = item["repo"] or own_repo
    return data


SECTIONS: dict[str, type[model.Record]] = {
    "components": model.Component,
    "datasets": model.Dataset,
    "fingerprints": model.Fingerprint,
    "organizations": model.Organization,
    "releases": model.Release,
}


def export(knowledge: KnowledgeBase) -> dict[str, Any]:
    """The whole knowledge base: the format version, then each kind's records sorted by id."""
    return {"format_version": FORMAT_VERSION, **{name: [record_data(r) for r in knowledge.of_kind(cls)] for name, cls in SECTIONS.items()}}


def to_json(knowledge: KnowledgeBase) -> str:
    """The export as deterministic JSON text, one record per line (diffable, and fast to encode)."""

    def encode(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))

    with cyclic_gc_paused():
        data = export(knowledge)
    sections = [f"{encode(name)}: [\n" + ",\n".join(encode(item) for item in data[name]) + "\n]" for name in SECTIONS]
    return "{\n" + ",\n".join([f'"format_version": {encode(data["format_version"])}', *sections]) + "\n}\n"


def xml_text(text: str) -> str:
    """XML character data: markup characters as entities, and characters XML 1.0 cannot hold spelled out."""
    return escape(spell_out(text, FORBIDDEN))


GRAPHML_NODE_KEYS = {
    "label": "string",
    "kind": "string",
    "family": "string",
    "task": "string",
    "role": "string",
    "organization": "string",
    "released": "string",
    "released_precision": "string",
    "architecture": "string",
    "prediction_type": "string",
    "from_scratch": "boolean",
    "own_steps": "int",
    "steps_from_scratch": "int",
    "resolution": "int",
    "hub_repo": "string",
    "note": "string",
}
"""Node attributes and their GraphML types. The display name is `label`: igraph takes an attribute called `name` as
the vertex name, and the record id stays the node id."""
GRAPHML_EDGE_KEYS = {"relation": "string", "method": "string"}


def node_values(record: model.Lineage, histories: Histories) -> dict[str, Any]:
    """A release's or component's GraphML attributes; None where the record does not state it."""
    released = fact(record.released)
    return {
        "label": record.name,
        "kind": record.kind,
        "family": getattr(record, "family", None),
        "task": getattr(record, "task", None),
        "role": getattr(record, "role", None),
        "organization": record.organization.value,
        "released": released,
        "released_precision": date_precision(released),
        "architecture": fact(getattr(record, "architecture", None)),
        "prediction_type": fact(getattr(record, "prediction_type", None)),
        "from_scratch": record.from_scratch,
        "own_steps": total_steps(record),
        "steps_from_scratch": histories.steps_from_scratch(record.id),
        "resolution": fact(getattr(record, "resolution", None)),
        "hub_repo": record.hub.repo if record.hub else None,
        "note": record.note,
    }


def graphml_data(values: dict[str, Any]) -> str:
    """`<data>` elements for the values that are known, booleans as `true`/`false`."""
    text = {
        key: ("true" if value else "false") if isinstance(value, bool) else xml_text(str(plain(value))) for key, value in values.items() if value is not None
    }
    return "".join(f'<data key="{key}">{value}</data>' for key, value in text.items())


def graphml_keys() -> list[str]:
    declared = [("node", GRAPHML_NODE_KEYS), ("edge", GRAPHML_EDGE_KEYS)]
    return [f'  <key id="{key}" for="{kind}" attr.name="{key}" attr.type="{type_}"/>' for kind, keys in declared for key, type_ in keys.items()]


def to_graphml(knowledge: KnowledgeBase) -> str:
    """The lineage graph (releases and components, edges typed by relation) as GraphML for networkx, igraph and Gephi."""
    histories = Histories(knowledge)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        *graphml_keys(),
        '  <graph id="lineage" edgedefault="directed">',
    ]
    for record in knowledge.of_kind(model.Lineage):
        lines.append(f"    <node id={quoteattr(record.id)}>{graphml_data(node_values(record, histories))}</node>")
    for child, parent in lineage_parents(knowledge):
        data = graphml_data({"relation": parent.relation, "method": parent.method})
        lines.append(f"    <edge source={quoteattr(parent.id)} target={quoteattr(child.id)}>{data}</edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
