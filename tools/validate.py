"""Validate the knowledge base: every problem as `path:line: field: message`, exit 1 if any."""

import sys

from lineagekb import cli
from lineagekb.records import model
from lineagekb.validate import validate


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Check every record: YAML syntax, fields, types, vocabularies, references, cycles, dates and sources.",
        "  python tools/validate.py            # the lineage/ folder\n  python tools/validate.py path/to/records",
    )
    args.add_argument("root", nargs="?", type=cli.Path, default=cli.DEFAULT_ROOT, help="folder of records (default: lineage)")
    options = args.parse_args(argv)
    knowledge, problems = validate(options.root)
    if problems:
        return cli.report(problems)
    counts = ", ".join(
        f"{len(records)} {name}"
        for name, records in (
            ("releases", knowledge.releases),
            ("components", knowledge.components),
            ("datasets", knowledge.datasets),
            ("organizations", knowledge.organizations),
            ("fingerprints", knowledge.of_kind(model.Fingerprint)),
        )
    )
    print(f"{options.root}: {len(knowledge.records)} records valid ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
