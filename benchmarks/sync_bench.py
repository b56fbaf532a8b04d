"""Hub sync against the loopback fake Hub with 50 ms of latency per request: the sync tool's own time against the
network floor (requests × latency ÷ concurrency) and against a sequential run (`--concurrency 1`).

    python benchmarks/sync_bench.py [--quick]

The fake Hub answers for every repository of a synthetic knowledge base with facts that agree with the records, so
the run is a full, clean sync: model info with LFS sizes and hashes, card metadata, and the diffusers configs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from run import Figure, print_table

import synth

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tools"), str(REPO / "tests")]

from fakehub.server import FakeHub  # noqa: E402
from lineagekb.records import model  # noqa: E402
from lineagekb.validate import validate  # noqa: E402

LATENCY = 0.05
RELEASES = 500
QUICK_RELEASES = 100
SEQUENTIAL = {False: 100, True: 20}
"""Releases synced one request at a time: the time per request is constant, so a share of the records is enough."""
ASKED = re.compile(r"\((\d+) repo\(s\) asked in ([\d.]+) s\)")


def _sha(text: str, length: int = 40) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _config(record: model.Release, knowledge: Any) -> dict[str, Any]:
    """The diffusers configs that state the record's prediction type, resolution and text encoder."""
    configs: dict[str, Any] = {"model_index.json": {"_class_name": "StableDiffusionPipeline"}}
    if record.prediction_type:
        configs["scheduler/scheduler_config.json"] = {"prediction_type": str(record.prediction_type.value)}
    autoencoder = knowledge.records.get(record.autoencoder.value) if record.autoencoder else None
    if record.resolution and isinstance(autoencoder, model.Component) and autoencoder.downsampling_factor:
        configs["unet/config.json"] = {"sample_size": record.resolution.value // autoencoder.downsampling_factor.value}
    encoder = knowledge.records.get(record.text_encoders[0].id) if record.text_encoders else None
    if isinstance(encoder, model.Component):
        text_encoder: dict[str, Any] = {}
        if encoder.hidden_size:
            text_encoder["hidden_size"] = encoder.hidden_size.value
        if encoder.architecture:
            text_encoder["architectures"] = [encoder.architecture.value]
        configs["text_encoder/config.json"] = text_encoder
        configs["model_index.json"]["text_encoder"] = ["transformers", "CLIPTextModel"]
    return configs


UNET_HEADER = {
    "model.diffusion_model.input_blocks.0.0.weight": {"dtype": "F16", "shape": [320, 4, 3, 3]},
    "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": {"dtype": "F16", "shape": [320, 768]},
    "model.diffusion_model.out.2.weight": {"dtype": "F16", "shape": [4, 320, 3, 3]},
}


def _answers(record: model.Lineage, knowledge: Any, repo_of: dict[str, str]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The model info (without its id) and the config files the Hub would serve for a record's repository."""
    assert record.hub is not None
    contents = {path: json.dumps(config, indent=2).encode() for path, config in _config(record, knowledge).items()} if isinstance(record, model.Release) else {}
    siblings = [
        {"rfilename": c.file, "blobId": _sha(c.file), "size": c.size_bytes, "lfs": {"sha256": c.sha256, "size": c.size_bytes, "pointerSize": 135}}
        for c in record.checkpoints
        if c.repo is None
    ] + [{"rfilename": path, "blobId": _sha(content.decode()), "size": len(content)} for path, content in contents.items()]
    card: dict[str, Any] = {"license": record.license.id or "other"} if record.license else {}
    if record.parents:
        card["base_model"] = [repo_of[p.id] for p in record.parents if p.id in repo_of]
        card["base_model_relation"] = str(record.parents[0].relation)
    info = {
        "sha": record.hub.revision or _sha(record.hub.repo),
        "private": False,
        "gated": False,
        "disabled": False,
        "cardData": card,
        "siblings": sorted(siblings, key=lambda s: s["rfilename"]),
    }
    if record.hub.last_modified:
        info["lastModified"] = f"{record.hub.last_modified}T00:00:00.000Z"
    return info, contents


def hub_folder(knowledge: Any, root: Path) -> int:
    """Write the fake Hub's answers for every repository the records name, in sync with them; how many repos."""
    records = [r for r in knowledge.of_kind(model.Lineage) if r.hub is not None]
    repo_of = {r.id: r.hub.repo for r in records}
    repos = 0
    # the sync reads each single safetensors file's header by range request: a UNet's, as the synthetic releases are
    headers: dict[str, dict[str, Any]] = {}
    for record in records:
        info, contents = _answers(record, knowledge, repo_of)
        for checkpoint in record.checkpoints:
            if checkpoint.repo is None and checkpoint.file.endswith(".safetensors"):
                headers.setdefault(record.hub.repo, {})[checkpoint.file] = UNET_HEADER
        for repo in [record.hub.repo, *record.hub.mirrors]:
            path = root / "models" / f"{repo}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"_id": _sha(repo, 24), "id": repo, "modelId": repo, **info}), encoding="utf-8")
            for name, content in contents.items():
                target = root / "files" / repo / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            repos += 1
    (root / "headers.json").write_text(json.dumps(headers), encoding="utf-8")
    return repos


def sync(records: Path, hub: Path, concurrency: int | None, ids: tuple[str, ...] = ()) -> tuple[float, int]:
    """Run the sync tool against a fake Hub with `LATENCY`; its own seconds (start-up excluded) and the requests made."""
    options = [*ids, *(["--concurrency", str(concurrency)] if concurrency else [])]
    with FakeHub(hub=hub, latency=LATENCY) as fake, tempfile.TemporaryDirectory() as home:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGING"))}
        env.update(HF_ENDPOINT=fake.url, HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=home, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
        result = subprocess.run(
            [sys.executable, str(REPO / "tools" / "sync_hub.py"), "--root", str(records), *options],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        requests = len(fake.requests)
    asked = ASKED.search(result.stderr)
    if result.returncode != 0 or asked is None:
        raise SystemExit(f"sync benchmark: the sync did not run clean (exit {result.returncode})\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return float(asked.group(2)), requests


def default_concurrency() -> int:
    """The `--concurrency` default the sync tool's help states."""
    help_text = subprocess.run([sys.executable, str(REPO / "tools" / "sync_hub.py"), "--help"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"--concurrency N\s+requests in flight at once \(default: (\d+)\)", help_text)
    if found is None:
        raise SystemExit("sync benchmark: cannot read the default --concurrency from the sync tool's help")
    return int(found.group(1))


def measure_sync(quick: bool) -> list[Figure]:
    """The sync's figures: its time against the network floor and, per request, against a sequential run."""
    releases = QUICK_RELEASES if quick else RELEASES
    with tempfile.TemporaryDirectory(prefix="lineage-bench-sync-") as work:
        records = synth.write(Path(work) / "lineage", releases)
        knowledge, problems = validate(records)
        assert not problems, problems[:3]
        repos = hub_folder(knowledge, Path(work) / "hub")
        concurrency = default_concurrency()
        seconds, requests = sync(records, Path(work) / "hub", None)
        share = tuple(f"rel-{index}" for index in range(SEQUENTIAL[quick]))
        sequential, sequential_requests = sync(records, Path(work) / "hub", 1, share)
    floor = requests * LATENCY / concurrency
    speedup = (sequential / sequential_requests) / (seconds / requests)
    return [
        Figure("sync ÷ network floor (tool's own time)", releases, seconds / floor, "×", "≤ 1.5", seconds / floor <= 1.5),
        Figure(f"sync speed-up over sequential, per request, c={concurrency}", releases, speedup, "×", "≥ 6", speedup >= 6),
        Figure(f"sync time: {repos} repos, {requests} requests", releases, seconds, "s", "", None),
        Figure(f"sync floor: {requests} × {LATENCY * 1000:.0f} ms ÷ {concurrency}", releases, floor, "s", "", None),
        Figure(f"sync time, sequential: {sequential_requests} requests", SEQUENTIAL[quick], sequential, "s", "", None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RELEASES} releases instead of {RELEASES}")
    figures = measure_sync(parser.parse_args().quick)
    print_table(figures)
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
