"""Untrusted text (records written by contributors, cards written by Hub repository owners) stays text in every
output: the validator's, the sync's and the review's reports, the drift issue body and the exports. The pages are
checked in Chromium by `test_browser.py`."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml

from conftest import FIXTURES, run_tool
from fakehub.runner import FAST, run_sync
from fakehub.server import scenario
from lineagekb import escape
from lineagekb.validate import validate
from lineagekb.website import export

CASES = Path(__file__).parent / "cases" / "validate"
RAW_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{escape.BIDI_CONTROLS}]")
HOSTILE_NAME = "</title><script>alert(1)</script> <img src=x onerror=alert(2)> ::error::x [a](https://tracker.invalid) ![i](https://tracker.invalid/i.png)"


def assert_log_safe(text: str) -> None:
    """No raw control character and no line a CI runner would take as a workflow command."""
    assert not RAW_CONTROL.search(text), RAW_CONTROL.findall(text)
    assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]


def hostile_records(root: Path) -> Path:
    """The mini knowledge base with every name a contributor controls set to markup, links and a workflow command."""
    lineage = root / "lineage"
    shutil.copytree(FIXTURES / "mini", lineage)
    for path in lineage.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^name: .*$", f"name: {json.dumps(HOSTILE_NAME + ' ' + path.stem)}", text, count=1, flags=re.M), encoding="utf-8")
    return lineage


def test_escape_rules() -> None:
    assert escape.terminal("::error::x\n\x1b[2J\u202e") == "\\x3a:error::x\\n\\e[2J\\u202e"
    assert escape.html_text("</title><b>") == "&lt;/title&gt;&lt;b&gt;"
    assert escape.markdown_code("a `b` ``c``") == "``` a `b` ``c`` ```"
    assert escape.markdown_code("`x") == "`` `x ``"
    assert escape.no_workflow_commands("::error::x\nok ::y") == "&#58;:error::x\nok ::y"


def test_validator_output_is_log_safe_for_every_hostile_case(tmp_path: Path) -> None:
    for case_path in sorted(CASES.glob("hostile-*.yml")):
        case = yaml.safe_load(case_path.read_text(encoding="utf-8"))
        root = tmp_path / case_path.stem
        lineage = root / "lineage"
        shutil.copytree(FIXTURES / "mini", lineage)
        for relative, content in case["files"].items():
            (lineage / relative).parent.mkdir(parents=True, exist_ok=True)
            (lineage / relative).write_text(content, encoding="utf-8")
        result = run_tool("validate", "lineage", cwd=root)
        assert result.returncode == 1 and "Traceback" not in result.stderr, case_path.name
        assert_log_safe(result.stderr)


def test_symlinked_records_are_refused_without_reading_them(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("kind: release\nid: secret\nname: SECRET-VALUE\n", encoding="utf-8")
    lineage = tmp_path / "lineage"
    shutil.copytree(FIXTURES / "mini", lineage)
    (lineage / "releases" / "secret.yaml").symlink_to(secret)
    (lineage / "linked").symlink_to(tmp_path, target_is_directory=True)
    result = run_tool("validate", "lineage", cwd=tmp_path)
    assert result.returncode == 1
    assert "lineage/releases/secret.yaml:1: not read: a symbolic link" in result.stderr
    assert "lineage/linked:1: not read: a symbolic link" in result.stderr
    assert "SECRET-VALUE" not in result.stderr and "Traceback" not in result.stderr


def test_hostile_names_leave_every_export_parseable(tmp_path: Path) -> None:
    knowledge, problems = validate(hostile_records(tmp_path))
    assert problems == []
    data = json.loads(export.to_json(knowledge))
    assert any(HOSTILE_NAME in item["name"] for item in data["releases"])
    graph = ElementTree.fromstring(export.to_graphml(knowledge).encode())
    names = [node.text for node in graph.iter("{http://graphml.graphdrawing.org/xmlns}data") if node.get("key") == "label"]
    assert any(HOSTILE_NAME in (name or "") for name in names)
    rows = list(csv.DictReader(io.StringIO(export.to_csv(knowledge))))
    assert rows and all(row["name"].startswith("</title>") for row in rows)


def test_hostile_hub_answers_stay_text_in_every_sync_format(tmp_path: Path) -> None:
    body = tmp_path / "issue.md"
    text, _ = run_sync(scenario("hostile"), *FAST, "--issue-body", str(body))
    assert text.returncode == 1, text.stderr
    assert "retitled" in text.stdout and "\\e]0;retitled\\x07\\n\\x3a:error" not in text.stdout
    assert_log_safe(text.stdout + text.stderr)
    github, _ = run_sync(scenario("hostile"), *FAST, "--format", "github")
    assert_log_safe("\n".join(line for line in github.stdout.splitlines() if not line.startswith(("::error ", "::notice ", "::warning "))))
    assert not RAW_CONTROL.search(github.stdout)
    assert len([line for line in github.stdout.splitlines() if line.startswith("::")]) == github.stdout.count("\n") - 1
    issue = body.read_text(encoding="utf-8")
    assert not RAW_CONTROL.search(issue)
    # every Hub value sits in a code span, so no image, link, heading or mention is rendered from it
    for line in issue.splitlines():
        outside_code = re.sub(r"(`+)(?:(?!\1).)*?\1", "", line)
        assert "](" not in outside_code and "<img" not in outside_code and "@" not in outside_code, line
        assert not line.startswith(("#", "::")), line
    assert "tracker.invalid" in issue


def test_review_of_a_hostile_change_is_log_safe(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "lineage").parent.mkdir(parents=True)
    shutil.copytree(FIXTURES / "mini", repo / "lineage")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    tuned = repo / "lineage" / "releases" / "tuned.yaml"
    tuned.write_text(tuned.read_text(encoding="utf-8").replace("name: Tuned model", 'name: "\\0::error::forged\\e[2J"'), encoding="utf-8")
    base = repo / "lineage" / "releases" / "base.yaml"
    hostile = json.dumps(HOSTILE_NAME + "\n::error::x")
    base.write_text(base.read_text(encoding="utf-8").replace("name: ", f"name: {hostile}\nx-name: ", 1), encoding="utf-8")
    result = subprocess.run(
        [str(Path(__file__).parents[1] / ".venv" / "bin" / "python"), str(Path(__file__).parents[1] / "tools" / "review_pr.py"), "--base", "main"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "lineage/releases/tuned.yaml:3: name: the text holds the control character \\x00" in result.stdout
    assert "Traceback" not in result.stderr
    assert_log_safe(result.stdout + result.stderr)
