"""Writing the values the Hub is the authority for back into the records: round-trip, all files or none."""

from __future__ import annotations

import datetime
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..problems import DataError, Problem
from ..records import model
from ..records.document import Location, parse
from .findings import Finding

Change = tuple[Location, Any]


def _yaml() -> YAML:
    """A round-trip YAML that writes the records' own style back: block sequences indented under their key, `null`."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def changes(findings: Iterable[Finding]) -> dict[str, list[Change]]:
    """The values to write, by record file: only findings on fields the Hub is the authority for."""
    by_path: dict[str, list[Change]] = {}
    for finding in findings:
        if finding.writable:
            value = datetime.date.fromisoformat(finding.hub_value) if finding.loc == ("hub", "last_modified") else finding.hub_value
            edits = by_path.setdefault(finding.path, [])
            edits.append((finding.loc, value))
            if finding.cites:
                key, entry = finding.cites
                edits += [((*finding.loc[:-1], f"{finding.loc[-1]}_source"), key), (("sources", key), entry)]
    return by_path


def edit(text: str, edits: list[Change], record_class: type[BaseModel]) -> str:
    """`text` with each (location, value) set, keeping comments, key order, quoting and layout."""
    yaml = _yaml()
    data = yaml.load(text)
    for loc, value in edits:
        _set(data, loc, value, record_class)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _set(data: Any, loc: Location, value: Any, cls: type[BaseModel]) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
        cls = _field_class(cls, part)
    key = loc[-1]
    if isinstance(node, CommentedSeq) or key in node:
        node[key] = value
        return
    assert isinstance(node, CommentedMap) and isinstance(key, str)
    order = list(cls.model_fields)
    if key not in order:  # a new entry of a free-keyed map (`sources`) goes last
        node[key] = CommentedMap(value) if isinstance(value, dict) else value
        return
    position = sum(1 for existing in node if existing in order and order.index(existing) < order.index(key))
    node.insert(position, key, value)


def _field_class(cls: type[BaseModel], part: str | int) -> type[BaseModel]:
    """The model class found one step inside `cls` (list items keep their list's class)."""
    if isinstance(part, int):
        return cls
    inside: dict[str | int, type[BaseModel]] = {"hub": model.Hub, "checkpoints": model.Checkpoint}
    return inside.get(part, cls)


def verify(path: str, old: str, new: str, edits: list[Change]) -> list[Problem]:
    """`new` must read as `old` with exactly the edits applied (a guard against any formatting surprise)."""
    before, _ = parse(old.encode(), path)
    after, problems = parse(new.encode(), path)
    if before is None or after is None:
        return problems or [Problem(path, 1, "", "the record could not be read back after editing; nothing was written")]
    expected = before.data
    for loc, value in edits:
        target = expected
        for part in loc[:-1]:
            target = target[part]
        target[loc[-1]] = value.isoformat() if isinstance(value, datetime.date) else value
    if after.data != expected:
        return [Problem(path, 1, "", "editing changed more than the Hub-owned values; nothing was written")]
    return []


def plan(by_path: dict[str, list[Change]], kinds: dict[str, type[BaseModel]]) -> dict[Path, tuple[str, str]]:
    """The (old, new) text of every file to change; raises DataError if any edit cannot be made cleanly."""
    texts: dict[Path, tuple[str, str]] = {}
    problems: list[Problem] = []
    for shown, edits in sorted(by_path.items()):
        path = Path(shown)
        old = path.read_bytes().decode("utf-8")
        new = edit(old, edits, kinds[shown])
        problems += verify(shown, old, new, edits)
        texts[path] = (old, new)
    if problems:
        raise DataError(problems)
    return texts


def commit(texts: dict[Path, tuple[str, str]], replace: Callable[[str, Path], None] = os.replace) -> list[Path]:
    """Write every new text to a temporary file beside its record, then rename them all into place.

    If anything fails, the temporary files are removed and the records already renamed get their old text back,
    so every record is byte-identical to before.
    """
    temps: dict[Path, str] = {}
    done: list[Path] = []
    try:
        for path, (_, new) in texts.items():
            handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = temp
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(new)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, path.stat().st_mode & 0o7777)
        for path, temp in temps.items():
            replace(temp, path)
            done.append(path)
    except BaseException:
        for path in done:
            _restore(path, texts[path][0])
        for temp in temps.values():
            Path(temp).unlink(missing_ok=True)
        raise
    return done


def _restore(path: Path, old: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".restore", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write(old)
    os.replace(temp, path)
