"""The command-line scripts as users run them: help, exit statuses, the real knowledge base."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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


def test_make_site_fails_on_a_broken_link(tmp_path: Path) -> None:
    """`make site` is strict: a warning (here a broken link in docs/) fails it, as CI relies on."""
    for name in ("mkdocs.yml", "Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, tmp_path / name)
    for folder in ("docs", "tools", "lineage"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    # the copy uses this checkout's venv as it is: `-o` keeps make from reinstalling the package from the copy
    venv = [f"VENV={REPO / '.venv'}", "-o", str(REPO / ".venv" / ".installed")]
    clean = subprocess.run(["make", "-s", "site", *venv], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert clean.returncode == 0, clean.stderr[-2000:]
    with (tmp_path / "docs" / "data.md").open("a", encoding="utf-8") as page:
        page.write("\n[a broken link](nowhere.md)\n")
    broken = subprocess.run(["make", "-s", "site", *venv], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert broken.returncode != 0
    output = broken.stdout + broken.stderr
    assert "nowhere.md" in output and "strict mode" in output


def test_pages_output_builds_strictly_without_hooks(tmp_path: Path) -> None:
    """`tools/pages.py --out` feeds a generator that runs no hooks: the folder, with docs/ copied over it, builds
    strictly, and records get an edit link only when --edit-url is given."""
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    result = run_tool("pages", "--out", str(docs))
    assert result.returncode == 0, result.stderr
    assert "Edit this record" not in (docs / "releases" / "sd-v1-5.md").read_text(encoding="utf-8")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config.pop("hooks")
    config["docs_dir"] = str(docs)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(tmp_path / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    edited = tmp_path / "edited"
    assert run_tool("pages", "--out", str(edited), "--edit-url", "https://example.org/edit/main/").returncode == 0
    assert "(https://example.org/edit/main/lineage/releases/sd-v1-5.yaml)" in (edited / "releases" / "sd-v1-5.md").read_text(encoding="utf-8")


def test_properdocs_builds_the_site_unchanged(tmp_path: Path) -> None:
    """ProperDocs, the MkDocs 1.x continuation, builds the same configuration with its hooks: graphs and titles too."""
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "properdocs"), "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    page = (site / "releases" / "sd-v1-5" / "index.html").read_text(encoding="utf-8")
    assert "<title>Stable Diffusion v1-5 - Model Lineage</title>" in page and "<svg" in page
    assert (site / "lineage.json").exists() and (site / "families" / "flux-1" / "index.html").exists()
