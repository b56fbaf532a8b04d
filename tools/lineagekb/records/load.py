"""Loading a folder of records into a KnowledgeBase, with a problem for everything that does not fit the model."""

from __future__ import annotations

import contextlib
import difflib
import gc
import re
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel, ValidationError

from ..escape import FORBIDDEN, FORBIDDEN_IN_LINE, visible
from ..problems import Problem, field_path
from . import model
from .document import Document, Location, parse

RECORD_SUFFIXES = (".yaml", ".yml")
MAX_FILES = 100_000


@dataclass
class KnowledgeBase:
    """All records of a folder, by kind and id, with the documents they came from."""

    root: Path
    records: dict[str, model.Record] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)
    """Each record id's slug (`model.id_slug`) -> the id."""
    broken: set[str] = field(default_factory=set)
    """Ids of record files that exist but did not load (references to them are not reported again)."""

    def of_kind(self, cls: type[model.Record]) -> list[Any]:
        """Records of one class, sorted by id."""
        return [record for _, record in sorted(self.records.items()) if isinstance(record, cls)]

    @property
    def releases(self) -> list[model.Release]:
        return self.of_kind(model.Release)

    @property
    def components(self) -> list[model.Component]:
        return self.of_kind(model.Component)

    @property
    def datasets(self) -> list[model.Dataset]:
        return self.of_kind(model.Dataset)

    @property
    def organizations(self) -> list[model.Organization]:
        return self.of_kind(model.Organization)

    def problem(self, record_id: str, loc: Location, message: str) -> Problem:
        """A problem located at `loc` inside the record `record_id`."""
        document = self.documents[record_id]
        return Problem(document.path, document.line_of(loc), field_path(loc), message)


def record_files(root: Path) -> list[Path]:
    """The record files under `root`, sorted, and every symbolic link there, so that `load` refuses it. The walk does
    not enter linked folders, so every other file found lies inside `root`."""
    return sorted(path for path in root.rglob("*") if path.is_symlink() or (path.suffix in RECORD_SUFFIXES and path.is_file()))


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while records pile up: parsed values and records hold no cycles, so reference
    counting frees what is dropped, and the collector would otherwise rescan every record kept so far, again and
    again (a third of the load time of a big knowledge base)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Read and validate every record file under `root` on its own (cross-record checks live in `check`)."""
    knowledge = KnowledgeBase(root)
    problems: list[Problem] = []
    if not root.is_dir():
        return knowledge, [Problem(str(root), 1, "", "not a folder (expected the folder of records, e.g. lineage/)")]
    paths = record_files(root)
    if not paths:
        return knowledge, [Problem(str(root), 1, "", "no record files found (expected *.yaml records)")]
    cwd = Path.cwd()
    with cyclic_gc_paused():
        for path in paths[:MAX_FILES]:
            problems += read_and_add(knowledge, path, shown_path(path, cwd))
    return knowledge, problems


def read_and_add(knowledge: KnowledgeBase, path: Path, shown_as: str) -> list[Problem]:
    """Read one record file (never through a symbolic link) and add it; the problems found."""
    if path.is_symlink():
        knowledge.broken.add(path.stem)
        return [Problem(shown_as, 1, "", "not read: a symbolic link (records must be regular files inside the folder of records; copy the file instead)")]
    try:
        raw = path.read_bytes()
    except OSError as error:
        knowledge.broken.add(path.stem)
        return [Problem(shown_as, 1, "", f"cannot read the file ({error.strerror}); check its permissions")]
    return add(knowledge, shown_as, raw)


def load_files(root: Path, files: Iterable[tuple[str, bytes]]) -> tuple[KnowledgeBase, list[Problem]]:
    """Load records given as (path, content) pairs, e.g. read from a git revision; `root` names their folder."""
    knowledge = KnowledgeBase(root)
    problems: list[Problem] = []
    with cyclic_gc_paused():
        for shown_as, raw in sorted(files)[:MAX_FILES]:
            problems += add(knowledge, shown_as, raw)
    return knowledge, problems


def add(knowledge: KnowledgeBase, shown_as: str, raw: bytes) -> list[Problem]:
    """Parse, validate and add one record file; the problems found."""
    record, document, problems = load_file(raw, shown_as)
    if record is None or document is None:
        knowledge.broken.add(PurePath(shown_as).stem)
        return problems
    if record.id in knowledge.records:
        first = knowledge.documents[record.id].path
        message = f"duplicate id {record.id!r} (also {first}; ids must be unique)"
        return [*problems, Problem(document.path, document.line_of(("id",)), "id", message)]
    slug = model.id_slug(record.id)
    other = knowledge.slugs.get(slug)
    if other is not None:
        message = f"{record.id!r} is too close to {other!r} ({knowledge.documents[other].path}): both read as {slug!r} in a URL; choose another id"
        return [*problems, Problem(document.path, document.line_of(("id",)), "id", message)]
    knowledge.slugs[slug] = record.id
    knowledge.records[record.id] = record
    knowledge.documents[record.id] = document
    return problems


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """The path as a person would type it: relative to the working folder where possible."""
    try:
        return str(path.absolute().relative_to(cwd or Path.cwd()))
    except ValueError:
        return str(path)


def load_file(raw: bytes, shown_as: str) -> tuple[model.Record | None, Document | None, list[Problem]]:
    """Parse and validate one record file's content; `shown_as` is its path, whose stem is the id."""
    path = PurePath(shown_as)
    document, problems = parse(raw, shown_as)
    if document is None:
        return None, None, problems
    stem_problems = _check_stem(path, shown_as)
    data = document.data
    hidden = list(forbidden_characters(data)) if may_hide_characters(document.text) else []
    if hidden:
        return None, None, [Problem(shown_as, document.line_of(loc), field_path(loc), message) for loc, message in hidden]
    cls = model.KINDS.get(data.get("kind")) if isinstance(data.get("kind"), str) else None
    if cls is None:
        expected = ", ".join(model.KINDS)
        if "kind" in data:
            message = f"expected one of {expected} (got {data.get('kind')!r})"
        else:
            message = f"required field is missing (add `kind:` with one of {expected})"
        return None, None, [*stem_problems, Problem(shown_as, document.line_of(("kind",)), "kind", message)]
    record, errors = validate_record(cls, data)
    if record is None:
        return None, None, stem_problems + [Problem(shown_as, document.line_of(tuple(e["loc"])), field_path(tuple(e["loc"])), describe(e, cls)) for e in errors]
    if record.id in model.RESERVED_IDS:
        message = f"{record.id!r} is the name of a generated page (reserved: {', '.join(sorted(model.RESERVED_IDS))}); choose another id"
        stem_problems.append(Problem(shown_as, document.line_of(("id",)), "id", message))
    elif record.id != path.stem and not stem_problems:
        message = f"{record.id!r} does not match the file name {path.name!r} (rename the file or fix the id)"
        stem_problems.append(Problem(shown_as, document.line_of(("id",)), "id", message))
    document.data = None  # the record holds the values now; keeping both would double the memory of a big base
    return (None if stem_problems else record), document, stem_problems


