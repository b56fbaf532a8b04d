"""The pull-request review: a temporary git repository with one commit per kind of change, outputs compared to golden files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, UPDATE_GOLDEN, run_tool
from lineagekb.escape import BIDI_CONTROLS
from lineagekb.review import review as review_module
from lineagekb.review.model_change import KindFieldsChange, VocabularyChange, model_change
from lineagekb.review.render import MARKER, code, text, to_data
from lineagekb.review.review import unpinned

GOLDEN = Path(__file__).parent / "cases" / "review"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
OTHER = """\
kind: release
id: other
name: Other model
family: sd-1
task: text-to-image
organization: {value: acme, source: card}
released: {value: 2022-07, source: card}
from_scratch: true
prediction_type: {value: v_prediction, source: card}
sources:
  card: {url: "https://huggingface.co/acme/other", title: Other model card, kind: model-card}
"""
TUNED_V2 = """\
kind: release
id: tuned-v2
name: Tuned model v2
family: sd-1
task: text-to-image
organization: {value: acme, source: card}
released: {value: 2022-10, source: card}
from_scratch: false
parents:
  - {id: tuned, relation: finetune, source: card, quote: "resumed from tuned"}
training:
  - {steps: 200, resolution: 512, dataset: pairs, source: card, quote: "200 more steps"}
sources:
  card: {url: "https://huggingface.co/acme/tuned-v2", title: "Tuned v2 card | *new*", kind: model-card}
