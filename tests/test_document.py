"""The fast reading path gives exactly what the careful, line-tracking walk gives, for every real record."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import REPO
from lineagekb.records import document

RECORDS = sorted((REPO / "lineage").rglob("*.yaml"))


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_fast_path_matches_the_careful_walk(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, problems = document.parse(path.read_bytes(), str(path))
    assert problems == [] and fast is not None
    careful, problems = document._build(yaml.compose(text, Loader=document._Loader), str(path), text)
    assert problems == [] and careful is not None
    assert fast.data == careful.data


def test_lines_are_computed_on_demand() -> None:
    parsed, _ = document.parse(b"kind: dataset\nid: x\nparents:\n  - id: a\n    relation: finetune\n", "x.yaml")
    assert parsed is not None
    assert parsed.line_of(("parents", 0, "relation")) == 5
    assert parsed.line_of(("parents", 3, "id")) == 3
