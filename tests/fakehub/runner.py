"""Running `tools/sync_hub.py` against a fake Hub, in a subprocess that cannot reach any other host."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .server import TOKEN, FakeHub

REPO = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).resolve().parent / "guard"
RECORDS = REPO / "tests" / "fixtures" / "sync"
"""Runs start here: `lineage/` below is a snapshot of the records that the fake Hub's answers agree with."""
FAST = ("--timeout", "1", "--retries", "2", "--backoff", "0.01")
"""Options that keep fault runs short: one-second timeouts, two attempts, 10 ms backoff."""


def environment(endpoint: str, home: str, token: str | None = TOKEN, **extra: str) -> dict[str, str]:
    """The subprocess environment: the fake as HF_ENDPOINT, no telemetry, a fresh HF_HOME, the loopback guard."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGING"))}
    env.update(HF_ENDPOINT=endpoint, HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=home, PYTHONPATH=str(GUARD), NO_COLOR="1")
    if token:
        env["HF_TOKEN"] = token
    env.update(extra)
    return env


def run_sync(
    changes: dict[str, Any] | None, *args: str, cwd: Path = RECORDS, token: str | None = TOKEN, timeout: float = 60, **env: str
) -> tuple[subprocess.CompletedProcess[str], FakeHub]:
    """Start a fake Hub with `changes`, run the sync tool with `args` against it; its result and the fake (with its requests)."""
    with FakeHub(changes) as hub, tempfile.TemporaryDirectory() as home:
        result = subprocess.run(
            [sys.executable, str(REPO / "tools" / "sync_hub.py"), *args],
            cwd=cwd,
            env=environment(hub.url, home, token, **env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    return result, hub
