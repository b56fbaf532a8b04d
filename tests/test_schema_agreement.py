"""The validator and check-jsonschema (reading lineage/schema.json, as editors do) agree on what a record may be.

A matrix of records, each one edit away from a valid record of the mini knowledge base, goes through both: the
validator's reading of one file (`load_file`: YAML, then the model) and `check-jsonschema --schemafile
lineage/schema.json`. Both must accept or both refuse, for types, unknown keys, vocabularies, patterns, ranges,
required fields and the forms YAML 1.1 and 1.2 read differently. Checks across records (parents that do not exist or
form a cycle, sources never cited) are the validator's alone and stay out of the matrix.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import ruamel.yaml
import yaml

from conftest import FIXTURES, REPO
from lineagekb.records import document
from lineagekb.records.load import load_file
from lineagekb.records.schema import json_schema

SCHEMA = REPO / "lineage" / "schema.json"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


@dataclass(frozen=True)
class Case:
    name: str
    record: str
    """The record of tests/fixtures/mini edited (path under it)."""
    edits: tuple[tuple[str, str], ...]
    """Replacements (old text, new text) applied to it in turn."""
    valid: bool
    """What both should say."""

    def text(self) -> str:
        text = (FIXTURES / "mini" / self.record).read_text(encoding="utf-8")
        for old, new in self.edits:
            assert old in text, (self.name, old)
            text = text.replace(old, new, 1)
        return text


def case(name: str, valid: bool, *edits: tuple[str, str], record: str = "releases/tuned.yaml") -> Case:
    return Case(name, record, edits, valid)


HUB = "hub:\n  repo: acme/tuned\n  status: removed\n  mirrors: [community/tuned]\n  source: card\n"
PARENT = '  - id: base\n    relation: finetune\n    source: card\n    quote: "resumed from base"\n'
SOURCES = 'sources:\n  card: {url: "https://huggingface.co/acme/tuned", title: Tuned model card, kind: model-card}'
CARD_URL = '"https://huggingface.co/acme/tuned"'


def checkpoint(**fields: str) -> tuple[str, str]:
    entry = {"file": "tuned.ckpt", "weights": "ema", "format": "ckpt", "source": "card", **fields}
    return SOURCES, "checkpoints:\n  - {" + ", ".join(f"{key}: {value}" for key, value in entry.items()) + "}\n" + SOURCES


CASES = [
    # valid records, and values every reader reads the same way
    case("release as it is", True),
    case("component as it is", True, record="components/enc.yaml"),
    case("dataset as it is", True, record="datasets/pairs.yaml"),
    case("organization as it is", True, record="organizations/acme.yaml"),
    case("from_scratch null", True, ("from_scratch: false", "from_scratch: null")),
    case("checkpoint with every field", True, checkpoint(size_bytes="4265380512", sha256="a" * 64)),
    case("leap day", True, ("value: 2022-09-01", "value: 2024-02-29")),
    case("year and month", True, ("value: 2022-09-01", "value: 2022-09")),
    case("quoted number as text", True, ("name: Tuned model", 'name: "010"')),
    case("leading zero in a whole number (YAML 1.2: 500)", True, ("steps: 500", "steps: 0500")),
    case("0o octal in a whole number", True, ("steps: 500", "steps: 0o764")),
    case("whole float where a whole number is meant", True, ("steps: 500", "steps: 595000.0")),
    case("exponent where a whole number is meant", True, ("steps: 500", "steps: 5e2")),
    case("1:30 in text (YAML 1.2: text)", True, ("name: Tuned model", "name: 1:30")),
    case("yes in text (YAML 1.2: text)", True, ('quote: "resumed from base"', "quote: yes")),
    case("on in text (YAML 1.2: text)", True, ("name: Tuned model", "name: on")),
    # types
    case("quoted number where a whole number is meant", False, ("steps: 500", 'steps: "500"')),
    case("fraction where a whole number is meant", False, ("resolution: 512", "resolution: 512.5")),
    case("true where a whole number is meant", False, ("steps: 500", "steps: true")),
    case("1:30 where a whole number is meant", False, ("steps: 500", "steps: 1:30")),
    case("yes where true/false is meant", False, ("from_scratch: false", "from_scratch: yes")),
    case("off where true/false is meant", False, ("from_scratch: false", "from_scratch: off")),
    case("text where a mapping is meant", False, (HUB, "hub: acme/tuned\n")),
    case("mapping where a list is meant", False, ("parents:\n" + PARENT, "parents: {id: base, relation: finetune, source: card, quote: q}\n")),
    case("leading-zero number where text is meant", False, ("name: Tuned model", "name: 010")),
    case("exponent where text is meant", False, ("name: Tuned model", "name: 1e3")),
    case("true where text is meant", False, ("name: Tuned model", "name: true")),
    case("null where text is required", False, ("name: Tuned model", "name: null")),
    case("unquoted arXiv id (a number)", False, ("from_scratch:", "papers: [{value: 2112.10752, source: card}]\nfrom_scratch:")),
    case("text where a number is meant", False, ("punsafe: 0.1", "punsafe: low")),
    # unknown keys
    case("unknown field", False, ("from_scratch:", "hub_repo: acme/tuned\nfrom_scratch:")),
    case("unknown field in a list item", False, ("  - steps: 500", "  - stepz: 500")),
    case("unknown field in a fact", False, ("{value: epsilon, source: card}", "{value: epsilon, source: card, sources: card}")),
    case("unknown field in a source", False, ("kind: model-card}", "kind: model-card, date: 2022}")),
    case("unknown field in an organization", False, ("name: Acme Lab", "name: Acme Lab\nwebsite: acme.org"), record="organizations/acme.yaml"),
    # vocabularies
    case("unknown family", False, ("family: sd-1", "family: sd1")),
    case("unknown task", False, ("task: text-to-image", "task: text2img")),
    case("unknown relation", False, ("relation: finetune", "relation: fine-tune")),
    case("unknown prediction type", False, ("value: epsilon", "value: v-prediction")),
    case("unknown source kind", False, ("kind: model-card}", "kind: model card}")),
    case("unknown hub status", False, ("status: removed", "status: deleted")),
    case("unknown record kind", False, ("kind: release", "kind: relase")),
    case("unknown component role", False, ("role: text-encoder", "role: encoder"), record="components/enc.yaml"),
    case("unknown checkpoint weights", False, checkpoint(weights="ema-only")),
    # patterns
    case("id with upper case and underscore", False, ("id: tuned", "id: Tuned_Model")),
    case("repo id with a space", False, ("repo: acme/tuned", 'repo: "acme tuned"')),
    case("short revision", False, ("  source: card\nfrom", "  revision: abc\n  source: card\nfrom")),
    case("http URL", False, (CARD_URL, '"http://huggingface.co/acme/tuned"')),
    case("licence id with spaces", False, ("from_scratch:", 'license: {id: "CreativeML Open RAIL-M", name: CreativeML, source: card}\nfrom_scratch:')),
    case("month 13", False, ("value: 2022-09-01", "value: 2022-13-01")),
    case("month 00", False, ("value: 2022-09-01", "value: 2022-00")),
    case("day 32", False, ("value: 2022-09-01", "value: 2024-02-32")),
    case("31 April", False, ("value: 2022-09-01", "value: 2024-04-31")),
    case("29 February of a common year", False, ("value: 2022-09-01", "value: 2023-02-29")),
    case("source key in capitals", False, ("{value: epsilon, source: card}", "{value: epsilon, source: Card}")),
    case("file path leaving the repository", False, checkpoint(file="../../etc/passwd")),
    case("sha256 not hex", False, checkpoint(sha256="XYZ")),
    # ranges and lengths
    case("negative steps", False, ("steps: 500", "steps: -5")),
    case("fraction above 1", False, ("text_conditioning_dropout: 0.1", "text_conditioning_dropout: 10")),
    case("zero width", False, ("value: 768", "value: 0"), record="components/enc.yaml"),
    case("empty text", False, ("name: Tuned model", 'name: ""')),
    case("conflict with one claim", False, ("from_scratch:", "conflicts: [{field: x, claims: [{source: card, says: a}], follows: card}]\nfrom_scratch:")),
    # required fields
    case("name missing", False, ("name: Tuned model\n", "")),
    case("from_scratch missing", False, ("from_scratch: false\n", "")),
    case("kind missing", False, ("kind: release\n", "")),
    case("parent's quote missing", False, ('    quote: "resumed from base"\n', "")),
    case("fact's source missing", False, ("{value: epsilon, source: card}", "{value: epsilon}")),
    case("hub status missing", False, ("  status: removed\n", "")),
    case("organization's sources missing", False, ("sources:\n", "other:\n"), record="organizations/acme.yaml"),
    case("duplicate key", False, ("name: Tuned model\n", "name: Tuned model\nname: Tuned\n")),
    # forms YAML readers read differently
    case("underscore where text is meant", False, ("name: Tuned model", "name: 595_000")),
    case("underscore in a fraction", False, ("text_conditioning_dropout: 0.1", "text_conditioning_dropout: 0.1_0")),
    case(".5e3 where a number is meant", False, ("text_conditioning_dropout: 0.1", "text_conditioning_dropout: .5e3")),
    case("binary where text is meant", False, ("name: Tuned model", "name: 0b101")),
    case("underscore where a whole number is meant", False, ("steps: 500", "steps: 595_000")),
    case("binary where a whole number is meant", False, ("steps: 500", "steps: 0b101")),
    case(".5e3 where text is meant", False, ("name: Tuned model", "name: .5e3")),
]

VALIDATOR_ONLY = {
    "underscore where a whole number is meant": "ruamel.yaml reads 595_000 as 595000; the editor (YAML 1.2 core) reads text",
    "underscore in a fraction": "ruamel.yaml reads 0.1_0 as 0.1; the editor reads text",
    "binary where a whole number is meant": "ruamel.yaml reads 0b101 as 5; the editor reads text",
    ".5e3 where text is meant": "ruamel.yaml reads .5e3 as text; the editor reads 500.0",
}
"""Forms the validator refuses because YAML readers disagree on them, where check-jsonschema's reading happens to
fit the schema: no schema can refuse them, since check-jsonschema never sees the text. They are pinned, so a change
on either side shows."""


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def validator_accepts(item: Case) -> bool:
    _, _, problems = load_file(item.text().encode(), f"lineage/{item.record}")
    return not problems


def check_jsonschema_verdicts(cases: list[Case], work: Path, schema: Path = SCHEMA) -> dict[str, bool]:
    """Each case's verdict from one run of the check-jsonschema command over all of them."""
    files = {}
    for item in cases:
        path = work / slug(item.name) / Path(item.record).name
        path.parent.mkdir(parents=True)
        path.write_text(item.text(), encoding="utf-8")
        files[str(path)] = item.name
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(schema), "-o", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    refused = {files[entry["filename"]] for entry in report["errors"] + report["parse_errors"]}
    return {item.name: item.name not in refused for item in cases}


