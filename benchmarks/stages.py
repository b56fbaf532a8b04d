"""One benchmark stage, run in its own process so its time and peak memory are its own.

Usage: python benchmarks/stages.py STAGE RECORDS [OUT]; prints {"seconds": ...} as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from lineagekb.records.lineage import Graph, release_families  # noqa: E402
from lineagekb.validate import validate  # noqa: E402
from lineagekb.website.export import to_json  # noqa: E402
from lineagekb.website.graph import dot, graphs, render_many, render_svg  # noqa: E402
from lineagekb.website.pages import data_files, pages, write  # noqa: E402


def parse_floor(records: Path) -> None:
    """What reading costs at least: libyaml's C parser over every file, nothing else."""
    for path in sorted(records.rglob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def validate_export(records: Path) -> None:
    knowledge, problems = validate(records)
    assert not problems, problems[:3]
    to_json(knowledge)


def generate(records: Path) -> None:
    """Pages and graphs as the site build makes them: Markdown, DOT, and SVG from Graphviz."""
    knowledge, _ = validate(records)
    pages(knowledge)
    render_many(graphs(knowledge), {})


def write_markdown(records: Path, out: Path) -> None:
    """The generated Markdown and data files written to disk, for the plain MkDocs build to compare with."""
    knowledge, _ = validate(records)
    write({**pages(knowledge), **data_files(knowledge)}, out)


def largest_family_graph(records: Path) -> dict[str, float]:
    """The graph of the biggest family, as its family page shows it: how many nodes it draws and how long layout takes."""
    knowledge, _ = validate(records)
    lineage = Graph(knowledge)
    root, members = max(release_families(lineage).items(), key=lambda item: len(item[1]))
    text = dot(lineage, set(members), "../../", root)
    start = time.perf_counter()
    render_svg(text)
    return {"seconds": time.perf_counter() - start, "members": len(members), "drawn": text.count("[label=")}


STAGES = {"floor": parse_floor, "validate": validate_export, "generate": generate}


def main() -> None:
    stage, records = sys.argv[1], Path(sys.argv[2])
    start = time.perf_counter()
    if stage == "graph":
        print(json.dumps(largest_family_graph(records)))
        return
    if stage == "markdown":
        write_markdown(records, Path(sys.argv[3]))
    else:
        STAGES[stage](records)
    print(json.dumps({"seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
