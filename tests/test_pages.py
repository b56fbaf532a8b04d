"""Generated pages: one per record, escaped, linking only to pages that exist; the site builds strictly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from lineagekb.validate import validate
from lineagekb.website.markdown import escape_markdown
from lineagekb.website.pages import pages


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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return out


def test_every_release_has_its_page(site: Path) -> None:
    knowledge, _ = validate(REPO / "lineage")
    for release in knowledge.releases:
        assert (site / "releases" / release.id / "index.html").is_file(), release.id


def test_graph_nodes_link_to_pages_that_exist(site: Path) -> None:
    pages_with_graphs = [site / "families" / "sdxl" / "index.html", site / "releases" / "index.html", site / "releases" / "sd-v2-1" / "index.html"]
    for page in pages_with_graphs:
        links = re.findall(r'<a xlink:href="([^"]+)"', page.read_text(encoding="utf-8"))
        assert links, page
        for link in links:
            assert (page.parent / link / "index.html").resolve().is_file(), (page, link)


def test_exports_are_published(site: Path) -> None:
    for name in ["lineage.json", "lineage.schema.json", "lineage.csv", "lineage-edges.csv", "lineage.dot", "lineage.graphml", "schema.json"]:
        assert (site / name).stat().st_size > 0
    assert 'href="../lineage.csv"' in (site / "data" / "index.html").read_text(encoding="utf-8")


def test_graph_text_stays_out_of_the_search_index(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any("<svg" in doc["text"] or "node-sd-v1-5" in doc["text"] for doc in index["docs"])


def test_no_reference_off_the_site(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), page


def test_notes_and_unstated_facts_on_release_pages() -> None:
    from lineagekb.validate import validate
    from lineagekb.website.pages import pages

    knowledge, _ = validate(REPO / "lineage")
    generated = pages(knowledge)
    depth = generated["releases/sd-v2-0-depth.md"]
    assert "MiDaS" in depth and "unknown" not in depth.lower()
    pro = generated["releases/flux-1-pro.md"]
    assert "No public weights" in pro and "not stated ([add a source](../contribute.md" in pro
    inpainting = generated["releases/sdxl-1-0-inpainting-0-1.md"]
    assert "Published by the Hugging Face diffusers team" in inpainting
    # a parent table after an unstated initialisation is a table, not raw text (a blank line before it)
    assert "No source states how it was initialised.\n\n| parent | relation |" in generated["releases/flux-1-dev.md"]
