"""The JSON Schema and the field reference, both derived from the record model."""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter

from . import model

SCHEMA_ID = "lineage/schema.json"


def json_schema() -> dict[str, Any]:
    """One schema for every record file: any of the record kinds, told apart by `kind`."""
    union = typing.Annotated[
        model.Release | model.Component | model.Dataset | model.Organization,
        model.Field(discriminator="kind"),
    ]
    schema = TypeAdapter(union).json_schema()  # type: ignore[arg-type]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Model Lineage record"
    schema["description"] = "One record of the knowledge base (generated from tools/lineagekb/model.py; do not edit)."
    return schema


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin is typing.Literal:
        return " or ".join(f"`{a}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, model.Fact):
        inner = annotation.model_fields["value"].annotation
        return f"fact of {_type_name(inner)}"
    if isinstance(annotation, type) and issubclass(annotation, model.Vocabulary):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(annotation, str(annotation))


def _model_section(cls: type[BaseModel]) -> list[str]:
    lines = [f"## {cls.__name__}", "", (cls.__doc__ or "").strip(), "", "| field | type | required | meaning |", "|---|---|---|---|"]
    for name, info in cls.model_fields.items():
        required = "yes" if info.is_required() else ""
        meaning = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_name(info.annotation)} | {required} | {meaning} |")
    return [*lines, ""]


def _vocabulary_section(cls: type[model.Vocabulary]) -> list[str]:
    lines = [f"## {cls.__name__}", "", (cls.__doc__ or "").strip(), "", "| value | meaning |", "|---|---|"]
    lines += [f"| `{member.value}` | {member.doc} |" for member in cls]
    return [*lines, ""]


RECORD_CLASSES: list[type[BaseModel]] = [model.Release, model.Component, model.Dataset, model.Organization]
PART_CLASSES: list[type[BaseModel]] = [
    model.Fact, model.Source, model.Hub, model.Parent, model.TrainingStage, model.DataFilters,
    model.Checkpoint, model.Conflict, model.Claim,
]
VOCABULARIES: list[type[model.Vocabulary]] = [
    model.Relation, model.PredictionType, model.Weights, model.CheckpointFormat, model.HubStatus,
    model.Task, model.ComponentKind, model.SourceKind,
]


def field_reference() -> str:
    """The field reference page, in Markdown."""
    lines = [
        "# Field reference",
        "",
        "Generated from `tools/lineagekb/model.py`, like `lineage/schema.json`. A *fact* is a mapping",
        "`{value: ..., source: <key of sources>, quote: ...}`: every fact names the source that states it.",
        "",
    ]
    for cls in RECORD_CLASSES + PART_CLASSES:
        lines += _model_section(cls)
    for vocabulary in VOCABULARIES:
        lines += _vocabulary_section(vocabulary)
    return "\n".join(lines)