"""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env={**os.environ, **GIT_ENV})
    return result.stdout


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, (path, old)
    path.write_text(content.replace(old, new), encoding="utf-8")


def commit(repo: Path, message: str, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    git(repo, "tag", tag)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """main: the mini knowledge base and a second root; a feature branch with one tagged commit per change; main moves on."""
    root = tmp_path_factory.mktemp("review") / "repo"
    lineage = root / "lineage"
    shutil.copytree(FIXTURES / "mini", lineage)
    (lineage / "releases" / "other.yaml").write_text(OTHER, encoding="utf-8")
    git(root.parent, "init", "-q", "-b", "main", str(root))
    commit(root, "The mini knowledge base", "start")
    git(root, "checkout", "-q", "-b", "feature")
    (lineage / "releases" / "tuned-v2.yaml").write_text(TUNED_V2, encoding="utf-8")
    commit(root, "Add a release", "added")
    tuned = lineage / "releases" / "tuned.yaml"
    edit(
        tuned,
        '  - id: base\n    relation: finetune\n    source: card\n    quote: "resumed from base"',
        '  - id: other\n    relation: finetune\n    source: card\n    quote: "resumed from other"',
    )
    commit(root, "Re-parent tuned", "reparented")
    edit(tuned, "  - steps: 500\n", "  - steps: 600\n")
    edit(tuned, "    resolution: 512\n", "    resolution: 768\n    note: Our words, not a claim of the source.\n")
    edit(tuned, "    text_conditioning_dropout: 0.1\n", "")
    commit(root, "Change a training stage, not its source", "retrained")
    edit(lineage / "releases" / "tuned-v2.yaml", "relation: finetune", "relation: fine-tune")
    edit(lineage / "releases" / "base.yaml", "dataset: pairs", "dataset: pears")
    commit(root, "Break validation", "broken")
    git(root, "checkout", "-q", "main")
    edit(lineage / "releases" / "base.yaml", "license: {id: mit", "license: {id: apache-2.0")
    commit(root, "Main moves on after the branch", "main-later")
    return root


SCENARIOS = {
    "unchanged": (["--base", "main", "--head", "start"], 0),
    "added-release": (["--base", "main", "--head", "added"], 0),
    "reparent-and-retrain": (["--base", "added", "--head", "retrained"], 0),
    "broken": (["--base", "retrained", "--head", "broken"], 1),
    "renamed-in-working-tree": (["--base", "main"], 0),
}


def run_review(repo: Path, args: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    if args == ["--base", "main"]:
        tuned, renamed = repo / "lineage" / "releases" / "tuned.yaml", repo / "lineage" / "releases" / "tuned-1.yaml"
        if tuned.exists():
            tuned.rename(renamed)
            edit(renamed, "id: tuned\n", "id: tuned-1\n")
            edit(renamed, "name: Tuned model\n", "name: Tuned model <v1> @acme\n")
    return run_tool("review_pr", *args, *extra, cwd=repo)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("output", ["md", "json"])
def test_scenario(repo: Path, scenario: str, output: str) -> None:
    args, status = SCENARIOS[scenario]
    result = run_review(repo, args, "--format", "markdown" if output == "md" else "json")
    assert result.stderr == ""
    golden = GOLDEN / f"{scenario}.{output}"
    if UPDATE_GOLDEN:
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")
    assert result.returncode == status


def test_reparent_and_retrain_names_both_changes(repo: Path) -> None:
    data = json.loads(run_review(repo, ["--base", "added", "--head", "retrained", "--format", "json"]).stdout)
    assert data["valid"] is True
    assert {"field": "parents[0].id", "old": "base", "new": "other"} in data["changed"][0]["fields"]
    assert [(u["field"], u["line"], u["old"], u["new"]) for u in data["unsourced"]] == [
        ("training[0].steps", 20, "500", "600"),
        ("training[0].resolution", 21, "512", "768"),
    ]
    assert [e["parent"] + ">" + e["child"] for e in data["edges"]] == ["base>tuned", "other>tuned"]
    assert [a["record"]["id"] for a in data["ancestry"]] == ["tuned", "tuned-v2"]
    assert "1 lineage edge" not in " ".join(data["summary"])
    assert "changes the ancestry of 2 releases" in " ".join(data["summary"])


def test_base_is_where_the_change_branched_off(repo: Path) -> None:
    data = json.loads(run_review(repo, ["--base", "main", "--head", "added", "--format", "json"]).stdout)
    assert data["base"] == {"label": "main", "sha": git(repo, "rev-parse", "start").strip()}
    assert data["changed"] == [] and [r["id"] for r in data["added"]] == ["tuned-v2"]


def test_comment_starts_with_the_marker(repo: Path) -> None:
    result = run_review(repo, ["--base", "main", "--head", "added"])
    assert result.stdout.startswith(MARKER + "\n")


def test_graphs_are_written_as_svg(repo: Path, tmp_path: Path) -> None:
    result = run_review(repo, ["--base", "added", "--head", "retrained"], "--out", str(tmp_path / "graphs"))
    assert result.returncode == 0, result.stderr
    before, after = (tmp_path / "graphs" / "before.svg").read_text(), (tmp_path / "graphs" / "after.svg").read_text()
    assert before.startswith("<svg") and after.startswith("<svg")
    assert "#dc2626" in before and "#16a34a" in after
    assert (tmp_path / "graphs" / "after.dot").read_text().startswith('digraph "after"')
    assert f"`{tmp_path / 'graphs' / 'after.svg'}` (after)" in result.stdout


UNKNOWN = "review_pr.py: error: unknown revision 'no-such-branch' (expected a branch, tag or commit, e.g. main or origin/main; fetch it first)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-branch"], UNKNOWN),
        (["--base", "main", "--head", "--help"], None),
        (["--base", "-x"], None),
    ],
)
def test_bad_revisions_are_one_line_errors(repo: Path, args: list[str], message: str | None) -> None:
    result = run_tool("review_pr", *args, cwd=repo)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    if message:
        assert result.stderr == message


def test_outside_a_repository_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_tool("review_pr", "--base", "main", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"review_pr.py: error: {tmp_path}: not inside a git repository (run the command from a clone of the project)\n"


def test_record_strings_cannot_escape_their_cell() -> None:
    assert code("a | b") == "`a \\| b`"
    assert code("x `y` z") == "`` x `y` z ``"
    assert text("<img src=x> *bold* @someone") == "&lt;img src=x&gt; \\*bold\\* @&#8203;someone"


def test_help_has_an_example() -> None:
    result = run_tool("review_pr", "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout and "python tools/review_pr.py --base main" in result.stdout


SHA = "0123456789abcdef0123456789abcdef01234567"
SCHEMA = Path(__file__).resolve().parents[1] / "lineage" / "schema.json"


def fresh_repo(root: Path, *extra: tuple[str, bytes]) -> Path:
    """The mini knowledge base (and `extra` files) committed on main, with a branch `feature` checked out."""
    repo = root / "repo"
    shutil.copytree(FIXTURES / "mini", repo / "lineage")
    for path, content in extra:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)
    git(root, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def review_data(repo: Path, *args: str, base: str = "main") -> dict[str, Any]:
    result = run_tool("review_pr", "--base", base, *args, "--format", "json", cwd=repo)
    assert result.stderr == "" and result.returncode == 0, result.stdout + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def review_markdown(repo: Path, *args: str) -> str:
    result = run_tool("review_pr", "--base", "main", *args, cwd=repo)
    assert result.stderr == "" and result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def with_schema_edit(schema: dict[str, Any]) -> bytes:
    schema["$defs"]["Relation"]["enum"].append("blend")
    schema["$defs"]["Weights"]["enum"].remove("non-ema")
    schema["$defs"]["NewVocabulary"] = {"enum": ["one", "two"], "type": "string"}
    del schema["$defs"]["Dataset"]["properties"]["description"]
    schema["$defs"]["Organization"]["properties"]["founded"] = {"type": "string"}
    return json.dumps(schema, indent=2).encode()


def test_schema_change_lists_vocabulary_values_and_fields(tmp_path: Path) -> None:
    """a) A new vocabulary value alone is a change: vocabularies and fields per kind compared from both revisions' schema."""
    repo = fresh_repo(tmp_path, ("lineage/schema.json", SCHEMA.read_bytes()), ("tools/lineagekb/records/model.py", b"# the model\n"))
    (repo / "lineage" / "schema.json").write_bytes(with_schema_edit(json.loads(SCHEMA.read_text(encoding="utf-8"))))
    commit(repo, "Schema: a relation, a vocabulary and a field", "schema")
    data = review_data(repo, "--head", "schema")
    assert data["model"] == {
        "model_path": "tools/lineagekb/records/model.py",
        "schema_path": "lineage/schema.json",
        "model_changed": False,
        "schema_changed": True,
        "vocabularies": [
            {"vocabulary": "NewVocabulary", "added": ["one", "two"], "removed": []},
            {"vocabulary": "Relation", "added": ["blend"], "removed": []},
            {"vocabulary": "Weights", "added": [], "removed": ["non-ema"]},
        ],
        "fields": [
            {"kind": "dataset", "added": [], "removed": ["description"]},
            {"kind": "organization", "added": ["founded"], "removed": []},
        ],
        "unreadable": [],
        "changed": True,
    }
    assert data["summary"] == [
        "the schema (lineage/schema.json) changed: 3 vocabulary values added, 1 vocabulary value removed, 1 field added, 1 field removed"
    ]
    comment = review_markdown(repo, "--head", "schema")
    assert "No change to the records" not in comment
    assert "- The record model, `tools/lineagekb/records/model.py`: unchanged.\n- The schema, `lineage/schema.json`: changed.\n" in comment
    assert "| `Relation` | `blend` | — |\n| `Weights` | — | `non-ema` |\n" in comment
    assert "| `dataset` | — | `description` |\n| `organization` | `founded` | — |\n" in comment