@pytest.fixture(scope="module")
def check_jsonschema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    return check_jsonschema_verdicts(CASES, tmp_path_factory.mktemp("matrix"))


def test_the_matrix_covers_each_kind_of_problem() -> None:
    assert len({item.name for item in CASES}) == len(CASES)
    assert sum(item.valid for item in CASES) >= 10 and sum(not item.valid for item in CASES) >= 50
    assert set(VALIDATOR_ONLY) <= {item.name for item in CASES}


@pytest.mark.parametrize("item", CASES, ids=[slug(item.name) for item in CASES])
def test_validator_and_check_jsonschema_agree(item: Case, check_jsonschema: dict[str, bool]) -> None:
    assert validator_accepts(item) is item.valid
    if item.name in VALIDATOR_ONLY:
        assert check_jsonschema[item.name] is True, "check-jsonschema now refuses it: move the case back into the matrix"
    else:
        assert check_jsonschema[item.name] is item.valid


SCALARS = (
    "010 0777 08 00 -0 +1 0o10 0o8 0x1F 0x 1e3 1E3 1.e3 1e+3 -1e-3 .5 -.5 +.5 1. 0.5e3 1.5e3 .5e+3 .inf -.Inf .NaN -.nan "
    "1:30 -1:30 1:30.5 yes no on off y n Yes OFF true False TRUE null Null ~ 2024-01-01 2024-1-1 0b2 0o 1e = "
    "1_000 1_000.5 0x_1 0b101 -0x1F +0o7 .5e3 1_0:30 0b204ad0 1e3x"
).split()


