"""MkDocs glue: validate the records, then add the generated pages. All the work lives in lineagekb."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))

from lineagekb.check import validate  # noqa: E402
from lineagekb.graph import SVG_CACHE, graphs, inline_graphs, render_many  # noqa: E402
from lineagekb.pages import data_files, pages  # noqa: E402

# The records folder; tests point builds at a temporary copy through this variable.
ROOT = Path(os.environ.get("MODEL_LINEAGE_RECORDS") or Path(__file__).parent.parent / "lineage")
_svgs: dict[str, str] = {}


def on_files(files: Files, config) -> Files:
    knowledge, problems = validate(ROOT)
    if problems:
        raise PluginError("the records do not validate:\n" + "\n".join(map(str, problems)))
    _svgs.clear()
    _svgs.update(render_many(graphs(knowledge), SVG_CACHE))
    generated = {**pages(knowledge, config.extra.get("records_edit_url", "")), **data_files(knowledge)}
    for path, text in generated.items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, content=text))
    return files


def on_post_page(output: str, page, config) -> str:
    """Inline graphs after rendering: Markdown never parses the SVG, and it stays out of the search index."""
    return inline_graphs(output, _svgs)


def on_serve(server, config, builder):
    server.watch(str(ROOT))
    return server