def small_schema(shape: str, relations: list[str], release_fields: list[str]) -> bytes:
    definitions = {
        "Relation": {"enum": relations, "type": "string"},
        "Release": {"properties": {"kind": {"const": "release"}, **{name: {} for name in release_fields}}},
        "Dataset": {"properties": {"kind": {"const": "dataset"}, "size": {}}},
    }
    kinds = {"release": "#/$defs/Release", "dataset": "#/$defs/Dataset"}
    if shape == "discriminator":
        schema = {"$defs": definitions, "discriminator": {"mapping": kinds}, "oneOf": [{"$ref": ref} for ref in kinds.values()]}
    elif shape == "one-of":
        schema = {"$defs": definitions, "oneOf": [{"$ref": ref} for ref in kinds.values()]}
    else:
        schema = {"$defs": definitions, "allOf": [{"if": {"properties": {"kind": {"const": k}}}, "then": {"$ref": ref}} for k, ref in kinds.items()]}
    return json.dumps(schema).encode()


@pytest.mark.parametrize("shape", ["discriminator", "one-of", "if-then"])
def test_fields_per_kind_whatever_way_the_schema_picks_the_definition(shape: str) -> None:
    """a) The kinds' definitions are found through a discriminator, `oneOf` references or `if`/`then` on `kind`."""
    old = small_schema(shape, ["finetune", "merge"], ["name", "family"])
    new = small_schema(shape, ["finetune", "blend"], ["name", "task"])
    change = model_change(("m.py", "s.json"), (b"model", b"model"), (old, new))
    assert (change.model_changed, change.schema_changed, change.unreadable) == (False, True, [])
    assert change.vocabularies == [VocabularyChange("Relation", ["blend"], ["merge"])]
    assert change.fields == [KindFieldsChange("release", ["task"], ["family"])]
    assert model_change(("m.py", "s.json"), (None, b"model"), (old, old)).changed is True
    assert model_change(("m.py", "s.json"), (None, None), (None, old)).vocabularies == [VocabularyChange("Relation", ["finetune", "merge"], [])]
    assert model_change(("m.py", "s.json"), (None, None), (b"[]", old)).unreadable == ["base"]


