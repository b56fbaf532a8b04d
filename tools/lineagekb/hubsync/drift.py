"""Showing a sync result: a readable report, JSON, or GitHub workflow annotations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..escape import markdown_code, spell_out, terminal
from ..records.load import KnowledgeBase
from .findings import Finding, SyncResult, Unchecked


@dataclass(frozen=True)
class Discovered:
    """A Hub model declaring one of our releases as its base model, not recorded yet."""

    repo: str
    base: str
    """The release record it declares as base model."""
    base_repo: str
    relation: str
    downloads: int

    def as_json(self) -> dict[str, Any]:
        return {"repo": self.repo, "base": self.base, "base_repo": self.base_repo, "relation": self.relation, "downloads": self.downloads}


def hub_shown(finding: Finding) -> str:
    """The Hub's value with how it was found, e.g. `768 (unet sample_size 96 x 8)`."""
    if finding.detail is None:
        return shown(finding.hub_value)
    return finding.detail if finding.hub_value is None else f"{shown(finding.hub_value)} ({finding.detail})"


def shown(value: Any) -> str:
    """A record or Hub value as one line of text."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


def table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Rows as aligned columns; the first row is the header. Cells hold Hub and record text, shown terminal-safe."""
    rows = [[terminal(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [(indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))).rstrip() for row in rows]


def text(result: SyncResult, knowledge: KnowledgeBase, verbose: bool = False, discovered: list[Discovered] | None = None) -> str:
    """The readable report: a table per record with drift (and info, when verbose), then a summary."""
    lines: list[str] = []
    for record_id in result.records:
        findings = [f for f in result.findings if f.record == record_id and (verbose or f.severity == "drift")]
        unchecked = [u for u in result.unchecked if u.record == record_id]
        if not findings and not unchecked:
            continue
        lines += ["", terminal(f"{record_id}  {knowledge.documents[record_id].path}")]
        if findings:
            rows = [["line", "kind", "field", "record [source]", "hub", "repo"]]
            for f in findings:
                recorded = shown(f.record_value) + (f" [{f.source}]" if f.source and f.record_value is not None else "")
                rows.append([str(f.line), f.kind if f.severity == "drift" else f"{f.kind} (info)", f.field, recorded, hub_shown(f), f.repo])
            lines += table(rows)
        lines += [terminal(f"  unchecked  {u.repo}: {u.reason}") for u in unchecked]
    if discovered is not None:
        lines += discovery(discovered)
    lines += ["", summary(result)]
    return "\n".join(lines).lstrip("\n") + "\n"


def discovery(discovered: list[Discovered]) -> list[str]:
    if not discovered:
        return ["", "Discovered: no unrecorded Hub model declares one of these releases as its base model."]
    rows = [["downloads", "repo", "relation", "base"]]
    rows += [[f"{d.downloads:,}", d.repo, d.relation, f"{d.base} ({d.base_repo})"] for d in discovered]
    return ["", f"Discovered: {len(discovered)} Hub model(s) not recorded yet declare one of these releases as base model:", *table(rows)]


def summary(result: SyncResult) -> str:
    """One line: what was checked and what was found."""
    drift = result.drift
    infos = [f for f in result.findings if f.severity == "info"]
    parts = [f"{len(result.records)} record(s), {len(result.checked)} repo(s) checked"]
    if drift:
        parts.append(f"{len(drift)} drift finding(s) in {len({f.record for f in drift})} record(s)")
    if result.unchecked:
        parts.append(f"{len(result.unchecked)} repo(s) unchecked")
    if infos:
        writable = sum(1 for f in infos if f.writable)
        parts.append(f"{len(infos)} value(s) the Hub states are not recorded ({writable} filled in by --write; -v lists them)")
    if not drift and not result.unchecked:
        parts.append("in sync")
    written = sum(1 for f in drift if f.writable)
    if written:
        parts.append(f"{written} Hub-owned value(s) can be updated with --write; the rest need a person")
    return "; ".join(parts) + "."


def as_json(result: SyncResult, discovered: list[Discovered] | None = None) -> str:
    """`{"checked": [...], "findings": [...], "unchecked": [...]}` (and `"discovered"` with --discover), sorted."""
    data: dict[str, Any] = {
        "checked": result.checked,
        "findings": [f.as_json() for f in result.findings],
        "unchecked": [u.as_json() for u in result.unchecked],
    }
    if discovered is not None:
        data["discovered"] = [d.as_json() for d in discovered]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _escape(value: str, property: bool = False) -> str:
    """A workflow command's data: percent-encoded as the runner decodes it, other control characters spelled out."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    value = spell_out(value)
    return value.replace(":", "%3A").replace(",", "%2C") if property else value


ISSUE_MARKER = "<!-- hub-sync -->"


def issue_body(result: SyncResult, knowledge: KnowledgeBase) -> str:
    """The body of the drift issue the sync workflow keeps open, in GitHub Markdown. Every value from a record or the
    Hub is inline code: nothing in it becomes markup, a link, an image or a mention."""
    lines = [ISSUE_MARKER, summary(result), ""]
    for f in result.findings:
        label = "drift" if f.severity == "drift" else "info"
        recorded = markdown_code(shown(f.record_value)) + (f" (source {markdown_code(f.source)})" if f.source and f.record_value is not None else "")
        lines.append(
            f"- **{label}** {markdown_code(f'{f.path}:{f.line}')} {markdown_code(f.field)}: the record says {recorded}; "
            f"{markdown_code(f.repo)} on the Hub says {markdown_code(hub_shown(f))}"
        )
    for u in result.unchecked:
        path = knowledge.documents[u.record].path
        lines.append(f"- **unchecked** {markdown_code(path)}: {markdown_code(u.repo)} could not be checked: {markdown_code(u.reason)}")
    lines += [
        "",
        "Check each value against the Hub and its source, then run `python tools/sync_hub.py --write` for the values the Hub owns,",
        "or correct the record (with a source) in a pull request. This issue is updated by the weekly sync and closed when the records are in step.",
    ]
    return "\n".join(lines) + "\n"


def github(result: SyncResult, knowledge: KnowledgeBase) -> str:
    """GitHub workflow commands: an error per drift, a notice per info, a warning per unchecked repo."""
    lines = [_annotation(f) for f in result.findings]
    lines += [_unchecked(u, knowledge) for u in result.unchecked]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _annotation(f: Finding) -> str:
    level = "error" if f.severity == "drift" else "notice"
    source = f" (source: {f.source})" if f.source and f.record_value is not None else ""
    message = f"{f.field}: the record says {shown(f.record_value)}{source}; {f.repo} on the Hub says {hub_shown(f)}"
    title = _escape(f"hub sync: {f.kind}", property=True)
    return f"::{level} file={_escape(f.path, True)},line={f.line},title={title}::{_escape(message)}"


def _unchecked(u: Unchecked, knowledge: KnowledgeBase) -> str:
    document = knowledge.documents[u.record]
    line = document.line_of(("hub", "repo"))
    title = _escape("hub sync: unchecked", property=True)
    return f"::warning file={_escape(document.path, True)},line={line},title={title}::{_escape(f'{u.repo} could not be checked: {u.reason}')}"
