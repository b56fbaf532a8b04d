"""The contributor workflow as committed: GitHub Actions workflows, pre-commit hooks, templates and the contributor docs."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from conftest import REPO
from lineagekb.records import model
from lineagekb.records.load import load_file
from lineagekb.review.render import MARKER

WORKFLOWS = REPO / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses: (\S+) # v\d+\.\d+\.\d+$")


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))


def triggers(data: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (YAML 1.1 reads the bare key `on` as true)."""
    return data.get("on", data.get(True))


def steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def runs(data: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(data))


def job_permissions(data: dict[str, Any], job: str) -> dict[str, str]:
    return data["jobs"][job].get("permissions", data.get("permissions", {}))


@pytest.mark.parametrize("name", ["ci", "review", "sync", "pages"])
def test_workflow_is_pinned_and_least_privileged(name: str) -> None:
    data = workflow(name)
    text = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
    assert data["name"] == name
    assert "pull_request_target" not in triggers(data)
    assert data["permissions"] in ({}, {"contents": "read"}), "the default token of every job is read-only or nothing"
    for job_name, job in data["jobs"].items():
        assert "timeout-minutes" in job, job_name
        permissions = job_permissions(data, job_name)
        assert isinstance(permissions, dict) and "write-all" not in str(permissions), job_name
        assert set(permissions.values()) <= {"read", "write"}
    for step in steps(data):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{step['uses']}: pin actions to a full commit sha"
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
        assert "${{" not in step.get("run", ""), "pass expressions to scripts through env:, never inline"
    uses_lines = [line.strip() for line in text.splitlines() if line.strip().startswith(("uses:", "- uses:"))]
    assert uses_lines and all(VERSION_COMMENT.search(line) for line in uses_lines), "each pinned sha says which version it is"


def test_ci_runs_the_tests_and_a_strict_site_build_on_pull_requests() -> None:
    data = workflow("ci")
    assert "pull_request" in triggers(data)
    assert "make test" in runs(data) and "make site" in runs(data)
    assert all(value == "read" for job in data["jobs"] for value in job_permissions(data, job).values())


def test_review_posts_one_comment_from_a_job_that_runs_no_pull_request_code() -> None:
    data = workflow("review")
    assert "pull_request" in triggers(data)
    review, comment = data["jobs"]["review"], data["jobs"]["comment"]
    assert "python tools/review_pr.py --base" in runs(data)
    assert job_permissions(data, "review") == {"contents": "read"}
    assert job_permissions(data, "comment") == {"pull-requests": "write"}
    assert comment["needs"] == "review"
    assert not any("checkout" in step.get("uses", "") or "run" in step for step in comment["steps"])
    script = next(step["with"]["script"] for step in comment["steps"] if "github-script" in step.get("uses", ""))
    assert MARKER in script and "updateComment" in script and "createComment" in script
    assert any(step.get("uses", "").startswith("actions/upload-artifact@") for step in review["steps"])


def test_sync_runs_weekly_and_on_demand_and_tracks_drift_in_an_issue() -> None:
    data = workflow("sync")
    on = triggers(data)
    assert "workflow_dispatch" in on
    assert re.fullmatch(r"\d+ \d+ \* \* [0-6]", on["schedule"][0]["cron"]), "weekly"
    assert "python tools/sync_hub.py --format github" in runs(data)
    assert job_permissions(data, "sync") == {"contents": "read", "issues": "write"}
    script = next(step["with"]["script"] for step in steps(data) if "github-script" in step.get("uses", ""))
    assert "issues.create" in script and "issues.update" in script


def test_pages_builds_on_main_and_deploys_with_pages_permissions_only_where_needed() -> None:
    data = workflow("pages")
    assert triggers(data)["push"]["branches"] == ["main"]
    assert "make site" in runs(data)
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact@") for step in build["steps"])
    assert any(step.get("uses", "").startswith("actions/deploy-pages@") for step in deploy["steps"])
    assert job_permissions(data, "build") == {"contents": "read"}
    assert job_permissions(data, "deploy") == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages" and deploy["needs"] == "build"


def test_pre_commit_hooks_validate_check_the_schema_lint_and_format() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"validate", "schema", "ruff", "ruff-format"}
    assert hooks["validate"]["entry"].endswith("python tools/validate.py")
    assert hooks["schema"]["entry"].endswith("python tools/schema.py --check")
    assert hooks["ruff"]["entry"].split()[1:3] == ["check", "--force-exclude"]
    assert "format --check" in hooks["ruff-format"]["entry"]
    for hook in hooks.values():
        script = next((part for part in hook["entry"].split() if part.startswith("tools/")), None)
        assert script is None or (REPO / script).is_file(), script


def test_wrong_fact_issue_form_parses_and_offers_the_source_kinds_of_the_model() -> None:
    form = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "wrong-fact.yml").read_text(encoding="utf-8"))
    assert {"name", "description", "body"} <= set(form)
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    ids = [item["id"] for item in fields]
    assert len(ids) == len(set(ids)) and {"record", "field", "correct", "source", "quote"} <= set(ids)
    assert all(item["attributes"]["label"] for item in fields)
    kinds = next(item for item in fields if item["id"] == "source-kind")["attributes"]["options"]
    assert kinds == [kind.value for kind in model.SourceKind if kind is not model.SourceKind.secondary]


def test_pull_request_template_has_the_reviewer_checklist() -> None:
    text = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert text.count("- [ ]") >= 5
    assert "python tools/validate.py" in text and "python tools/review_pr.py --base main" in text


def test_contributor_docs_exist_and_the_record_template_loads() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    page = (REPO / "docs" / "contribute.md").read_text(encoding="utf-8")
    assert page.startswith("# Contribute a release\n")
    assert "docs/contribute.md" in contributing
    for topic in ("permalink", "quote", "conflicts:", "review_pr.py"):
        assert topic in page, topic
    template = re.search(r"```yaml\n(# yaml-language-server.*?)```", page, re.DOTALL)
    assert template, "the page holds a record template"
    record, _, problems = load_file(template.group(1).encode(), "lineage/releases/my-release.yaml")
    assert problems == [] and isinstance(record, model.Release)