def test_model_change_is_reported_and_an_unreadable_schema_is_not_compared(tmp_path: Path) -> None:
    """a) A change to model.py is named even when the schema did not follow; a schema that is no JSON is not compared."""
    repo = fresh_repo(tmp_path, ("lineage/schema.json", SCHEMA.read_bytes()), ("tools/lineagekb/records/model.py", b"# the model\n"))
    (repo / "tools" / "lineagekb" / "records" / "model.py").write_text("# the model, changed\n", encoding="utf-8")
    data = review_data(repo)  # the working tree
    assert (data["model"]["model_changed"], data["model"]["schema_changed"], data["model"]["changed"]) == (True, False, True)
    assert data["summary"] == ["the record model (tools/lineagekb/records/model.py) changed"]
    assert "regenerate it with `make schema`" in review_markdown(repo)
    (repo / "lineage" / "schema.json").write_text("{not json", encoding="utf-8")
    data = review_data(repo)
    assert data["model"]["schema_changed"] is True and data["model"]["unreadable"] == ["head"] and data["model"]["vocabularies"] == []
    assert "not compared, because it is no JSON object at head" in review_markdown(repo)


def test_unchanged_model_and_schema_say_nothing(repo: Path) -> None:
    data = json.loads(run_review(repo, ["--base", "main", "--head", "added", "--format", "json"]).stdout)
    assert data["model"]["changed"] is False
    assert "### Record model and schema" not in run_review(repo, ["--base", "main", "--head", "added"]).stdout


def test_added_record_has_a_table_of_its_facts(repo: Path) -> None:
    """b) Every sourced value of an added record, with the source's title linked to its URL and the quote."""
    data = json.loads(run_review(repo, ["--base", "main", "--head", "added", "--format", "json"]).stdout)
    facts = [(f["record"], f["field"], f["value"], f["source"], f["title"], f["url"], f["quote"]) for f in data["facts"]]
    url = "https://huggingface.co/acme/tuned-v2"
    assert ("tuned-v2", "released", "2022-10", "card", "Tuned v2 card | *new*", url, None) in facts
    assert ("tuned-v2", "parents[0].relation", "finetune", "card", "Tuned v2 card | *new*", url, "resumed from tuned") in facts
    assert ("tuned-v2", "training[0].steps", "200", "card", "Tuned v2 card | *new*", url, "200 more steps") in facts
    comment = run_review(repo, ["--base", "main", "--head", "added"]).stdout
    assert "### Added: `tuned-v2` (Tuned model v2)\n\n| Field | Value | Source | Quote |\n" in comment
    assert f"| `parents[0].id` | `tuned` | [Tuned v2 card \\| \\*new\\*]({url}) | resumed from tuned |\n" in comment


