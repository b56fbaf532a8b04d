"""The export is a contract: its keys, vocabularies and null-for-unknown hold for every record."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO, run_tool
from lineagekb import model

RELEASE_KEYS = {
    "id", "name", "organization", "released", "hub", "parents", "from_scratch", "training", "text_encoders",
    "prediction_type", "resolution", "license", "checkpoints", "sources",
}


@pytest.fixture(scope="module")
def exported() -> dict:
    result = run_tool("export")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_top_level_keys(exported: dict) -> None:
    assert list(exported) == ["components", "datasets", "organizations", "releases"]
    for items in exported.values():
        ids = [item["id"] for item in items]
        assert ids == sorted(ids)


def test_release_fields_and_vocabularies(exported: dict) -> None:
    relations = {r.value for r in model.Relation}
    for release in exported["releases"]:
        assert RELEASE_KEYS <= set(release), release["id"]
        assert release["prediction_type"] in {p.value for p in model.PredictionType} | {None}
        assert all(p["relation"] in relations for p in release["parents"])
        assert release["from_scratch"] in (True, False, None)
        assert release["hub"] is None or set(release["hub"]) >= {"repo", "status", "mirrors"}
        for stage in release["training"]:
            assert set(stage) >= {"steps", "resolution", "dataset", "text_conditioning_dropout"}
        for checkpoint in release["checkpoints"]:
            assert set(checkpoint) >= {"file", "weights", "format", "size_bytes", "sha256"}
            assert checkpoint["weights"] in {w.value for w in model.Weights} | {None}
        assert release["sources"] and all(url.startswith("https://") for url in release["sources"])


def test_unknown_is_null_never_a_sentinel(exported: dict) -> None:
    text = json.dumps(exported)
    assert not re.search(r'"(unknown|n/a|none|null|tbd)"', text, re.IGNORECASE)


def test_references_resolve(exported: dict) -> None:
    ids = {kind: {item["id"] for item in items} for kind, items in exported.items()}
    for release in exported["releases"]:
        assert release["organization"] in ids["organizations"]
        assert all(p["id"] in ids["releases"] for p in release["parents"])
        assert all(e["id"] in ids["components"] for e in release["text_encoders"])
        assert all(s["dataset"] in ids["datasets"] for s in release["training"] if s["dataset"])


def test_schema_file_is_json_schema() -> None:
    schema = json.loads((REPO / "lineage" / "schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"].endswith("/2020-12/schema")
    assert {"Release", "Component", "Dataset", "Organization"} <= set(schema["$defs"])


def test_csv_has_a_row_per_release_and_no_formulas() -> None:
    import csv
    import io

    from lineagekb.check import validate
    from lineagekb.export import CSV_COLUMNS, to_csv

    knowledge, _ = validate(REPO / "lineage")
    rows = list(csv.DictReader(io.StringIO(to_csv(knowledge))))
    assert [row["id"] for row in rows] == [r.id for r in knowledge.releases]
    assert list(rows[0]) == CSV_COLUMNS
    v1_5 = next(row for row in rows if row["id"] == "sd-v1-5")
    assert v1_5["parents"] == "sd-v1-2:finetune"
    assert v1_5["steps_from_scratch"] == "1541000"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_graphml_is_valid_xml_with_typed_edges() -> None:
    from xml.etree import ElementTree

    from lineagekb.check import validate
    from lineagekb.export import to_graphml

    knowledge, _ = validate(REPO / "lineage")
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ElementTree.fromstring(to_graphml(knowledge))
    edges = {(e.get("source"), e.get("target"), e.find("g:data", ns).text) for e in root.iterfind(".//g:edge", ns)}
    assert ("sd-v2-0", "sd-v2-1", "finetune") in edges
    assert ("kl-f8", "sd-vae-ft-ema", "finetune") in edges


def test_record_and_stage_notes_reach_every_export(exported: dict) -> None:
    from lineagekb.check import validate
    from lineagekb.export import to_csv, to_graphml

    inpainting = next(r for r in exported["releases"] if r["id"] == "sdxl-1-0-inpainting-0-1")
    assert inpainting["note"] and "diffusers" in inpainting["note"]
    assert any(stage["note"] for release in exported["releases"] for stage in release["training"])
    knowledge, _ = validate(REPO / "lineage")
    assert "Published by the Hugging Face diffusers team" in to_csv(knowledge)
    assert "Published by the Hugging Face diffusers team" in to_graphml(knowledge)
