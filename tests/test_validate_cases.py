"""Golden cases: each file under cases/validate/ edits a small valid knowledge base and lists the exact problems."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, UPDATE_GOLDEN, run_tool

CASES = sorted((Path(__file__).parent / "cases" / "validate").glob("*.yml"))


class _CaseDumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks so regenerated cases stay readable."""


_CaseDumper.add_representer(str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def build(case: dict, root: Path) -> None:
    """Copy the mini knowledge base to root/lineage and apply the case's file edits."""
    lineage = root / "lineage"
    shutil.copytree(FIXTURES / "mini", lineage)
    for relative, content in (case.get("files") or {}).items():
        target = lineage / relative
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            data = base64.b64decode(content["base64"]) if "base64" in content else content["repeat"].encode() * content["times"]
            target.write_bytes(data)
        else:
            target.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, tmp_path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    build(case, tmp_path)
    result = run_tool("validate", "lineage", cwd=tmp_path)
    problems = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    if UPDATE_GOLDEN:
        case["problems"] = problems[:-1] if result.returncode else []
        path.write_text(yaml.dump(case, Dumper=_CaseDumper, sort_keys=False, allow_unicode=True, width=200), encoding="utf-8")
        return
    expected = case["problems"]
    if expected:
        assert result.returncode == 1
        assert problems == [*expected, f"{len(expected)} problem(s) found; fix them and run again"]
        assert result.stdout == ""
    else:
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("\n") == 1


def test_every_case_has_a_description() -> None:
    for path in CASES:
        assert yaml.safe_load(path.read_text(encoding="utf-8")).get("description"), path.name