def test_a_source_cited_by_several_records_and_keys_is_listed_once(tmp_path: Path) -> None:
    """c) One row per source change, with every record and key citing it."""
    repo = fresh_repo(tmp_path)
    shared = f"https://github.com/acme/paper/blob/{SHA}/README.md"
    for name in ("one", "two"):
        record = TUNED_V2.replace("id: tuned-v2", f"id: {name}").replace("https://huggingface.co/acme/tuned-v2", shared)
        record = record.replace("released: {value: 2022-10, source: card}", "released: {value: 2022-10, source: readme}")
        record += f'  readme: {{url: "{shared}", title: "README of {name}", kind: readme}}\n'
        (repo / "lineage" / "releases" / f"{name}.yaml").write_text(record, encoding="utf-8")
    data = review_data(repo)
    assert data["valid"] is True
    assert data["sources"] == [
        {
            "title": "Tuned v2 card | *new*",
            "old_url": None,
            "new_url": shared,
            "cited_by": [
                {"record": "one", "key": "card"},
                {"record": "one", "key": "readme"},
                {"record": "two", "key": "card"},
                {"record": "two", "key": "readme"},
            ],
        }
    ]
    assert "1 source added" in data["summary"]
    comment = review_markdown(repo)
    assert comment.count(f"| <{shared}> |") == 1
    assert "| `one` (`card`), `one` (`readme`), `two` (`card`), `two` (`readme`) | — |" in comment


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        (f"https://github.com/acme/code/blob/{SHA}/README.md", True),
        (f"https://github.com/acme/code/tree/{SHA}", True),
        (f"https://github.com/acme/code/commit/{SHA}", True),
        (f"https://raw.githubusercontent.com/acme/code/{SHA}/config.yaml", True),
        ("https://github.com/acme/code/issues/8", True),
        ("https://github.com/acme/code/pull/2897", True),
        ("https://github.com/acme/code/blob/main/README.md", False),
        ("https://github.com/acme/code", False),
        ("https://raw.githubusercontent.com/acme/code/main/config.yaml", False),
        (f"https://huggingface.co/acme/base/blob/{SHA}/README.md", True),
        (f"https://huggingface.co/acme/base/commit/{SHA}", True),
        (f"https://huggingface.co/acme/base/tree/{SHA}", True),
        (f"https://huggingface.co/acme/base/commits/{SHA}/unet", True),
        (f"https://huggingface.co/datasets/acme/pairs/blob/{SHA}/README.md", True),
        ("https://huggingface.co/acme/base", False),
        ("https://huggingface.co/acme/base/blob/main/README.md", False),
        ("https://huggingface.co/acme/base/commits/refs%2Fpr%2F12", False),
        (f"https://huggingface.co/acme/base/blob/{SHA[:7]}/README.md", False),
        ("https://huggingface.co/blog/sd3", True),
        ("https://arxiv.org/abs/2112.10752", True),
    ],
)
def test_unpinned_urls(url: str, pinned: bool) -> None:
    assert (unpinned(url) is None) is pinned


def test_unpinned_sources_new_conflicts_and_unknown_licences_are_flagged(tmp_path: Path) -> None:
    """d) Only what the change brings: new unpinned URLs, added `conflicts:` entries, licence ids the Hub does not know."""
    repo = fresh_repo(tmp_path)
    base = repo / "lineage" / "releases" / "base.yaml"
    edit(base, "license: {id: mit,", "license: {id: acme-licence-1.0,")
    edit(
        base,
        "sources:\n",
        'conflicts:\n  - field: released\n    claims:\n      - {source: card, says: "August 2022"}\n'
        '      - {source: blog, says: "<img src=x> @someone [a](https://tracker.invalid)"}\n    follows: card\nsources:\n',
    )
    edit(base, "kind: model-card}\n", 'kind: model-card}\n  blog: {url: "https://github.com/acme/code", title: News, kind: announcement}\n')
    edit(
        repo / "lineage" / "releases" / "tuned.yaml",
        'url: "https://huggingface.co/acme/tuned"',
        f'url: "https://huggingface.co/acme/tuned/blob/{SHA}/README.md"',
    )
    data = review_data(repo)
    assert data["valid"] is True, data["problems"]
    assert data["unpinned"] == [
        {
            "url": "https://github.com/acme/code",
            "reason": "GitHub URL without a 40-hex commit (expected e.g. https://github.com/OWNER/REPO/blob/<sha>/PATH)",  # the validator accepts it
            "cited_by": [{"record": "base", "key": "blog"}],
        }
    ]
    assert [(c["record"], c["field"], c["follows"], [claim["source"] for claim in c["claims"]]) for c in data["conflicts"]] == [
        ("base", "released", "card", ["card", "blog"])
    ]
    assert data["unknown_licenses"] == [{"record": "base", "path": "lineage/releases/base.yaml", "line": 8, "field": "license.id", "id": "acme-licence-1.0"}]
    assert data["hub_licenses"] == "https://huggingface.co/docs/hub/repositories-licenses"
    assert data["summary"][-3:] == ["1 source URL not pinned to a commit", "1 conflict between sources added", "1 licence id the Hub does not know"]
    comment = review_markdown(repo)
    assert "| <https://github.com/acme/code> | `base` (`blog`) |" in comment
    claims = "`card`: August 2022; `blog`: &lt;img src=x&gt; @&#8203;someone \\[a\\](https://tracker.invalid)"
    assert f"| `lineage/releases/base.yaml:28` | `base` | `released` | `card` | {claims} |" in comment
    assert "| `lineage/releases/base.yaml:8` | `base` | `license.id` | `acme-licence-1.0` |" in comment
    assert "not in [the Hub's list of licence ids](https://huggingface.co/docs/hub/repositories-licenses)" in comment
    commit(repo, "Flags", "flags")
    edit(base, "follows: card", "follows: card\n    note: Our words.")
    edit(base, "title: News", "title: News of acme")
    later = review_data(repo, base="flags")
    assert (later["conflicts"], later["unknown_licenses"], later["unpinned"]) == ([], [], [])


