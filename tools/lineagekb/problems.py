"""Problems found in the records: data, printed separately from how they are found."""

from __future__ import annotations

from dataclasses import dataclass

from .escape import terminal


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the records, located at a file and line."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        """One line, safe to print: file names, keys and values come from untrusted records."""
        where = f"{self.path}:{self.line}:"
        return terminal(f"{where} {self.field}: {self.message}" if self.field else f"{where} {self.message}")


class DataError(Exception):
    """The user's records are wrong; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the records")
        self.problems = problems


def field_path(loc: tuple[str | int, ...]) -> str:
    """Render a location like ('parents', 0, 'relation') as `parents[0].relation`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
