"""The JSON Schema and the field reference, both derived from the record model."""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter

from . import model

SCHEMA_ID = "lineage/schema.json"


DATE_SCHEMA_PATTERN = (
    r"^(?:\d{4}-(?:0[1-9]|1[0-2])"
    r"|\d{4}-(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|\d{4}-(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|\d{4}-02-(?:0[1-9]|1\d|2[0-8])"
    r"|(?:\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$"
)
"""`model.DATE_PATTERN` as the validator applies it with its day check: only dates that exist (month 01-12, the days
of that month, 29 February in leap years), as `YYYY-MM-DD` or `YYYY-MM`."""

PATTERN_MESSAGES = {
    model.ID_PATTERN: "An id: lower-case letters and digits, in words joined by single '.' or '-', e.g. sd-v1-5.",
    model.SOURCE_ID_PATTERN: "The key of an entry of `sources`: lower-case letters, digits and '-', e.g. card.",
    model.REPO_PATTERN: "A Hub repository id owner/name, e.g. stabilityai/stable-diffusion-2-1.",
    DATE_SCHEMA_PATTERN: "A date that exists, YYYY-MM-DD or YYYY-MM, e.g. 2022-10-20 or 2022-10.",
    model.SHA256_PATTERN: "64 lower-case hex digits.",
    model.REVISION_PATTERN: "A 40-hex-digit commit sha.",
    model.ARXIV_PATTERN: "An arXiv id such as 2112.10752 (write it in quotes).",
    model.LICENSE_PATTERN: "A Hub licence id such as creativeml-openrail-m.",
    model.FILE_PATTERN: "A file name or path inside the repository, e.g. v1-5-pruned-emaonly.safetensors.",
    r"^https://\S+$": "An https:// URL.",
}
"""`patternErrorMessage` (shown by yaml-language-server instead of the bare regular expression) for each pattern."""

EXAMPLES: dict[tuple[str, str], list[Any]] = {
    ("Record", "id"): ["sd-v1-5", "sdxl-1-0-base", "clip-vit-l-14"],
    ("Record", "name"): ["Stable Diffusion v1-5", "CLIP ViT-L/14"],
    ("Source", "url"): ["https://huggingface.co/CompVis/stable-diffusion-v1-4", "https://arxiv.org/abs/2112.10752"],
    ("Source", "title"): ["Model card of CompVis/stable-diffusion-v1-4"],
    ("Hub", "repo"): ["stabilityai/stable-diffusion-2-1", "stable-diffusion-v1-5/stable-diffusion-v1-5"],
    ("Hub", "last_modified"): ["2023-08-23"],
    ("Parent", "id"): ["sd-v1-2"],
    ("Parent", "quote"): ["sd-v1-5.ckpt: Resumed from sd-v1-2.ckpt."],
    ("TrainingStage", "steps"): [595000],
    ("TrainingStage", "resolution"): [512, 768, 1024],
    ("TrainingStage", "dataset"): ["laion-aesthetics-v2-5plus"],
    ("TrainingStage", "text_conditioning_dropout"): [0.1],
    ("Checkpoint", "file"): ["v1-5-pruned-emaonly.safetensors", "unet"],
    ("License", "id"): ["creativeml-openrail-m", "openrail++"],
    ("License", "name"): ["CreativeML Open RAIL-M"],
    ("Fact", "source"): ["card", "readme", "paper"],
    ("Fact", "quote"): ["fine-tuned on 595k steps at resolution 512x512"],
    ("Fact (date)", "value"): ["2022-10-20", "2022-10"],
    ("Fact (record id)", "value"): ["runway", "kl-f8"],
    ("Fact (arXiv id)", "value"): ["2112.10752"],
    ("Fact (pixels)", "value"): [512, 1024],
    ("Fact (URL)", "value"): ["https://stability.ai"],
}
"""`examples` of the common fields, by (title of the definition, field); "Record" and "Fact" stand for all of them."""