def validate_record(cls: type[model.Record], data: dict[str, Any]) -> tuple[model.Record | None, list[Any]]:
    """The record, or pydantic's errors. A whole number written as a float where a whole number is meant (`595000.0`,
    `1e3`) is read as that number, as JSON Schema, check-jsonschema and the editor read it; only records that fail
    the model at first pay for the second attempt."""
    try:
        return cls.model_validate(data), []
    except ValidationError as error:
        errors = error.errors()
    whole = [e for e in errors if e["type"] == "int_type" and type(e.get("input")) is float and e["input"].is_integer()]
    if not whole or not all(_replace(data, tuple(e["loc"]), int(e["input"])) for e in whole):
        return None, errors
    try:
        return cls.model_validate(data), []
    except ValidationError as error:
        return None, error.errors()


def _replace(data: Any, loc: Location, value: Any) -> bool:
    """Put `value` at `loc` inside `data`; False when `loc` does not lead to a value."""
    try:
        for part in loc:
            parent, data = data, data[part]
        parent[loc[-1]] = value
    except (KeyError, IndexError, TypeError):
        return False
    return True


_ESCAPES_OF_CONTROLS = re.compile(r"\\[0abtnvfreN_LPxuU]")


def may_hide_characters(text: str) -> bool:
    """Whether a file's values can hold a forbidden character: one written as it is, or a double-quoted escape that
    makes one. Most records have neither, and skip the walk over their values."""
    return FORBIDDEN.search(text) is not None or _ESCAPES_OF_CONTROLS.search(text) is not None


