"""What a sync run finds: the kinds of finding, one finding, a repository it could not check, and the whole result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..problems import field_path
from ..records.document import Location

KINDS = (
    "repo-missing",
    "repo-renamed",
    "status",
    "gated",
    "license",
    "base-model",
    "file-missing",
    "file-changed",
    "prediction-type",
    "resolution",
    "text-encoder",
    "shift",
    "header-changed",
    "fingerprint",
    "unfingerprinted",
    "revision",
)


@dataclass(frozen=True)
class Finding:
    """One place where a record and the Hub disagree, or where the Hub states what the record leaves out."""

    record: str
    repo: str
    kind: str
    loc: Location
    record_value: Any
    hub_value: Any
    severity: str
    """`drift` when the values differ, `info` when the record does not state the value."""
    path: str = ""
    line: int = 1
    source: str | None = None
    """The `sources` entry the record's value rests on."""
    detail: str | None = None
    """Where the Hub's value comes from or how it was derived, e.g. `unet sample_size 96 x 8`."""
    cites: tuple[str, dict[str, str]] | None = None
    """A source to add with the value (its key and entry), so that a written value says what it was read from."""

    @property
    def field(self) -> str:
        return field_path(self.loc)

    @property
    def writable(self) -> bool:
        """Whether `--write` updates this value: revision, last-modified, file sizes and hashes, removal, a missing
        fingerprint that the live header fits; never curated facts."""
        return self.kind in ("revision", "file-changed", "fingerprint") or (self.kind == "repo-missing" and self.loc == ("hub", "status"))

    def as_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "repo": self.repo,
            "kind": self.kind,
            "field": self.field,
            "record_value": self.record_value,
            "hub_value": self.hub_value,
            "detail": self.detail,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "source": self.source,
        }


@dataclass(frozen=True)
class Unchecked:
    """A repository the run could not check, and why."""

    record: str
    repo: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"record": self.record, "repo": self.repo, "reason": self.reason}


@dataclass
class SyncResult:
    """Everything one run found."""

    records: list[str]
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def drift(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "drift"]

    def exit_status(self) -> int:
        """0 all checked and in sync, 1 drift found, 3 no drift but some repos could not be checked."""
        return 1 if self.drift else 3 if self.unchecked else 0
