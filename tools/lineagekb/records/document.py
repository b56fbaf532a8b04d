"""Reading one YAML file into plain values and a map of field path -> line, refusing what is unsafe."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..problems import Problem, field_path

MAX_BYTES = 1_000_000
MAX_DEPTH = 40
MAX_NODES = 50_000

Location = tuple[str | int, ...]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_AMBIGUOUS = "tag:lineagekb,2026:ambiguous-number"
"""The tag given to plain scalars that YAML readers read differently (see `_AMBIGUOUS_NUMBER`); never constructed."""
_PLAIN_TAGS = {
    _STR,
    _INT,
    _FLOAT,
    _BOOL,
    "tag:yaml.org,2002:null",
}

# YAML 1.2 core schema, as yaml-language-server (the `yaml` package) and check-jsonschema (ruamel.yaml) read it:
# `010` is 10, `0o10` 8, `1e3` 1000.0; `1:30`, `yes`, `on` and dates are text. PyYAML alone would read YAML 1.1.
_CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_CORE_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_AMBIGUOUS_NUMBER = re.compile(
    r"""^(?:
    (?=[^_]*_)[-+]?(?:0b[0-1_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9_]+(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?)
    |[-+]?0b[0-1]+
    |[-+]0o[0-7]+|[-+]0x[0-9a-fA-F]+
    |[-+]?\.[0-9]+[eE][0-9]+
    )$""",
    re.X,
)
"""Plain scalars on which YAML readers disagree: underscores in numbers (`595_000` is 595000 to PyYAML and ruamel.yaml,
text to the editor), binary `0b101`, signed hex or octal `-0x1F`, and `.5e3` (500.0 to the editor, text to the others).
Only plain scalars starting with a digit, a sign or a dot can match: the check costs one regex on those alone."""
_NUMBER_START = list("-+0123456789.")


def _core_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """PyYAML's safe resolvers with its YAML 1.1 booleans, numbers and timestamps replaced by YAML 1.2 core ones."""
    replaced = (_BOOL, _INT, _FLOAT, _TIMESTAMP)
    resolvers = {first: [(tag, regexp) for tag, regexp in found if tag not in replaced] for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    for first in _NUMBER_START:
        resolvers.setdefault(first, []).append((_AMBIGUOUS, _AMBIGUOUS_NUMBER))
    for tag, regexp, firsts in ((_BOOL, _CORE_BOOL, "tTfF"), (_INT, _CORE_INT, "-+0123456789"), (_FLOAT, _CORE_FLOAT, "-+0123456789.")):
        for first in firsts:
            resolvers.setdefault(first, []).append((tag, regexp))
    return resolvers


def _core_int(text: str) -> int:
    """A YAML 1.2 core integer: decimal (a leading zero is still decimal), `0o` octal or `0x` hexadecimal."""
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


def _construct_int(constructor: Any, node: yaml.ScalarNode) -> int:
    return _core_int(node.value)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading with YAML 1.2 core scalars: dates stay text, only true/false are booleans (not yes/no/on/off),
    `010` is 10 and `1:30` is text; the scalars readers disagree on get the `_AMBIGUOUS` tag, to be refused."""

    yaml_implicit_resolvers = _core_resolvers()


_Loader.add_constructor(_INT, _construct_int)


class _Constructor(yaml.constructor.SafeConstructor):
    """The careful walk's scalar construction, with the same YAML 1.2 integers as `_Loader`."""


_Constructor.add_constructor(_INT, _construct_int)


def plain_number(text: str) -> str | None:
    """What to write instead of an ambiguous number, e.g. `595000` for `595_000`; None when it is not a number."""
    digits = text.replace("_", "")
    sign, body = ("-" if digits.startswith("-") else ""), digits.lstrip("+-")
    try:
        if body.startswith(("0b", "0o", "0x")):
            return f"{sign}{int(body[2:], {'b': 2, 'o': 8, 'x': 16}[body[1]])}"
        if ":" in body:
            return None
        if _CORE_INT.match(body):
            return f"{sign}{int(body)}"
        return f"{sign}{float(body)!r}"
    except (ValueError, KeyError):
        return None


_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Unusual(Exception):
    """The fast path met something (alias, tag, duplicate key, odd key, depth) that the careful path reports precisely."""


class _FastLoader(_Loader):
    """libyaml parsing plus plain construction, refusing (not reporting) anything unusual: most records are ordinary,
    so they cost no more than a bare parse, and only the rest go through the careful walk that locates problems."""

    depth = 0
    count = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node.tag not in _FAST_TAGS:
            raise _Unusual
        self.depth += 1
        self.count += 1
        if self.depth > MAX_DEPTH or self.count > MAX_NODES:
            raise _Unusual
        try:
            return super().construct_object(node, deep=True)
        finally:
            self.depth -= 1

    def construct_plain_mapping(self, node: yaml.Node) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode or key_node.tag != _STR or key_node.value in mapping:
                raise _Unusual
            mapping[key_node.value] = self.construct_object(value_node)
        return mapping

    def construct_plain_sequence(self, node: yaml.Node) -> list[Any]:
        return [self.construct_object(child) for child in node.value]


_FAST_TAGS = _PLAIN_TAGS | {_MAP, _SEQ}
_FastLoader.add_constructor(_MAP, _FastLoader.construct_plain_mapping)
_FastLoader.add_constructor(_SEQ, _FastLoader.construct_plain_sequence)


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


@dataclass
class Document:
    """A parsed YAML file: its values, and (computed when first asked) the line of every field path in it."""

    path: str
    data: Any
    text: str = ""
    _lines: dict[Location, int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[Location, int]:
        """Field path -> line; built from the text on first use, since a valid record rarely needs it."""
        if self._lines is None:
            self._lines = _line_map(self.text)
        return self._lines

    def line_of(self, loc: Location) -> int:
        """The line of `loc`, or of its nearest enclosing field that exists."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1


class _Refused(Exception):
    def __init__(self, line: int, loc: Location, message: str) -> None:
        super().__init__(message)
        self.line, self.loc, self.message = line, loc, message


def parse(raw: bytes, shown_as: str) -> tuple[Document | None, list[Problem]]:
    """Parse YAML bytes into a Document, or report why not."""

    def refuse(line: int, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(shown_as, line, "", message)]

    if len(raw) > MAX_BYTES:
        return refuse(1, f"file is {len(raw):,} bytes (expected a record under {MAX_BYTES:,} bytes)")
    if b"\0" in raw:
        return refuse(raw[: raw.index(b"\0")].count(b"\n") + 1, "file is binary (expected UTF-8 YAML text)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return refuse(raw[: error.start].count(b"\n") + 1, "file is not UTF-8 (expected UTF-8 YAML text; re-save it as UTF-8)")
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return refuse(1, "file is empty (expected a YAML mapping of fields; see lineage/schema.json)")
    try:
        data = yaml.load(text, Loader=_FastLoader)
    except (_Unusual, yaml.YAMLError, RecursionError):
        data = None
    if isinstance(data, dict):
        return Document(shown_as, data, text), []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        return refuse(line, f"invalid YAML: {' '.join(filter(None, [error.context, error.problem]))} (fix the syntax)")
    except (yaml.YAMLError, RecursionError) as error:
        return refuse(1, f"invalid YAML: {str(error).splitlines()[0] if str(error) else 'nesting too deep'} (fix the syntax)")
    if not isinstance(root, yaml.MappingNode):
        return refuse(root.start_mark.line + 1 if root else 1, "top level is not a mapping (expected `field: value` lines)")
    return _build(root, shown_as, text)


def _line_map(text: str) -> dict[Location, int]:
    """The line of every field path of an already validated document."""
    root = yaml.compose(text, Loader=_Loader)
    if root is None:
        return {}
    walker = _Walker(Document("", None), [], lines={(): root.start_mark.line + 1})
    walker.value(root, ())
    return walker.lines or {}


def _build(root: yaml.MappingNode, shown_as: str, text: str) -> tuple[Document | None, list[Problem]]:
    document = Document(shown_as, None, text)
    problems: list[Problem] = []
    walker = _Walker(document, problems, lines=None)
    try:
        document.data = walker.value(root, ())
    except _Refused as refused:
        return None, [Problem(shown_as, refused.line, field_path(refused.loc), refused.message)]
    except RecursionError:
        return None, [Problem(shown_as, 1, "", f"nesting too deep (expected at most {MAX_DEPTH} levels)")]
    return (None if problems else document), problems


class _Walker:
    """Turns composed YAML nodes into plain values, recording lines and refusing aliases, tags and duplicate keys."""

    def __init__(self, document: Document, problems: list[Problem], lines: dict[Location, int] | None) -> None:
        self.document = document
        self.problems = problems
        self.lines = lines
        self.seen: set[int] = set()
        self.count = 0
        self.constructor = _Constructor()

    def value(self, node: yaml.Node, loc: Location) -> Any:
        """The plain value of `node`; the lines of mapping keys and list items are recorded by their parents."""
        if id(node) in self.seen:
            raise _Refused(node.start_mark.line + 1, loc, "anchors and aliases are not supported (write the value out in full)")
        self.seen.add(id(node))
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return node.value if node.tag == _STR else self.scalar(node, loc)
        if len(loc) > MAX_DEPTH:
            raise _Refused(node.start_mark.line + 1, loc, f"nesting too deep (expected at most {MAX_DEPTH} levels)")
        self.count += len(node.value)
        if self.count > MAX_NODES:
            raise _Refused(node.start_mark.line + 1, loc, f"more than {MAX_NODES:,} values (expected a single record)")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc)
        self.check_tag(node, "tag:yaml.org,2002:seq", loc)
        items = []
        for index, item in enumerate(node.value):
            item_loc = (*loc, index)
            if self.lines is not None:
                self.lines[item_loc] = item.start_mark.line + 1
            items.append(self.value(item, item_loc))
        return items

    def mapping(self, node: yaml.MappingNode, loc: Location) -> dict[str, Any]:
        self.check_tag(node, "tag:yaml.org,2002:map", loc)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node, loc) if key_node.__class__ is yaml.ScalarNode else None
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                shown = f"key {key_node.value!r}" if isinstance(key_node, yaml.ScalarNode) else "a key"
                raise _Refused(line, loc, f"{shown} is not a field name (expected text such as `name`)")
            if key in result:
                first = next(k.start_mark.line + 1 for k, _ in node.value if k.__class__ is yaml.ScalarNode and k.value == key)
                self.problems.append(Problem(self.document.path, line, field_path((*loc, key)), f"duplicate key (first given at line {first}; keep one)"))
                continue
            if self.lines is not None:
                self.lines[(*loc, key)] = line
            result[key] = self.value(value_node, (*loc, key))
        return result

    def scalar(self, node: yaml.Node, loc: Location) -> Any:
        if node.tag == _STR:
            return node.value
        if node.tag == _AMBIGUOUS:
            number = plain_number(node.value)
            instead = f"write {number}, or quote it if it is text" if number else "quote it if it is text, or write the number without underscores"
            message = f"{node.value} is read as a number by some YAML readers and as text by others: {instead}"
            self.problems.append(Problem(self.document.path, node.start_mark.line + 1, field_path(loc), message))
            return node.value
        if node.tag not in _PLAIN_TAGS:
            raise _Refused(node.start_mark.line + 1, loc, f"tag {_short(node.tag)!r} is not supported (write a plain value)")
        return self.constructor.construct_object(node)

    @staticmethod
    def check_tag(node: yaml.Node, expected: str, loc: Location) -> None:
        if node.tag != expected:
            raise _Refused(node.start_mark.line + 1, loc, f"tag {_short(node.tag)!r} is not supported (write a plain value)")
