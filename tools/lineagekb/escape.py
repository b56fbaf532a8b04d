"""Text from records and from the Hub is untrusted: the characters no record may hold, and the escaping rules for the
outputs that are not Markdown (see `markdown.py`), DOT (`graph.quote`) or XML (`export`): terminal and CI logs, HTML
that the site theme inserts unescaped, and inline code in GitHub Markdown."""

from __future__ import annotations

import html
import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
FORBIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")
"""C0 and C1 control characters except tab and newline, line and paragraph separators, and bidirectional overrides:
never allowed in a record (block text may hold newlines and tabs)."""
FORBIDDEN_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")
"""The same plus tab and newline: what may not reach one line of terminal output unescaped."""
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\e"}


def visible(char: str) -> str:
    """A control character spelled out, e.g. `\\e` for ESC and `\\u202e` for a right-to-left override."""
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def spell_out(text: str, forbidden: re.Pattern[str] = FORBIDDEN_IN_LINE) -> str:
    """`text` with every character `forbidden` matches written as its visible escape."""
    return forbidden.sub(lambda match: visible(match.group()), text)


def terminal(text: str) -> str:
    """One line for a terminal or CI log: control characters shown escaped, and never a workflow command (`::`)."""
    shown = spell_out(text)
    return "\\x3a" + shown[1:] if shown.startswith("::") else shown


def html_text(text: str) -> str:
    """Text for HTML that a template inserts as it is (page titles and tag names in the site theme)."""
    return html.escape(spell_out(text), quote=True)


def no_workflow_commands(markdown: str) -> str:
    """Markdown printed where a CI log shows it: a line starting with `::` gets its first colon as an entity, which
    renders the same but is no workflow command."""
    return re.sub(r"(?m)^::", "&#58;:", markdown)


def markdown_code(text: str) -> str:
    """Inline code in GitHub Markdown, fenced with more backticks than the text holds: no markup, link or image in it
    is interpreted, and a mention stays text."""
    shown = spell_out(text)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{padding}{shown}{padding}{fence}"