@pytest.mark.parametrize("text", SCALARS)
def test_every_value_read_is_read_the_same_by_check_jsonschema(text: str) -> None:
    """Every plain scalar the validator reads gets the value check-jsonschema's YAML reader (ruamel.yaml, YAML 1.2)
    gives it; the rest are refused."""
    from check_jsonschema.parsers.yaml import construct_yaml_implementation

    parsed, problems = document.parse(f"field: {text}\n".encode(), "x.yaml")
    try:
        theirs = construct_yaml_implementation().load(f"field: {text}\n")["field"]
    except ruamel.yaml.YAMLError:  # `=`: a tag neither reads
        assert parsed is None
        return
    if parsed is None:
        assert problems and "read as a number by some YAML readers" in problems[0].message
        return
    ours = parsed.data["field"]
    assert type(ours) is type(theirs) and (ours == theirs or ours != ours and theirs != theirs), (ours, theirs)


def test_the_forms_yaml_readers_disagree_on_are_refused_on_the_fast_path_too() -> None:
    for text in ("1_000", "0b101", "-0x1F", ".5e3"):
        parsed, problems = document.parse(f"kind: dataset\nsize: {text}\n".encode(), "x.yaml")
        assert parsed is None and problems[0].line == 2 and problems[0].field == "size"


