"""The command-line scripts as users run them: help, exit statuses, the real knowledge base."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_tool

COMMANDS = ["validate", "export", "schema", "pages"]


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_an_example(name: str) -> None:
    result = run_tool(name, "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout
    assert f"python tools/{name}.py" in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_bad_option_is_a_usage_error(name: str) -> None:
    result = run_tool(name, "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_real_knowledge_base_validates() -> None:
    result = run_tool("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("lineage: ") and result.stdout.count("\n") == 1


def test_missing_folder(tmp_path: Path) -> None:
    result = run_tool("validate", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "nowhere:1: not a folder (expected the folder of records, e.g. lineage/)"


def test_export_refuses_invalid_records(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "mini", tmp_path / "lineage")
    (tmp_path / "lineage" / "datasets" / "pairs.yaml").write_text("kind: dataset\nid: pairs\n", encoding="utf-8")
    result = run_tool("export", "lineage", "--out", "out.json", cwd=tmp_path)
    assert result.returncode == 1
    assert "lineage/datasets/pairs.yaml:1: name: required field is missing" in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_export_is_deterministic_and_writes_a_file(tmp_path: Path) -> None:
    first = run_tool("export")
    second = run_tool("export", "lineage", "--out", str(tmp_path / "lineage.json"))
    assert first.returncode == second.returncode == 0
    assert (tmp_path / "lineage.json").read_text(encoding="utf-8") == first.stdout
    assert json.loads(first.stdout)


def test_schema_is_current() -> None:
    result = run_tool("schema", "--check")
    assert result.returncode == 0, result.stderr


def test_stale_schema_is_reported(tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    result = run_tool("schema", "--check", "--out", str(stale))
    assert result.returncode == 1
    assert result.stderr == f"{stale}:1: schema is stale (run `python tools/schema.py` and commit the result)\n"


def test_every_record_points_editors_at_the_schema() -> None:
    for path in sorted((REPO / "lineage").rglob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../schema.json\n"), path
