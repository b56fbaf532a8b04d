"""The fake Hub serves generated repositories from another folder, with latency on every request."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx2

from fakehub.server import FakeHub


def test_generated_repositories_are_served_with_latency(tmp_path: Path) -> None:
    info = {"id": "org-1/release-1", "sha": "a" * 40, "cardData": {}, "siblings": [{"rfilename": "unet/config.json", "blobId": "b" * 40, "size": 19}]}
    (tmp_path / "models" / "org-1").mkdir(parents=True)
    (tmp_path / "models" / "org-1" / "release-1.json").write_text(json.dumps(info), encoding="utf-8")
    (tmp_path / "files" / "org-1" / "release-1" / "unet").mkdir(parents=True)
    (tmp_path / "files" / "org-1" / "release-1" / "unet" / "config.json").write_text('{"sample_size": 64}', encoding="utf-8")
    with FakeHub(hub=tmp_path, latency=0.05) as hub, httpx2.Client(base_url=hub.url) as client:
        started = time.perf_counter()
        answers = [client.get("/api/models/org-1/release-1"), client.get("/org-1/release-1/resolve/main/unet/config.json")]
        elapsed = time.perf_counter() - started
        gone = client.get("/api/models/CompVis/stable-diffusion-v1-4")
    assert [a.json() for a in answers] == [{**info, "siblings": [{"rfilename": "unet/config.json"}]}, {"sample_size": 64}]
    assert gone.headers["X-Error-Code"] == "RepoNotFound"
    assert 0.1 <= elapsed < 0.5
    assert len(hub.requests) == 3