def _titles(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["title"]] if isinstance(node.get("title"), str) else []
        return own + [title for value in node.values() for title in _titles(value)]
    if isinstance(node, list):
        return [title for value in node for title in _titles(value)]
    return []


def _with_key(node: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return ([node] if key in node else []) + [found for value in node.values() for found in _with_key(value, key)]
    if isinstance(node, list):
        return [found for value in node for found in _with_key(value, key)]
    return []


def test_titles_are_readable() -> None:
    schema = json_schema()
    titles = _titles(schema)
    assert "Fact (date)" in titles and "Fact (text)" in titles and "Fact (record id)" in titles
    assert [title for title in titles if "[" in title or "FieldInfo" in title or "Annotated" in title] == []
    assert [name for name in schema["$defs"] if not re.fullmatch(r"[A-Za-z_]+", name)] == []


def test_every_vocabulary_value_has_a_description() -> None:
    enums = _with_key(json_schema(), "enum")
    assert len(enums) >= 15
    for node in enums:
        for key in ("enumDescriptions", "markdownEnumDescriptions"):
            assert len(node.get(key, [])) == len(node["enum"]), node
            assert all(isinstance(text, str) and len(text) > 10 for text in node[key]), node


def test_common_fields_have_examples_that_are_valid() -> None:
    schema = json_schema()
    defs = schema["$defs"]
    for name, field in [("Release", "id"), ("Source", "url"), ("Hub", "repo"), ("TrainingStage", "steps"), ("Fact_date", "value")]:
        assert defs[name]["properties"][field]["examples"]
    nodes = _with_key(schema, "examples")
    assert len(nodes) >= 20
    for node in nodes:
        validator = jsonschema.Draft202012Validator({**node, "$defs": defs})
        assert all(validator.is_valid(example) for example in node["examples"]), node


@pytest.mark.parametrize(
    ("date", "valid"),
    [("2024-13-01", False), ("2024-02-32", False), ("2024-00-10", False), ("2024-01-00", False), ("2024-04-31", False)]
    + [("2023-02-29", False), ("1900-02-29", False), ("2022-13", False), ("2024-1-01", False)]
    + [("2024-02-29", True), ("2000-02-29", True), ("2024-12-31", True), ("2024-01-01", True), ("2024-12", True)],
)
def test_the_schema_accepts_dates_that_exist_only(date: str, valid: bool) -> None:
    record = yaml.safe_load((FIXTURES / "mini" / "releases" / "tuned.yaml").read_text(encoding="utf-8"))
    record["released"]["value"] = date
    assert jsonschema.Draft202012Validator(json_schema()).is_valid(record) is valid
    _, _, problems = load_file(yaml.safe_dump(record).encode(), "lineage/releases/tuned.yaml")
    assert (not problems) is valid, problems


def test_the_schema_on_disk_agrees_with_the_validator_on_every_real_record() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for path in sorted((REPO / "lineage").rglob("*.yaml")):
        parsed, _ = document.parse(path.read_bytes(), str(path))
        assert parsed is not None
        assert list(validator.iter_errors(parsed.data)) == [], path


def test_check_jsonschema_names_the_release_problem(tmp_path: Path) -> None:
    """Records are told apart by `kind`: the error for a broken release is the release's, not another kind's."""
    broken = {
        "family": ("family: sd-1", "family: sd1"),
        "stepz": ("  - steps: 500", "  - stepz: 500"),
        "2022-13-01": ("value: 2022-09-01", "value: 2022-13-01"),
    }
    for expected, edit in broken.items():
        path = tmp_path / expected / "tuned.yaml"
        path.parent.mkdir()
        path.write_text(case("broken", False, edit).text(), encoding="utf-8")
        result = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA), str(path)], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 1
        assert expected in result.stdout, result.stdout
        for other_kind in ("role", "hub_org", "subset_of", "is not valid under any of the given schemas"):
            assert other_kind not in result.stdout, result.stdout
