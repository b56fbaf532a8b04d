"""Review a change to the records as a pull-request comment: validation at head, what changed since base, graphs."""

import json
import sys
from pathlib import Path

from lineagekb import cli
from lineagekb.review.render import GraphError, markdown, to_data, write_graphs
from lineagekb.review.review import review
from lineagekb.review.revision import RevisionError, toplevel


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Compare the records of a branch (default: the working tree) with where it branched off --base, read straight from git: "
        "validation at head; records added, removed, renamed and changed field by field; lineage edges and the ancestry they change; "
        "values changed without a new source; sources added and removed; before/after graphs. Exit 1 when head does not validate.",
        "  python tools/review_pr.py --base main                       # the working tree against main\n"
        "  python tools/review_pr.py --base origin/main --head HEAD --out review/   # also writes before.svg, after.svg\n"
        "  python tools/review_pr.py --base main --format json | jq .summary",
    )
    args.add_argument("--base", required=True, help="branch, tag or commit the change will merge into, e.g. main")
    args.add_argument("--head", help="branch, tag or commit to review (default: the working tree, committed or not)")
    args.add_argument("--out", type=Path, help="folder to write the graphs into, as before/after .dot and .svg")
    args.add_argument("--format", choices=["markdown", "json"], default="markdown", help="output format (default: markdown)")
    args.add_argument("--records", default=str(cli.DEFAULT_ROOT), help="folder of records, from the repository root (default: lineage)")
    options = args.parse_args(argv)
    try:
        report = review(toplevel(Path.cwd()), options.base, options.head, options.records)
        svg_files = write_graphs(report, options.out) if options.out else {}
    except (RevisionError, GraphError) as error:
        print(f"review_pr.py: error: {error}", file=sys.stderr)
        return 2
    if options.format == "json":
        sys.stdout.write(json.dumps(to_data(report, svg_files), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(markdown(report, svg_files))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
