"""Validation: every record read, then the checks across records and the checks on the weights."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .evidence import checks as weight_checks
from .problems import Problem
from .records import check as record_checks
from .records.load import KnowledgeBase, cyclic_gc_paused, load, load_files


def check(knowledge: KnowledgeBase) -> list[Problem]:
    """Every problem a loaded knowledge base has beyond its files' own, sorted by file and line."""
    return sorted(record_checks.check(knowledge) + weight_checks.check(knowledge))


def validate(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load every record under `root` and run every check; the problems are sorted by file and line."""
    with cyclic_gc_paused():
        knowledge, problems = load(root)
        return knowledge, sorted(problems + check(knowledge))


def validate_files(root: Path, files: Iterable[tuple[str, bytes]]) -> tuple[KnowledgeBase, list[Problem]]:
    """Like `validate`, for records given as (path, content) pairs (e.g. read from a git revision)."""
    with cyclic_gc_paused():
        knowledge, problems = load_files(root, files)
        return knowledge, sorted(problems + check(knowledge))
