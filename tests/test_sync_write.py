"""`--write`: only the Hub-owned values change, comments and order survive, and a failed run changes nothing."""

from __future__ import annotations

import difflib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from fakehub.runner import FAST, RECORDS, REPO, environment, run_sync
from fakehub.server import FakeHub, scenario
from lineagekb.hubsync import write
from lineagekb.records.load import record_files
from lineagekb.validate import validate


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """A copy of the records snapshot to write into; runs start in the returned folder."""
    shutil.copytree(RECORDS / "lineage", tmp_path / "lineage")
    return tmp_path


def test_every_record_round_trips_byte_identical() -> None:
    for path in record_files(REPO / "lineage"):
        text = path.read_bytes().decode("utf-8")
        assert write.edit(text, [], dict) == text, path


def test_write_changes_only_hub_owned_values(records: Path) -> None:
    before = snapshot(records / "lineage")
    result, _ = run_sync(scenario("drift"), "--write", *FAST, cwd=records)
    assert result.returncode == 1, result.stderr
    assert "wrote 134 Hub-owned value(s) to 36 record file(s)" in result.stderr
    after = snapshot(records / "lineage")
    changed = sorted(str(path) for path in after if after[path] != before[path])
    assert "releases/sd-v1-5.yaml" in changed and all(path.endswith(".yaml") for path in changed)
    diff = list(
        difflib.unified_diff(
            before[Path("releases/sd-v1-5.yaml")].decode().splitlines(), after[Path("releases/sd-v1-5.yaml")].decode().splitlines(), lineterm="", n=0
        )
    )
    assert diff[2:] == [
        "@@ -16,2 +16,2 @@",
        "-  revision: 1d0c4ebf6ff58a5caecab40fa1406526bca4b5b9",
        "-  last_modified: 2023-08-23",
        "+  revision: 2a1c9b4e6f0d8c7b5a3e1f9d7c5b3a1e9f7d5c3b",
        "+  last_modified: 2025-01-09",
    ]
    unclip = after[Path("releases/sd-v2-1-unclip.yaml")].decode()
    assert unclip.startswith("# yaml-language-server: $schema=../schema.json\n")
    # a value the record left out is inserted in the model's field order
    assert "  status: live\n  revision: 920e412814898dc20f16058eb735c0b6e805c7a7\n  last_modified: 2023-07-05\n  source: hub-tree\n" in unclip
    _, problems = validate(records / "lineage")
    assert problems == []
    again, _ = run_sync(scenario("drift"), "--json", *FAST, cwd=records)
    left = {f["kind"] for f in json.loads(again.stdout)["findings"] if f["severity"] == "drift"}
    # curated facts are left for a person; the Hub-owned ones are now in step
    assert left == {"license", "base-model", "file-missing", "prediction-type", "resolution", "text-encoder", "gated", "repo-missing"}
    assert not {f["kind"] for f in json.loads(again.stdout)["findings"]} & {"revision", "file-changed"}


def test_write_records_a_removal(records: Path) -> None:
    result, _ = run_sync({"CompVis/stable-diffusion-v1-1": {"fault": "not-found"}}, "--write", "sd-v1-1", *FAST, cwd=records)
    assert result.returncode == 1
    text = (records / "lineage" / "releases" / "sd-v1-1.yaml").read_text(encoding="utf-8")
    assert "  repo: CompVis/stable-diffusion-v1-1\n  status: removed\n" in text


def test_a_failing_rename_leaves_every_record_byte_identical(records: Path) -> None:
    knowledge, _ = validate(records / "lineage")
    paths = sorted(record_files(records / "lineage"))[:3]
    before = snapshot(records / "lineage")
    texts = {path: (path.read_text(encoding="utf-8"), path.read_text(encoding="utf-8") + "# changed\n") for path in paths}
    calls: list[str] = []

    def replace(temp: str, path: Path) -> None:
        calls.append(temp)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        Path(temp).replace(path)

    with pytest.raises(OSError):
        write.commit(texts, replace)
    assert snapshot(records / "lineage") == before
    assert knowledge.records


def test_an_edit_that_changes_more_than_asked_is_refused(records: Path) -> None:
    path = records / "lineage" / "releases" / "sd-v1-5.yaml"
    text = path.read_text(encoding="utf-8")
    problems = write.verify(str(path), text, text.replace("595000", "595001"), [])
    assert [p.message for p in problems] == ["editing changed more than the Hub-owned values; nothing was written"]


def test_an_interrupted_run_changes_nothing(records: Path) -> None:
    before = snapshot(records / "lineage")
    changes = {**scenario("drift"), "openai/clip-vit-large-patch14": {"fault": "slow", "delay": 2}}
    with FakeHub(changes) as hub, tempfile.TemporaryDirectory() as home:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "tools" / "sync_hub.py"), "--write", "--timeout", "5"],
            cwd=records,
            env=environment(hub.url, home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 10
        while not any("clip-vit-large-patch14" in path for _, path in hub.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, stderr
    assert "interrupted; no record was changed" in stderr and "Traceback" not in stderr
    assert snapshot(records / "lineage") == before


def test_write_fills_a_missing_fingerprint_from_the_live_header(records: Path) -> None:
    """A safetensors checkpoint without its fingerprint gets the one its header fits, read by range request."""
    turbo = records / "lineage" / "releases" / "sdxl-turbo.yaml"
    text = turbo.read_text(encoding="utf-8")
    dropped = text.replace("    fingerprint: sdxl-base-unet\n", "", 1)
    assert dropped != text
    turbo.write_text(dropped, encoding="utf-8")
    found, _ = run_sync(None, "--json", "sdxl-turbo", *FAST, cwd=records)
    [finding] = [f for f in json.loads(found.stdout)["findings"] if f["kind"] == "fingerprint"]
    assert finding["severity"] == "info" and finding["hub_value"] == "sdxl-base-unet"
    assert finding["detail"].startswith("every tensor of sdxl-base-unet in the header read at revision ")
    revision = finding["detail"].rsplit(" ", 1)[1]
    result, _ = run_sync(None, "--write", "sdxl-turbo", *FAST, cwd=records)
    assert result.returncode in (0, 1), result.stderr
    written = turbo.read_text(encoding="utf-8")
    assert written.count("fingerprint: sdxl-base-unet") == text.count("fingerprint: sdxl-base-unet")
    # the written pointer cites the header it was read from, at the revision read
    assert "    fingerprint: sdxl-base-unet\n    fingerprint_source: hub-header\n" in written
    source = yaml.safe_load(written)["sources"]["hub-header"]
    assert source["kind"] == "hub" and source["url"].startswith(f"https://huggingface.co/stabilityai/sdxl-turbo/blob/{revision}/")
    assert validate(records / "lineage")[1] == []
