"""Write (or check) lineage/schema.json, generated from the record model."""

import sys

from lineagekb import cli
from lineagekb.records.schema import schema_text


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Generate the JSON Schema of the records from tools/lineagekb/records/model.py.",
        "  python tools/schema.py            # rewrite lineage/schema.json\n  python tools/schema.py --check    # exit 1 if it is stale",
    )
    args.add_argument("--out", type=cli.Path, default=cli.DEFAULT_ROOT / "schema.json", help="schema file (default: lineage/schema.json)")
    args.add_argument("--check", action="store_true", help="do not write; exit 1 when the file differs from the model")
    options = args.parse_args(argv)
    text = schema_text()
    current = options.out.read_text(encoding="utf-8") if options.out.exists() else None
    if options.check:
        if current != text:
            print(f"{options.out}:1: schema is stale (run `python tools/schema.py` and commit the result)", file=sys.stderr)
            return 1
        print(f"{options.out}: up to date")
        return 0
    if current != text:
        options.out.write_text(text, encoding="utf-8")
    print(f"{options.out}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