def test_without_the_list_of_hub_licences_no_licence_is_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fresh_repo(tmp_path)
    edit(repo / "lineage" / "releases" / "base.yaml", "license: {id: mit,", "license: {id: acme-licence-1.0,")
    assert [u["id"] for u in review_data(repo)["unknown_licenses"]] == ["acme-licence-1.0"]
    monkeypatch.setattr(review_module, "HUB_LICENSES", tmp_path / "missing.json")
    report = review_module.review(repo, "main", None)
    assert report.unknown_licenses == [] and report.hub_licenses is None
    assert to_data(report)["hub_licenses"] is None


def test_the_list_of_hub_licences_names_its_source() -> None:
    known = review_module.hub_licenses()
    assert known is not None
    ids, source = known
    assert source == "https://huggingface.co/docs/hub/repositories-licenses"
    assert {"apache-2.0", "mit", "creativeml-openrail-m", "openrail++", "other"} <= ids
    records = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in (Path(__file__).resolve().parents[1] / "lineage").rglob("*.yaml")]
    used = {licence["id"] for record in records for licence in [record.get("license") or {}, *record.get("license_history", [])] if licence.get("id")}
    assert used and used <= ids


def test_hostile_schema_and_record_text_stays_text(tmp_path: Path) -> None:
    """Names and values from the schema file and from an added record land in code spans or escaped text, log-safe."""
    hostile = "::error::x\u202e\x1b[2J <img src=x> [a](https://tracker.invalid) @someone `tick` |"
    repo = fresh_repo(tmp_path, ("lineage/schema.json", SCHEMA.read_bytes()))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema["$defs"]["Relation"]["enum"].append(hostile)
    schema["$defs"][hostile] = {"enum": [hostile]}
    schema["$defs"]["Dataset"]["properties"][hostile] = {"type": "string"}
    (repo / "lineage" / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    title = json.dumps("::error::t <img src=x> [a](https://tracker.invalid) @someone |")
    quote = json.dumps("::error::q\n::error::r <script>alert(1)</script> @someone")
    record = TUNED_V2.replace('"resumed from tuned"', quote).replace('"Tuned v2 card | *new*"', title)
    (repo / "lineage" / "releases" / "tuned-v2.yaml").write_text(record, encoding="utf-8")
    result = run_tool("review_pr", "--base", "main", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    comment = result.stdout
    assert not re.search(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]", comment)
    assert not [line for line in comment.splitlines() if line.lstrip().startswith("::")]
    for line in comment.splitlines():
        outside_code = re.sub(r"(`+)(?:(?!\1).)*?\1", "", line)
        assert "<img" not in outside_code and "<script" not in outside_code and not re.search(r"(?<!\\)\]\(https://tracker", outside_code), line
        assert not re.search(r"@someone", outside_code), line
    assert "`` ::error::x\\u202e\\e[2J <img src=x> [a](https://tracker.invalid) @someone `tick` \\| ``" in comment
    linked_title = "[::error::t &lt;img src=x&gt; \\[a\\](https://tracker.invalid) @&#8203;someone \\|](https://huggingface.co/acme/tuned-v2)"
    assert f"| `parents[0].id` | `tuned` | {linked_title} | ::error::q ::error::r &lt;script&gt;alert(1)&lt;/script&gt; @&#8203;someone |" in comment
    data = review_data(repo)
    assert "::error::x\\u202e\\e[2J <img src=x> [a](https://tracker.invalid) @someone `tick` |" in data["model"]["vocabularies"][0]["added"]


def test_the_model_moved_into_its_subpackage_is_not_a_model_change(tmp_path: Path) -> None:
    """a) A base from before the package had subpackages keeps its model at the old path; the same bytes are no change."""
    repo = fresh_repo(tmp_path, ("lineage/schema.json", SCHEMA.read_bytes()), ("tools/lineagekb/model.py", b"# the model\n"))
    (repo / "tools" / "lineagekb" / "records").mkdir()
    git(repo, "mv", "tools/lineagekb/model.py", "tools/lineagekb/records/model.py")
    commit(repo, "Subpackages", "moved")
    data = review_data(repo, "--head", "moved")
    assert data["model"]["model_path"] == "tools/lineagekb/records/model.py" and data["model"]["model_changed"] is False
