"""Write the generated site pages as Markdown files, for site generators that do not run MkDocs hooks."""

import sys

from lineagekb import cli
from lineagekb.validate import validate
from lineagekb.website.graph import graphs, inline_graphs, render_many
from lineagekb.website.pages import data_files, pages, write


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Generate the record pages, index pages (graphs inlined as SVG) and data exports into a folder.",
        "  python tools/pages.py --out build/docs   # then copy docs/ over it and build with any generator\n"
        "  python tools/pages.py --out build/docs --edit-url https://github.com/OWNER/REPO/edit/main/",
    )
    args.add_argument("root", nargs="?", type=cli.Path, default=cli.DEFAULT_ROOT, help="folder of records (default: lineage)")
    args.add_argument("--out", type=cli.Path, required=True, help="folder to write the pages into")
    args.add_argument("--edit-url", default="", metavar="URL", help="where records are edited: URL + a record's path (default: no edit link)")
    options = args.parse_args(argv)
    knowledge, problems = validate(options.root)
    if problems:
        return cli.report(problems)
    svgs = render_many(graphs(knowledge), {})
    generated = {path: inline_graphs(text, svgs.get) for path, text in pages(knowledge, options.edit_url).items()}
    generated.update(data_files(knowledge))
    write(generated, options.out)
    print(f"{options.out}: {len(generated)} files written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
