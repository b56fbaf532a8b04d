"""How the record model and the schema differ between two revisions: the vocabularies' values and each kind's fields."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..escape import spell_out


@dataclass(frozen=True)
class VocabularyChange:
    """Values added to and removed from one vocabulary (an `enum` of the schema)."""

    vocabulary: str
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class KindFieldsChange:
    """Fields added to and removed from one kind of record in the schema."""

    kind: str
    added: list[str]
    removed: list[str]


@dataclass
class ModelChange:
    """Whether the record model and the schema differ between the two revisions, and how the schema does."""

    model_path: str
    schema_path: str
    model_changed: bool = False
    schema_changed: bool = False
    vocabularies: list[VocabularyChange] = field(default_factory=list)
    fields: list[KindFieldsChange] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """The sides ("base", "head") whose schema is there but is no JSON object, so was not compared."""

    @property
    def changed(self) -> bool:
        return self.model_changed or self.schema_changed


def vocabularies(schema: dict[str, Any]) -> dict[str, list[str]]:
    """The values of every `enum` in a JSON schema, by the name of the definition (and property) holding it, as `plain` text."""
    found: dict[str, list[str]] = {}

    def walk(node: Any, name: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list) and name:
                found.setdefault(name, []).extend(plain(value) for value in node["enum"])
            for key, item in node.items():
                if key == "$defs" and isinstance(item, dict):
                    for def_name, definition in item.items():
                        walk(definition, plain(def_name))
                elif key == "properties" and isinstance(item, dict):
                    for prop, definition in item.items():
                        walk(definition, f"{name}.{plain(prop)}" if name else plain(prop))
                elif key != "enum":
                    walk(item, name)
        elif isinstance(node, list):
            for item in node:
                walk(item, name)

    walk(schema, "")
    return found


def kind_fields(schema: dict[str, Any]) -> dict[str, list[str]]:
    """The fields of each kind of record, by kind: the properties of the definition the schema applies to that kind."""
    definitions = schema.get("$defs")
    found: dict[str, list[str]] = {}
    for kind, target in kind_definitions(schema).items():
        definition = definitions.get(target.rsplit("/", 1)[-1]) if isinstance(definitions, dict) else None
        properties = definition.get("properties") if isinstance(definition, dict) else None
        found[plain(kind)] = [plain(name) for name in properties] if isinstance(properties, dict) else []
    return found


def kind_definitions(schema: dict[str, Any]) -> dict[str, str]:
    """Kind of record -> `$ref` of its definition, from a discriminator mapping, `if: {kind: const} then: $ref`
    entries, or `$ref` entries whose definition fixes `kind` (in `allOf`, `oneOf` or `anyOf`)."""
    found: dict[str, str] = {}
    discriminator = schema.get("discriminator")
    mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
    if isinstance(mapping, dict):
        found.update({str(kind): target for kind, target in mapping.items() if isinstance(target, str)})
    defined = schema.get("$defs")
    definitions = defined if isinstance(defined, dict) else {}
    for combinator in ("allOf", "oneOf", "anyOf"):
        entries = schema.get(combinator)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            then = entry.get("then")
            target = then.get("$ref") if isinstance(then, dict) else entry.get("$ref")
            if not isinstance(target, str):
                continue
            kind = fixed_kind(entry.get("if")) if isinstance(then, dict) else fixed_kind(definitions.get(target.rsplit("/", 1)[-1]))
            if kind is not None:
                found.setdefault(kind, target)
    return found


def fixed_kind(node: Any) -> str | None:
    """The `kind` a schema node fixes with `properties: {kind: {const: ...}}`, if any."""
    properties = node.get("properties") if isinstance(node, dict) else None
    kind = properties.get("kind") if isinstance(properties, dict) else None
    const = kind.get("const") if isinstance(kind, dict) else None
    return const if isinstance(const, str) else None


def plain(value: Any) -> str:
    """A name or value read from a schema file, which nothing validates: one line, control characters spelled out."""
    return spell_out(str(value))


def parsed_schema(content: bytes | None) -> dict[str, Any] | None:
    """A schema file as a JSON object; {} when there is none; None when it is there but is no JSON object."""
    if content is None:
        return {}
    try:
        schema = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return schema if isinstance(schema, dict) else None


def added_removed(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Values of `new` not in `old`, and of `old` not in `new`, each in its own order."""
    return [v for v in dict.fromkeys(new) if v not in old], [v for v in dict.fromkeys(old) if v not in new]


def model_change(paths: tuple[str, str], model_files: tuple[bytes | None, bytes | None], schema_files: tuple[bytes | None, bytes | None]) -> ModelChange:
    """How the record model (compared as bytes) and the schema (its vocabularies and the fields of each kind of
    record) differ from base to head; each pair is (base, head), None where the file is not there."""
    change = ModelChange(paths[0], paths[1], model_changed=model_files[0] != model_files[1], schema_changed=schema_files[0] != schema_files[1])
    if not change.schema_changed:
        return change
    old, new = parsed_schema(schema_files[0]), parsed_schema(schema_files[1])
    change.unreadable = [side for side, schema in (("base", old), ("head", new)) if schema is None]
    if old is None or new is None:
        return change
    try:
        old_vocabularies, new_vocabularies = vocabularies(old), vocabularies(new)
        old_kinds, new_kinds = kind_fields(old), kind_fields(new)
    except RecursionError:
        change.unreadable = ["base", "head"]
        return change
    for name in sorted(set(old_vocabularies) | set(new_vocabularies)):
        added, removed = added_removed(old_vocabularies.get(name, []), new_vocabularies.get(name, []))
        if added or removed:
            change.vocabularies.append(VocabularyChange(name, added, removed))
    for kind in sorted(set(old_kinds) | set(new_kinds)):
        added, removed = added_removed(old_kinds.get(kind, []), new_kinds.get(kind, []))
        if added or removed:
            change.fields.append(KindFieldsChange(kind, added, removed))
    return change
