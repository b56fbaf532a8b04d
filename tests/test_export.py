"""The exports are a contract: lineage.json against its generated schema, the CSV tables as the Data page loads them,
and the GraphML as networkx and igraph read it."""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run_tool
from lineagekb.records import model
from lineagekb.records.document import parse
from lineagekb.records.load import KnowledgeBase
from lineagekb.validate import validate
from lineagekb.website.export import CSV_COLUMNS, EDGE_COLUMNS, FORMAT_VERSION, export_schema, export_schema_text, to_csv, to_edges_csv, to_graphml
from lineagekb.website.pages import data_files

SECTIONS = ["components", "datasets", "fingerprints", "organizations", "releases"]
DATA_PAGE = REPO / "docs" / "data.md"


@pytest.fixture(scope="module")
def exported() -> dict:
    result = run_tool("export")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    knowledge, problems = validate(REPO / "lineage")
    assert problems == []
    return knowledge


@pytest.fixture(scope="module")
def published(knowledge: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the data files exactly as the site publishes them."""
    folder = tmp_path_factory.mktemp("data")
    for name, text in data_files(knowledge).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def by_id(exported: dict, section: str, record_id: str) -> dict:
    return next(item for item in exported[section] if item["id"] == record_id)


# lineage.json


def test_top_level_keys_and_version(exported: dict) -> None:
    assert list(exported) == ["format_version", *SECTIONS]
    assert exported["format_version"] == FORMAT_VERSION == "2.1"
    for section in SECTIONS:
        ids = [item["id"] for item in exported[section]]
        assert ids == sorted(ids)


def test_release_fields_and_vocabularies(exported: dict) -> None:
    relations = {r.value for r in model.Relation}
    for release in exported["releases"]:
        assert set(model.Release.model_fields) | {"total_steps"} == set(release), release["id"]
        assert release["kind"] == "release"
        assert release["prediction_type"] is None or release["prediction_type"]["value"] in {p.value for p in model.PredictionType}
        assert all(p["relation"] in relations and p["quote"] for p in release["parents"])
        assert release["from_scratch"] in (True, False, None)
        assert release["hub"] is None or set(release["hub"]) >= {"repo", "status", "mirrors", "source"}
        for stage in release["training"]:
            assert set(stage) >= {"steps", "resolution", "dataset", "mixed_with", "text_conditioning_dropout", "source", "quote"}
        for checkpoint in release["checkpoints"]:
            assert set(checkpoint) >= {"file", "repo", "weights", "format", "size_bytes", "sha256", "source"}
            assert checkpoint["weights"] in {w.value for w in model.Weights} | {None}
        assert release["sources"] and all(set(s) == {"key", "url", "title", "kind"} for s in release["sources"])
        assert all(s["url"].startswith("https://") and s["kind"] in {k.value for k in model.SourceKind} for s in release["sources"])


def test_unknown_is_null_never_a_sentinel(exported: dict) -> None:
    text = json.dumps(exported)
    assert not re.search(r'"(unknown|n/a|none|null|tbd)"', text, re.IGNORECASE)


def citations(value: Any) -> list[str]:
    """Every `source` key cited anywhere inside a record (facts, parents, stages, claims, ...)."""
    if isinstance(value, list):
        return [key for item in value for key in citations(item)]
    if not isinstance(value, dict):
        return []
    own = [value[name] for name in ("source", "follows") if name in value]
    return own + [key for name, item in value.items() if name != "sources" for key in citations(item)]


def test_references_resolve(exported: dict) -> None:
    ids = {section: {item["id"] for item in exported[section]} for section in SECTIONS}
    for release in exported["releases"]:
        assert release["organization"]["value"] in ids["organizations"]
        assert all(p["id"] in ids["releases"] for p in release["parents"])
        assert all(e["id"] in ids["components"] for e in release["text_encoders"])
        for stage in release["training"]:
            assert {stage["dataset"], *stage["mixed_with"]} - {None} <= ids["datasets"]
    for section in SECTIONS:
        for item in exported[section]:
            keys = [source["key"] for source in item["sources"]]
            assert keys == sorted(keys) and set(citations(item)) <= set(keys), item["id"]


def leaves(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, (*path, index))]
    return [(path, value)]


def at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


def test_every_value_a_record_states_reaches_the_export(exported: dict, knowledge: KnowledgeBase) -> None:
    """Quotes, `mixed_with`, source titles and kinds, ...: whatever a record file holds is in lineage.json at the same
    path (sources looked up by key)."""
    records = {item["id"]: item for section in SECTIONS for item in exported[section]}
    for record_id, document in knowledge.documents.items():
        item = copy.deepcopy(records[record_id])
        item["sources"] = {source.pop("key"): source for source in item["sources"]}
        stated, _ = parse(document.text.encode("utf-8"), document.path)
        assert stated is not None
        for path, value in leaves(stated.data):
            assert at(item, path) == value, (record_id, path)


def test_stated_quotes_and_mixed_datasets_are_kept(exported: dict) -> None:
    v1_5 = by_id(exported, "releases", "sd-v1-5")
    assert v1_5["parents"][0]["quote"] and v1_5["parents"][0]["source"] in {s["key"] for s in v1_5["sources"]}
    assert all(stage["quote"] for stage in v1_5["training"])
    assert by_id(exported, "components", "sd-vae-ft-mse")["training"][0]["mixed_with"] == ["laion-humans"]
    assert any(r["released"] and r["released"]["quote"] for r in exported["releases"])
    assert all(source["title"] for r in exported["releases"] for source in r["sources"])


# lineage.schema.json


@pytest.fixture(scope="module")
def validator() -> Any:
    import jsonschema

    schema = export_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_real_export_is_valid_against_its_schema(exported: dict, validator: Any) -> None:
    assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(exported)]
    assert errors == []


def _drop_quote(data: dict) -> None:
    del by_id(data, "releases", "sd-v1-5")["parents"][0]["quote"]


def _url_as_source(data: dict) -> None:
    by_id(data, "releases", "sd-v1-5")["sources"][0] = "https://example.org/card"


def _steps_as_text(data: dict) -> None:
    by_id(data, "releases", "sd-v1-5")["training"][0]["steps"] = "237000"


def _unknown_relation(data: dict) -> None:
    by_id(data, "releases", "sd-v1-5")["parents"][0]["relation"] = "fine-tune"


def _extra_key(data: dict) -> None:
    by_id(data, "releases", "sd-v1-5")["parent_ids"] = []


def _old_version(data: dict) -> None:
    data["format_version"] = "1.0"


def _no_version(data: dict) -> None:
    del data["format_version"]


def _bad_date(data: dict) -> None:
    by_id(data, "releases", "sd-v1-5")["released"]["value"] = "20 Oct 2022"


@pytest.mark.parametrize("breakage", [_drop_quote, _url_as_source, _steps_as_text, _unknown_relation, _extra_key, _old_version, _no_version, _bad_date])
def test_the_schema_rejects_a_broken_export(exported: dict, validator: Any, breakage: Any) -> None:
    broken = copy.deepcopy(exported)
    breakage(broken)
    assert not validator.is_valid(broken)


def test_the_schema_is_derived_from_the_record_model() -> None:
    defs = export_schema()["$defs"]
    assert set(defs["ExportedRelease"]["properties"]) == set(model.Release.model_fields) | {"total_steps"}
    assert set(defs["ExportedDataset"]["properties"]) == set(model.Dataset.model_fields)
    assert set(defs["TrainingStage"]["required"]) == set(model.TrainingStage.model_fields)
    assert defs["SourceEntry"]["required"] == ["key", "kind", "title", "url"]


def test_the_schema_and_edge_table_are_published_and_linked(knowledge: KnowledgeBase) -> None:
    files = data_files(knowledge)
    assert files["lineage.schema.json"] == export_schema_text()
    assert json.loads(files["lineage.schema.json"])["$id"] == "lineage.schema.json"
    assert files["lineage-edges.csv"] == to_edges_csv(knowledge)
    page = DATA_PAGE.read_text(encoding="utf-8")
    assert all(f"]({name})" in page for name in files)


def test_record_schema_file_is_json_schema() -> None:
    schema = json.loads((REPO / "lineage" / "schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"].endswith("/2020-12/schema")
    assert {"Release", "Component", "Dataset", "Organization"} <= set(schema["$defs"])


# the CSV tables


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_release_table_has_a_row_per_release_and_no_formulas(knowledge: KnowledgeBase) -> None:
    rows = read(to_csv(knowledge))
    assert [row["id"] for row in rows] == [r.id for r in knowledge.releases]
    assert list(rows[0]) == CSV_COLUMNS and "parents" not in CSV_COLUMNS
    v1_5 = next(row for row in rows if row["id"] == "sd-v1-5")
    assert (v1_5["steps_from_scratch"], v1_5["own_steps"], v1_5["resolution"], v1_5["from_scratch"]) == ("1541000", "595000", "512", "false")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_integer_and_date_cells_follow_one_rule(knowledge: KnowledgeBase) -> None:
    for row in read(to_csv(knowledge)):
        assert all(re.fullmatch(r"\d*", row[column]) for column in ["own_steps", "steps_from_scratch", "resolution"]), row["id"]
        assert row["from_scratch"] in {"true", "false", ""}
        expected = {"": "", "day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}"}[row["released_precision"]]
        assert re.fullmatch(expected, row["released"]), row["id"]


def test_edge_table_has_a_row_per_parent(knowledge: KnowledgeBase) -> None:
    rows = read(to_edges_csv(knowledge))
    assert list(rows[0]) == EDGE_COLUMNS
    assert len(rows) == sum(len(record.parents) for record in knowledge.of_kind(model.Lineage))
    v1_5 = [row for row in rows if row["child"] == "sd-v1-5"]
    assert [(row["parent"], row["relation"], row["method"]) for row in v1_5] == [("sd-v1-2", "finetune", "")]
    assert v1_5[0]["source_url"].startswith("https://") and v1_5[0]["quote"]
    assert ("flux-1-pro", "distill", "guidance-distillation") in {(r["parent"], r["relation"], r["method"]) for r in rows if r["child"] == "flux-1-dev"}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def documented_code() -> str:
    """The Python blocks of the Data page, in order: what a reader copies."""
    return "\n".join(re.findall(r"^```python\n(.*?)^```$", DATA_PAGE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL))


def test_the_documented_loading_lines_give_the_documented_types(
    published: Path, knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    monkeypatch.chdir(published)
    space: dict[str, Any] = {}
    exec(compile(documented_code(), str(DATA_PAGE), "exec"), space)  # noqa: S102 - our own documentation
    releases, edges = space["releases"], space["edges"]
    parent_count = sum(len(record.parents) for record in knowledge.of_kind(model.Lineage))
    assert len(releases) == len(knowledge.releases) and len(edges) == parent_count
    integers = {"own_steps", "steps_from_scratch", "resolution"}
    assert {column: str(releases[column].dtype) for column in integers | {"from_scratch"}} == {**dict.fromkeys(integers, "Int64"), "from_scratch": "boolean"}
    assert all(pd.api.types.is_string_dtype(releases[column]) for column in set(CSV_COLUMNS) - integers - {"from_scratch"})
    assert all(pd.api.types.is_string_dtype(edges[column]) for column in EDGE_COLUMNS)
    v1_5 = releases.set_index("id").loc["sd-v1-5"]
    assert (v1_5.steps_from_scratch, v1_5.resolution, v1_5.from_scratch, v1_5.released) == (1541000, 512, False, "2022-10-20")
    database_types = dict(zip(space["releases_db"].columns, map(str, space["releases_db"].types), strict=True))
    assert {column: database_types[column] for column in integers | {"from_scratch"}} == {
        "own_steps": "BIGINT",
        "steps_from_scratch": "BIGINT",
        "resolution": "INTEGER",
        "from_scratch": "BOOLEAN",
    }
    assert {database_types[column] for column in set(CSV_COLUMNS) - integers - {"from_scratch"}} == {"VARCHAR"}
    assert space["releases_db"].count("*").fetchall() == [(len(knowledge.releases),)]
    assert space["edges_db"].count("*").fetchall() == [(parent_count,)]
    assert space["graph"].number_of_edges() == space["igraph_graph"].ecount() > 0
    assert "sd-v2-1" in capsys.readouterr().out


# lineage.graphml


def test_graphml_loads_in_networkx_with_ids_and_types(published: Path, knowledge: KnowledgeBase) -> None:
    import networkx

    graph = networkx.read_graphml(published / "lineage.graphml")
    assert set(graph.nodes) == {record.id for record in knowledge.of_kind(model.Lineage)}
    v1_5 = graph.nodes["sd-v1-5"]
    assert (v1_5["label"], v1_5["resolution"], v1_5["steps_from_scratch"], v1_5["from_scratch"]) == ("Stable Diffusion v1-5", 512, 1541000, False)
    assert type(v1_5["resolution"]) is int and type(v1_5["from_scratch"]) is bool
    assert "from_scratch" not in graph.nodes["flux-1-dev"]
    assert graph.is_directed() and graph.is_multigraph()  # a release may be fine-tuned and distilled from one parent
    assert graph.edges["sd-v2-0", "sd-v2-1", 0]["relation"] == "finetune"
    assert graph.edges["kl-f8", "sd-vae-ft-ema", 0]["relation"] == "finetune"
    assert graph.edges["flux-1-pro", "flux-1-dev", 0] == {"relation": "distill", "method": "guidance-distillation"}
    assert {data["relation"] for data in graph.get_edge_data("sdxl-1-0-base", "sdxl-turbo").values()} == {"finetune", "distill"}
    assert graph.number_of_edges() == len(read(to_edges_csv(knowledge)))
    assert all(data["relation"] in {r.value for r in model.Relation} for _, _, data in graph.edges(data=True))


def test_graphml_loads_in_igraph_with_ids_and_types(published: Path, knowledge: KnowledgeBase) -> None:
    import igraph

    graph = igraph.Graph.Read_GraphML(str(published / "lineage.graphml"))
    assert sorted(graph.vs["id"]) == sorted(record.id for record in knowledge.of_kind(model.Lineage))
    assert "name" not in graph.vs.attributes()
    v1_5 = graph.vs.find(id="sd-v1-5")
    assert v1_5["label"] == "Stable Diffusion v1-5" and v1_5["resolution"] == 512 and v1_5["steps_from_scratch"] == 1541000
    assert v1_5["from_scratch"] is False and graph.vs.find(id="clip-vit-l-14")["from_scratch"] is True
    assert math.isnan(graph.vs.find(id="flux-1-dev")["resolution"])
    edges = {(graph.vs[e.source]["id"], graph.vs[e.target]["id"]): e.attributes() for e in graph.es}
    assert edges[("sd-v2-0", "sd-v2-1")]["relation"] == "finetune"
    assert edges[("flux-1-pro", "flux-1-schnell")]["method"] == "latent-adversarial-diffusion-distillation"
    assert all(attributes["relation"] in {r.value for r in model.Relation} for attributes in edges.values())


def test_record_and_stage_notes_reach_every_export(exported: dict, knowledge: KnowledgeBase) -> None:
    inpainting = by_id(exported, "releases", "sdxl-1-0-inpainting-0-1")
    assert inpainting["note"] and "diffusers" in inpainting["note"]
    assert any(stage["note"] for release in exported["releases"] for stage in release["training"])
    assert "Published by the Hugging Face diffusers team" in to_csv(knowledge)
    assert "Published by the Hugging Face diffusers team" in to_graphml(knowledge)
