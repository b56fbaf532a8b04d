"""Export the knowledge base as deterministic JSON."""

import sys

from lineagekb import cli
from lineagekb.validate import validate
from lineagekb.website.export import to_json


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Write the whole knowledge base as sorted JSON: releases, datasets, components, organizations.",
        "  python tools/export.py --out site/lineage.json\n  python tools/export.py | jq '.releases[].id'",
    )
    args.add_argument("root", nargs="?", type=cli.Path, default=cli.DEFAULT_ROOT, help="folder of records (default: lineage)")
    args.add_argument("--out", type=cli.Path, help="write to this file instead of standard output")
    options = args.parse_args(argv)
    knowledge, problems = validate(options.root)
    if problems:
        return cli.report(problems)
    text = to_json(knowledge)
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