def forbidden_characters(data: Any) -> Iterable[tuple[Location, str]]:
    """Where a key or a text value holds a control character or a bidirectional override, and which."""
    stack: list[tuple[Location, Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                found = FORBIDDEN_IN_LINE.search(key) if isinstance(key, str) else None
                if found:
                    yield loc, f"a field name holds the control character {visible(found.group())} (remove it)"
                else:
                    stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
        elif isinstance(value, str) and (found := FORBIDDEN.search(value)):
            yield loc, f"the text holds the control character {visible(found.group())} (remove it; only newline and tab may appear in text)"


def _check_stem(path: PurePath, shown_as: str) -> list[Problem]:
    if model.is_valid_id(path.stem):
        return []
    return [Problem(shown_as, 1, "", f"file name {path.name!r} is not a valid id (expected lower-case letters, digits, '.' and '-', e.g. sd-v1-5.yaml)")]


PATTERN_NAMES = {
    model.ID_PATTERN: "an id of lower-case letters and digits, in words joined by single '.' or '-'",
    model.SOURCE_ID_PATTERN: "a source key of lower-case letters, digits and '-'",
    model.REPO_PATTERN: "a Hub repo id `owner/name`",
    model.DATE_PATTERN: "a date YYYY-MM-DD or YYYY-MM",
    model.SHA256_PATTERN: "64 lower-case hex digits",
    model.REVISION_PATTERN: "a 40-hex-digit commit sha",
    model.ARXIV_PATTERN: "an arXiv id such as 2112.10752",
    model.LICENSE_PATTERN: "a Hub license id such as creativeml-openrail-m",
    model.FILE_PATTERN: "a file name or path inside the repository",
    r"^https://\S+$": "an https:// URL",
}
BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
TYPE_NAMES = {
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of fields",
}


def describe(error: Any, cls: type[BaseModel]) -> str:
    """One line saying what is wrong with a value and what was expected."""
    kind, got = error["type"], error.get("input")
    shown = repr(got) if isinstance(got, (str, int, float, bool)) or got is None else type(got).__name__
    if kind == "extra_forbidden":
        allowed = fields_at(cls, tuple(error["loc"])[:-1])
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown field ({hint}expected one of {', '.join(allowed)})"
    if kind == "missing":
        return f"required field is missing (add `{error['loc'][-1]}:`)"
    if kind == "enum":
        allowed = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        close = difflib.get_close_matches(str(got), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        propose = "" if close else "; if none fits, propose a new value as CONTRIBUTING.md says under 'New vocabulary values'"
        return f"{hint}expected one of {', '.join(allowed)} (got {shown}{propose})"
    if kind in BOUNDS:
        return f"expected a value {BOUNDS[kind]} {next(iter(error['ctx'].values()))} (got {shown})"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']} (got {shown})"
    if kind == "string_pattern_mismatch":
        return f"expected {PATTERN_NAMES.get(error['ctx']['pattern'], 'text matching ' + error['ctx']['pattern'])} (got {shown})"
    if kind in TYPE_NAMES:
        return f"expected {TYPE_NAMES[kind]} (got {shown}{_instead(kind, got)})"
    message = error["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    return f"expected {message} (got {shown})" if error["msg"].startswith("Input should be") else f"{message} (got {shown})"


YAML_11_BOOLEANS = {"yes": "true", "y": "true", "on": "true", "no": "false", "n": "false", "off": "false"}
_SEXAGESIMAL = re.compile(r"^([-+]?)([0-9]+(?::[0-5]?[0-9])+)(\.[0-9]*)?$")


def _instead(kind: str, got: Any) -> str:
    """What to write instead of a value that YAML 1.1 tools read as another type than YAML 1.2 (what records follow)."""
    if kind == "bool_type" and isinstance(got, str) and got.lower() in YAML_11_BOOLEANS:
        return f", which YAML 1.2 reads as text: write {YAML_11_BOOLEANS[got.lower()]}"
    sexagesimal = _SEXAGESIMAL.match(got) if kind in ("int_type", "float_type") and isinstance(got, str) else None
    if sexagesimal:
        sign, digits, fraction = sexagesimal.groups()
        value = 0
        for part in digits.split(":"):
            value = value * 60 + int(part)
        number = f"{sign if sign == '-' else ''}{value}{fraction or ''}"
        return f", which YAML 1.2 reads as text and YAML 1.1 as {number} in base 60: write {number} if that is meant"
    if kind == "string_type" and isinstance(got, (bool, int, float)):
        return "; put it in quotes to keep it as text"
    return ""


def fields_at(cls: type[BaseModel], loc: Location) -> list[str]:
    """The field names allowed at `loc` inside `cls`."""
    annotation: Any = cls
    for part in loc:
        annotation = _model_in(annotation)
        if isinstance(part, int):
            annotation = _item_type(annotation)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = annotation.model_fields[part].annotation if part in annotation.model_fields else None
        else:
            annotation = _item_type(annotation)
    found = _model_in(annotation)
    return list(found.model_fields) if isinstance(found, type) and issubclass(found, BaseModel) else []


def _model_in(annotation: Any) -> Any:
    """Strip Optional, Annotated and unions down to the model or container inside."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _item_type(annotation: Any) -> Any:
    args = typing.get_args(_model_in(annotation))
    return args[-1] if args else None
