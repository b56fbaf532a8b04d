"""Generated pages: one per record, escaped, linking only to pages that exist; the site builds strictly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, REPO
from lineagekb.check import validate
from lineagekb.markdown import escape_markdown
from lineagekb.pages import pages


def mini_pages(tmp_path: Path, name: str = "Tuned model") -> dict[str, str]:
    shutil.copytree(FIXTURES / "mini", tmp_path / "lineage")
    tuned = tmp_path / "lineage" / "releases" / "tuned.yaml"
    tuned.write_text(tuned.read_text(encoding="utf-8").replace("name: Tuned model", f"name: {name!r}"), encoding="utf-8")
    knowledge, problems = validate(tmp_path / "lineage")
    assert problems == []
    return pages(knowledge)


def test_a_page_per_record(tmp_path: Path) -> None:
    generated = mini_pages(tmp_path)
    for path in ["releases/base.md", "releases/tuned.md", "components/enc.md", "datasets/pairs.md", "organizations/acme.md"]:
        assert path in generated


def test_training_history_accumulates_steps_from_scratch(tmp_path: Path) -> None:
    page = mini_pages(tmp_path)["releases/tuned.md"]
    assert "from scratch: 1,500 steps in total" in page
    assert "| 1 | [Base model](../releases/base.md) | 1,000 | 1,000 | 256 |" in page
    assert "| 2 | [Tuned model](../releases/tuned.md) | 500 | 1,500 | 512 |" in page


def test_record_strings_are_escaped(tmp_path: Path) -> None:
    page = mini_pages(tmp_path, name="<script>alert(1)</script>")["releases/tuned.md"]
    assert "<script>" not in page
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in page


def test_escape_markdown_neutralises_links_and_tables() -> None:
    assert escape_markdown("[x](javascript:alert(1)) | y") == "\\[x\\]\\(javascript:alert\\(1\\)\\) \\| y"


def test_real_site_builds_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    knowledge, _ = validate(REPO / "lineage")
    for release in knowledge.releases:
        assert (tmp_path / "site" / "releases" / release.id / "index.html").is_file(), release.id
