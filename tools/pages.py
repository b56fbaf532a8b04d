"""Write the generated site pages as Markdown files, for site generators that do not run MkDocs hooks."""

import sys

from lineagekb import cli
from lineagekb.check import validate
from lineagekb.pages import pages, write


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Generate the release, component, dataset and organisation pages into a folder.",
        "  python tools/pages.py --out build/docs   # then copy docs/ over it and build with any generator",
    )
    args.add_argument("root", nargs="?", type=cli.Path, default=cli.DEFAULT_ROOT, help="folder of records (default: lineage)")
    args.add_argument("--out", type=cli.Path, required=True, help="folder to write the pages into")
    options = args.parse_args(argv)
    knowledge, problems = validate(options.root)
    if problems:
        return cli.report(problems)
    generated = pages(knowledge)
    write(generated, options.out)
    print(f"{options.out}: {len(generated)} pages written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