def _fact_label(argument: Any) -> str:
    """A readable name for the type a generic `Fact[...]` holds."""
    named = {model.Text: "text", model.RecordId: "record id", model.PartialDate: "date", model.Count: "count", model.Pixels: "pixels"}
    for alias, label in named.items():
        if argument is alias:
            return label
    base, *metadata = typing.get_args(argument) or (argument,)
    if isinstance(base, type) and issubclass(base, (model.Vocabulary, BaseModel)):
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base.__name__).lower()
    constraints = [item for info in metadata for item in getattr(info, "metadata", [])]
    pattern = next((getattr(item, "pattern", None) for item in constraints if getattr(item, "pattern", None)), None)
    if pattern is not None:
        return {r"^https://\S+$": "URL", model.ARXIV_PATTERN: "arXiv id", r"^[A-Za-z0-9][A-Za-z0-9._-]*$": "Hub organisation"}.get(pattern, "name")
    if base is int:
        return "positive whole number" if any(getattr(item, "gt", None) == 0 for item in constraints) else "whole number"
    return {str: "text", float: "number", bool: "true/false"}.get(base, getattr(base, "__name__", "value"))


def _fact_classes(annotation: Any, found: dict[str, str]) -> None:
    """Collect every `Fact[...]` inside an annotation: its class name -> its readable title."""
    if isinstance(annotation, type) and issubclass(annotation, model.Fact) and annotation.__pydantic_generic_metadata__["args"]:
        found[annotation.__name__] = f"Fact ({_fact_label(annotation.__pydantic_generic_metadata__['args'][0])})"
    for argument in typing.get_args(annotation):
        _fact_classes(argument, found)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for info in annotation.model_fields.values():
            _fact_classes(info.annotation, found)


def _walk(node: Any) -> typing.Iterator[dict[str, Any]]:
    """Every mapping inside a schema, the outermost first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _readable_titles(schema: dict[str, Any]) -> None:
    """Give generic `Fact[...]` definitions titles and names such as "Fact (date)" instead of Python's repr."""
    titles: dict[str, str] = {}
    for cls in RECORD_CLASSES:
        _fact_classes(cls, titles)
    defs = schema["$defs"]
    renamed: dict[str, str] = {}
    for name, definition in list(defs.items()):
        title = titles.get(definition.get("title", ""))
        if title is None:
            continue
        new_name = title.replace(" (", "_").rstrip(")").replace(" ", "_").replace("/", "_")
        definition["title"] = title
        defs[new_name] = defs.pop(name)
        renamed[f"#/$defs/{name}"] = f"#/$defs/{new_name}"
    for node in _walk(schema):
        if node.get("$ref") in renamed:
            node["$ref"] = renamed[node["$ref"]]
    schema["$defs"] = dict(sorted(defs.items()))


def _describe_vocabularies(defs: dict[str, Any]) -> None:
    """Each vocabulary value's meaning, as yaml-language-server shows it on completion and hover (`enum` stays as it is
    for check-jsonschema and every other validator)."""
    vocabularies = {cls.__name__: cls for cls in _subclasses(model.Vocabulary)}
    for name, definition in defs.items():
        cls = vocabularies.get(name)
        if cls is None or "enum" not in definition:
            continue
        docs = [f"{heading}: {member.doc}" if (heading := getattr(member, "heading", "")) else member.doc for member in cls]
        definition["enum"] = [member.value for member in cls]
        definition["enumDescriptions"] = docs
        definition["markdownEnumDescriptions"] = docs


def _subclasses(cls: type[model.Vocabulary]) -> list[type[model.Vocabulary]]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def _add_examples(defs: dict[str, Any]) -> None:
    records = {cls.__name__ for cls in RECORD_CLASSES}
    for definition in defs.values():
        title = definition.get("title", "")
        groups = {title, "Record" if title in records else "", "Fact" if title.startswith("Fact (") else ""}
        for (group, field_name), examples in EXAMPLES.items():
            if group in groups and field_name in definition.get("properties", {}):
                definition["properties"][field_name]["examples"] = examples


def _patterns(schema: dict[str, Any]) -> None:
    """Dates that exist only, and a readable message for every pattern."""
    for node in _walk(schema):
        pattern = node.get("pattern")
        if pattern == model.DATE_PATTERN:
            node["pattern"] = pattern = DATE_SCHEMA_PATTERN
        if isinstance(pattern, str) and pattern in PATTERN_MESSAGES:
            node["patternErrorMessage"] = PATTERN_MESSAGES[pattern]


