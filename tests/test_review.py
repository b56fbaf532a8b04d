"""The pull-request review: a temporary git repository with one commit per kind of change, outputs compared to golden files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, UPDATE_GOLDEN, run_tool
from lineagekb.review import MARKER, code, text

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
