"""MkDocs glue: validate the records, then add the generated pages. All the work lives in lineagekb."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))

from lineagekb.validate import validate  # noqa: E402
from lineagekb.website.graph import SERVE_CACHE, graphs, inline_graphs, render_many  # noqa: E402
from lineagekb.website.pages import data_files, pages, write  # noqa: E402

# The records folder; tests point builds at a temporary copy through this variable.
ROOT = Path(os.environ.get("MODEL_LINEAGE_RECORDS") or Path(__file__).parent.parent / "lineage")
_svgs: dict[str, bytes] = {}
"""Rendered graphs by placeholder key, compressed: at 10,000 releases they would otherwise hold 100 MB until used."""
_generated: list[str] = []


def on_startup(command: str, dirty: bool) -> None:
    # Rebuilds of `mkdocs serve` import this file afresh; the environment carries the command over to them.
    if command == "serve":
        os.environ["MODEL_LINEAGE_SERVING"] = "1"


def on_files(files: Files, config) -> Files:
    knowledge, problems = validate(ROOT)
    if problems:
        raise PluginError("the records do not validate:\n" + "\n".join(map(str, problems)))
    serving = os.environ.get("MODEL_LINEAGE_SERVING") == "1"
    _svgs.clear()
    _svgs.update((key, zlib.compress(svg.encode(), 1)) for key, svg in render_many(graphs(knowledge), SERVE_CACHE if serving else {}).items())
    # Generated pages go through files on disk, as hand-written ones do, so the build does not hold them all in memory.
    folder = Path(tempfile.mkdtemp(prefix="model-lineage-pages-"))
    _generated.append(str(folder))
    generated = {**pages(knowledge, config.extra.get("records_edit_url", "")), **data_files(knowledge)}
    write(generated, folder)
    for path in generated:
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, abs_src_path=str(folder / path)))
    return files


def on_post_page(output: str, page, config) -> str:
    """Inline graphs after rendering: Markdown never parses the SVG, and it stays out of the search index."""

    def svg_of(key: str) -> str | None:
        compressed = _svgs.pop(key, None)
        return zlib.decompress(compressed).decode() if compressed else None

    return inline_graphs(output, svg_of)


def on_post_build(config) -> None:
    while _generated:
        shutil.rmtree(_generated.pop(), ignore_errors=True)


def on_build_error(error: Exception) -> None:
    on_post_build(None)


def on_serve(server, config, builder):
    server.watch(str(ROOT))
    return server
