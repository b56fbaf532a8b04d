"""`make demo-sync`: the sync tool against the fake Hub with a little drift, offline. Extra arguments go to the tool."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakehub.runner import RECORDS, REPO, environment  # noqa: E402
from fakehub.server import FakeHub, scenario  # noqa: E402


def main() -> int:
    with FakeHub(scenario("demo")) as hub, tempfile.TemporaryDirectory() as home:
        print(f"fake Hub on {hub.url}; records: {RECORDS.relative_to(REPO)}/lineage (a snapshot the fake agrees with)", file=sys.stderr)
        command = [sys.executable, str(REPO / "tools" / "sync_hub.py"), "--retries", "3", "--backoff", "0.2", *sys.argv[1:]]
        status = subprocess.run(command, cwd=RECORDS, env=environment(hub.url, home), check=False).returncode
    print(f"sync_hub.py exited with status {status} (0 in sync, 1 drift, 2 usage, 3 some repos unchecked)", file=sys.stderr)
    return 0 if status in (0, 1, 3) else status


if __name__ == "__main__":
    sys.exit(main())
