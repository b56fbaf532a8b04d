"""MkDocs glue: validate the records, then add the generated pages. All the work lives in lineagekb."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))

from lineagekb.check import validate  # noqa: E402
from lineagekb.graph import graphs, render_svg  # noqa: E402
from lineagekb.pages import data_files, pages  # noqa: E402

ROOT = Path(__file__).parent.parent / "lineage"
PLACEHOLDER = re.compile(r'<div class="lineage-graph" data-search-exclude data-graph="([^"]+)"></div>')
_dots: dict[str, str] = {}


def on_files(files: Files, config) -> Files:
    knowledge, problems = validate(ROOT)
    if problems:
        raise PluginError("the records do not validate:\n" + "\n".join(map(str, problems)))
    _dots.clear()
    _dots.update(graphs(knowledge))
    generated = {**pages(knowledge, config.extra.get("records_edit_url", "")), **data_files(knowledge)}
    for path, text in generated.items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, content=text))
    return files


def on_post_page(output: str, page, config) -> str:
    """Inline each graph's SVG after rendering: Markdown never sees it, and it stays out of the search index."""
    def svg(match: re.Match[str]) -> str:
        dot = _dots.get(match.group(1))
        return f'<div class="lineage-graph" data-search-exclude>{render_svg(dot)}</div>' if dot else ""

    return PLACEHOLDER.sub(svg, output)


def on_serve(server, config, builder):
    server.watch(str(ROOT))
    return server
