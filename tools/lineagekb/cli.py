"""What the command-line scripts share: argument parsing with examples, and exit statuses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .problems import Problem

DEFAULT_ROOT = Path("lineage")


def parser(description: str, examples: str) -> argparse.ArgumentParser:
    """An argument parser whose --help ends with examples."""
    return argparse.ArgumentParser(
        description=description,
        epilog="Example:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def report(problems: list[Problem]) -> int:
    """Print every problem on stderr; the exit status to return."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found; fix them and run again", file=sys.stderr)
    return 1 if problems else 0