def _direct_errors(schema: dict[str, Any]) -> None:
    """Write `X or null` without `anyOf`, so that a validator reports what is wrong with the value itself rather than
    "not valid under any of the given schemas": `{"type": ["integer", "null"], "minimum": 0}`, and for a mapping
    `{"$ref": ..., "type": ["object", "null"]}` with `"type": "object"` moved from each definition to where it is used
    (its other keywords apply to mappings only, so null passes them); a vocabulary or null lists null in its `enum`."""
    defs = schema["$defs"]
    objects = {f"#/$defs/{name}" for name, definition in defs.items() if definition.get("type") == "object"}
    combinators = {"anyOf", "oneOf", "allOf", "$ref", "enum", "const", "if"}
    for node in list(_walk(schema)):
        branches = node.get("anyOf")
        if not isinstance(branches, list) or len(branches) != 2 or {"type": "null"} not in branches:
            continue
        other = branches[1 - branches.index({"type": "null"})]
        if set(other) == {"$ref"} and other["$ref"] in objects:
            del node["anyOf"]
            node.update({"$ref": other["$ref"], "type": ["object", "null"]})
        elif set(other) == {"$ref"} and "enum" in defs[other["$ref"].removeprefix("#/$defs/")]:
            vocabulary = defs[other["$ref"].removeprefix("#/$defs/")]
            del node["anyOf"]
            node["type"] = ["string", "null"]
            node["enum"] = [*vocabulary["enum"], None]
            for key in ("enumDescriptions", "markdownEnumDescriptions"):
                node[key] = [*vocabulary[key], "Not stated."]
        elif isinstance(other.get("type"), str) and not combinators & set(other):
            del node["anyOf"]
            node.update({**other, "type": [other["type"], "null"]})
    for node in _walk(schema):
        if node.get("$ref") in objects and "type" not in node:
            node["type"] = "object"
    for name in objects:
        del defs[name.removeprefix("#/$defs/")]["type"]


def json_schema() -> dict[str, Any]:
    """One schema for every record file: any of the record kinds, told apart by `kind` (an if/then per kind, so a
    validator reports the problems of the kind a record says it is, not those of another kind)."""
    kinds = tuple(model.KINDS.values())
    union = typing.Annotated[typing.Union[kinds], model.Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007 - built from a tuple
    generated = TypeAdapter(union).json_schema()  # type: ignore[arg-type]
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Model Lineage record",
        "description": "One record of the knowledge base (generated from tools/lineagekb/records/model.py; do not edit).",
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "description": "What kind of record it is; it decides which fields the record has.",
                "enum": list(model.KINDS),
                "enumDescriptions": [(cls.__doc__ or "").strip() for cls in model.KINDS.values()],
                "markdownEnumDescriptions": [(cls.__doc__ or "").strip() for cls in model.KINDS.values()],
            }
        },
        "allOf": [
            {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": {"$ref": f"#/$defs/{cls.__name__}"}}
            for kind, cls in model.KINDS.items()
        ],
        "$defs": generated["$defs"],
    }
    _readable_titles(schema)
    _describe_vocabularies(schema["$defs"])
    _add_examples(schema["$defs"])
    _patterns(schema)
    _direct_errors(schema)
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
    model.Fact,
    model.Source,
    model.Hub,
    model.Parent,
    model.TrainingStage,
    model.DataFilters,
    model.Checkpoint,
    model.Conflict,
    model.Claim,
    model.License,
    model.PastLicense,
    model.ParameterCount,
    model.TextEncoderUse,
    model.Inference,
]
VOCABULARIES: list[type[model.Vocabulary]] = [
    model.Relation,
    model.PredictionType,
    model.Weights,
    model.CheckpointFormat,
    model.HubStatus,
    model.Task,
    model.ComponentKind,
    model.SourceKind,
    model.DistillationMethod,
    model.Architecture,
    model.ParameterScope,
    model.Family,
    model.Availability,
    model.CommercialUse,
]


def field_reference() -> str:
    """The field reference page, in Markdown."""
    lines = [
        "# Field reference",
        "",
        "Generated from `tools/lineagekb/records/model.py`, like `lineage/schema.json`. A *fact* is a mapping",
        "`{value: ..., source: <key of sources>, quote: ...}`: every fact names the source that states it.",
        "",
    ]
    for cls in RECORD_CLASSES + PART_CLASSES:
        lines += _model_section(cls)
    for vocabulary in VOCABULARIES:
        lines += _vocabulary_section(vocabulary)
    return "\n".join(lines)
