"""The knowledge base as CSV tables for spreadsheets, pandas and duckdb: releases, and the edges between records.

Rules (documented on the Data page): an empty cell is a fact no source states; integers are written as integers;
booleans as `true`/`false`; dates as recorded, `YYYY-MM-DD` or `YYYY-MM`, with their precision in a column of its own;
lists of ids joined with `;`; text a spreadsheet would run as a formula starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from ..evidence.compare import weight_evidence
from ..records import model
from ..records.lineage import Histories
from ..records.load import KnowledgeBase

CSV_COLUMNS = [
    "id",
    "name",
    "family",
    "organization",
    "released",
    "released_precision",
    "task",
    "architecture",
    "from_scratch",
    "own_steps",
    "steps_from_scratch",
    "resolution",
    "text_encoders",
    "prediction_type",
    "autoencoder",
    "nsfw_filtering",
    "license",
    "hub_repo",
    "hub_status",
    "mirrors",
    "note",
]
EDGE_COLUMNS = ["child", "parent", "relation", "method", "weights_evidence", "source_url", "quote"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fact(value: model.Fact[Any] | None) -> Any:
    """The value of a fact, or None when unknown."""
    return None if value is None else value.value


def plain(value: Any) -> Any:
    """Vocabularies to their strings; other values unchanged."""
    return value.value if isinstance(value, model.Vocabulary) else value


def date_precision(date: str | None) -> str | None:
    """`day` for `YYYY-MM-DD`, `month` for `YYYY-MM`, None for an unknown date."""
    return None if date is None else ("day" if date.count("-") == 2 else "month")


def total_steps(record: model.Lineage) -> int | None:
    """Steps of this record's own stages, or None when a stage's steps are unknown."""
    steps = [stage.steps for stage in record.training]
    return None if not steps or None in steps else sum(s for s in steps if s is not None)


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    text = ("true" if value else "false") if isinstance(value, bool) else str(plain(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def release_row(record: model.Release, histories: Histories) -> dict[str, Any]:
    """One release as a row of `lineage.csv`, before escaping."""
    released = fact(record.released)
    license_ = record.license
    return {
        "id": record.id,
        "name": record.name,
        "family": record.family,
        "organization": record.organization.value,
        "released": released,
        "released_precision": date_precision(released),
        "task": record.task,
        "architecture": fact(record.architecture),
        "from_scratch": record.from_scratch,
        "own_steps": total_steps(record),
        "steps_from_scratch": histories.steps_from_scratch(record.id),
        "resolution": fact(record.resolution),
        "text_encoders": ";".join(e.id for e in record.text_encoders),
        "prediction_type": fact(record.prediction_type),
        "autoencoder": fact(record.autoencoder),
        "nsfw_filtering": fact(record.nsfw_filtering),
        "license": license_ and (license_.id or license_.name),
        "hub_repo": record.hub and record.hub.repo,
        "hub_status": record.hub and record.hub.status,
        "mirrors": ";".join(record.hub.mirrors) if record.hub else "",
        "note": record.note,
    }


def csv_rows(knowledge: KnowledgeBase) -> list[dict[str, str]]:
    """One row per release, sorted by id."""
    histories = Histories(knowledge)
    return [{key: _cell(value) for key, value in release_row(record, histories).items()} for record in knowledge.releases]


def lineage_parents(knowledge: KnowledgeBase) -> Iterator[tuple[model.Lineage, model.Parent]]:
    """Every (child, parent entry) between records that exist, sorted by parent, child and relation."""
    found = [(record, parent) for record in knowledge.of_kind(model.Lineage) for parent in record.parents if parent.id in knowledge.records]
    yield from sorted(found, key=lambda pair: (pair[1].id, pair[0].id, pair[1].relation.value))


def edge_rows(knowledge: KnowledgeBase) -> list[dict[str, str]]:
    """One row per parent of every release and component, sorted by child, in the order the record lists them."""
    rows = [
        {
            "child": record.id,
            "parent": p.id,
            "relation": p.relation,
            "method": p.method,
            "weights_evidence": str(weight_evidence(knowledge, record, p.id)) if p.relation in model.WEIGHT_RELATIONS else None,
            "source_url": record.sources[p.source].url,
            "quote": p.quote,
        }
        for record in knowledge.of_kind(model.Lineage)
        for p in record.parents
    ]
    return [{key: _cell(value) for key, value in row.items()} for row in rows]


def _table(columns: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_csv(knowledge: KnowledgeBase) -> str:
    """`lineage.csv`: the release table."""
    return _table(CSV_COLUMNS, csv_rows(knowledge))


def to_edges_csv(knowledge: KnowledgeBase) -> str:
    """`lineage-edges.csv`: the lineage edges with the relation, method and the source they rest on."""
    return _table(EDGE_COLUMNS, edge_rows(knowledge))
