"""A fake Hugging Face Hub on 127.0.0.1: recorded API answers for the families' repositories (SD 1.x/2.x, SDXL, Turbo,
SD 3/3.5, Stable Cascade, FLUX.1), faults and drift on demand.

It answers the paths `huggingface_hub` uses: `GET /api/models/{repo}` (with `blobs=true` for LFS metadata),
`GET /api/models?filter=base_model:<relation>:<repo>` (paginated through `Link`), and `HEAD`/`GET
/{repo}/resolve/{revision}/{path}` for the small configs. A repository not in `hub/models/` is gone (404 with
`X-Error-Code: RepoNotFound`, as the Hub answers).

The answers are read from a folder laid out like `hub/` (`models/<owner>/<name>.json`, `files/<owner>/<name>/<path>`,
optionally `children.json`), so a benchmark can serve generated repositories; `latency` delays every request.

A scenario maps repository ids to what to change:
    {"fault": "not-found" | "not-found-plain" | "gated-401" | "gated-403" | "throttle" | "error-500" | "error-503"
              | "slow" | "truncated" | "malformed" | "renamed",
     "times": N (fault only on the first N requests; default always), "retry_after": S, "delay": S, "to": "new/id",
     "card": {...}, "sha": "...", "lastModified": "...", "gated": "manual" | false,
     "files": {"name": {"size": N, "sha256": "..."} | null}, "configs": {"path": {...keys to change}}}
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

HUB = Path(__file__).resolve().parent / "hub"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
TOKEN = "hf_fakehub_not_a_real_token_0123456789"
"""The token the fake accepts for gated repositories' files."""
PAGE_SIZE = 3


def scenario(name: str) -> dict[str, Any]:
    """A scenario stored as `scenarios/<name>.json`."""
    return json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))


class FakeHub:
    """The server and its state: repositories, configs, the scenario, and every request received."""

    def __init__(self, changes: dict[str, Any] | None = None, *, hub: Path = HUB, latency: float = 0.0) -> None:
        self.changes = changes or {}
        self.root, self.latency = hub, latency
        self.models: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], bytes] = {}
        children = hub / "children.json"
        self.children = json.loads(children.read_text(encoding="utf-8")) if children.exists() else []
        self.requests: list[tuple[str, str]] = []
        self.ranges: list[tuple[str, str]] = []
        """(path, Range header) of the requests that asked for part of a file."""
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._load()
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _load(self) -> None:
        recorded = self.root / "headers.json"
        headers = json.loads(recorded.read_text(encoding="utf-8")) if recorded.exists() else {}
        for repo, files in headers.items():
            for path, tensors in files.items():
                self.files[(repo.lower(), path)] = safetensors_header(tensors)
        for path in sorted((self.root / "models").glob("*/*.json")):
            info = json.loads(path.read_text(encoding="utf-8"))
            self.models[info["id"].lower()] = info
            folder = self.root / "files" / info["id"]
            for file in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
                self.files[(info["id"].lower(), file.relative_to(folder).as_posix())] = file.read_bytes()
        for repo, change in self.changes.items():
            self._apply(repo, change)

    def _apply(self, repo: str, change: dict[str, Any]) -> None:
        key = repo.lower()
        if change.get("fault") == "renamed":
            info = copy.deepcopy(self.models.pop(key))
            info["id"] = info["modelId"] = change["to"]
            self.models[change["to"].lower()] = info
            for (owner, path), content in list(self.files.items()):
                if owner == key:
                    self.files[(change["to"].lower(), path)] = content
            return
        info = self.models.get(key)
        if info is None:
            return
        info["cardData"].update(change.get("card", {}))
        for field in ("sha", "lastModified", "gated", "disabled"):
            if field in change:
                info[field] = change[field]
        siblings = {s["rfilename"]: s for s in info["siblings"]}
        for name, facts in change.get("files", {}).items():
            if facts is None:
                siblings.pop(name, None)
                continue
            entry = siblings.setdefault(name, {"rfilename": name, "blobId": "0" * 40, "size": 0})
            entry["size"] = facts.get("size", entry["size"])
            entry["lfs"] = {"sha256": facts.get("sha256", entry.get("lfs", {}).get("sha256", "0" * 64)), "size": entry["size"], "pointerSize": 135}
        info["siblings"] = [siblings[name] for name in sorted(siblings)]
        for path, tensors in change.get("headers", {}).items():
            self.files[(key, path)] = safetensors_header(tensors)
        for path, values in change.get("configs", {}).items():
            config = json.loads(self.files[(key, path)])
            config.update(values)
            self.files[(key, path)] = json.dumps(config, indent=2).encode()
            next(s for s in info["siblings"] if s["rfilename"] == path)["size"] = len(self.files[(key, path)])

    def fault(self, repo: str) -> dict[str, Any] | None:
        """The fault to inject for this request to `repo`, counting requests for faults that stop after N times."""
        change = self.changes.get(repo) or next((c for r, c in self.changes.items() if r.lower() == repo.lower()), None)
        if not change or "fault" not in change:
            return None
        with self.lock:
            self.counts[repo.lower()] += 1
            seen = self.counts[repo.lower()]
        times = change.get("times")
        return change if times is None or seen <= times else None


def safetensors_header(tensors: dict[str, dict[str, Any]]) -> bytes:
    """The start of a safetensors file listing these tensors ({name: {dtype, shape}}): its 8-byte header length and
    JSON header, without the data region (a range request never reaches it)."""
    header, offset = {}, 0
    for name, tensor in tensors.items():
        size = 2 if tensor["dtype"] in ("F16", "BF16") else 4
        for n in tensor["shape"]:
            size *= n
        header[name] = {**tensor, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    return len(raw).to_bytes(8, "little") + raw


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # beyond the default 5, connections opened at once would wait for a SYN retry (1 s)


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: Nagle would hold the body for a delayed ACK (40 ms)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self.route(head=True)

        def do_GET(self) -> None:
            self.route(head=False)

        def route(self, head: bool) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            parts = [p for p in url.path.split("/") if p]
            with hub.lock:
                hub.requests.append((self.command, self.path))
                if self.headers.get("Range"):
                    hub.ranges.append((self.path, self.headers["Range"]))
            if hub.latency:
                time.sleep(hub.latency)
            if parts[:2] == ["api", "models"] and len(parts) == 2:
                return self.list_models(query)
            if parts[:2] == ["api", "models"] and len(parts) in (4, 6):
                return self.model_info(f"{parts[2]}/{parts[3]}", query, url.query)
            if len(parts) >= 5 and parts[2] == "resolve":
                return self.resolve(f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]), head)
            self.send(404, {"error": "Not Found"})

        def send(self, status: int, body: Any, headers: dict[str, str] | None = None, head: bool = False) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(raw)

        def injected(self, repo: str, new_path: str) -> bool:
            """Answer with the repository's fault, if it has one now; whether it answered."""
            fault = hub.fault(repo)
            if fault is None:
                return False
            kind = fault["fault"]
            if kind == "slow":
                time.sleep(fault.get("delay", 5))
                return False
            if kind == "renamed":
                self.send(307, {"error": "moved"}, {"Location": new_path.replace(repo, fault["to"], 1)})
            elif kind == "not-found":
                self.send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})
            elif kind == "not-found-plain":
                self.send(404, b"Not Found", {"Content-Type": "text/plain"})
            elif kind in ("gated-401", "gated-403"):
                message = f"Access to model {repo} is restricted. You must have access to it and be authenticated to access it. Please log in."
                self.send(int(kind[-3:]), {"error": message}, {"X-Error-Code": "GatedRepo", "X-Error-Message": message})
            elif kind == "throttle":
                self.send(429, {"error": "Too Many Requests"}, {"Retry-After": str(fault.get("retry_after", 1))})
            elif kind in ("error-500", "error-503"):
                self.send(int(kind[-3:]), {"error": "Internal Error - We're working hard to fix this as soon as possible!"})
            elif kind == "truncated":
                body = json.dumps(hub.models.get(repo.lower(), {"id": repo})).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif kind == "malformed":
                self.send(200, b'{"id": "' + repo.encode() + b'", "sha": "abc", "siblings": [{"rfilename": ')
            else:
                raise ValueError(f"unknown fault {kind!r}")
            return True

        def model_info(self, repo: str, query: dict[str, list[str]], raw_query: str) -> None:
            if self.injected(repo, f"/api/models/{repo}" + (f"?{raw_query}" if raw_query else "")):
                return
            info = hub.models.get(repo.lower())
            if info is None:
                return self.send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})
            answer = copy.deepcopy(info)
            if query.get("blobs") != ["true"]:
                answer["siblings"] = [{"rfilename": s["rfilename"]} for s in answer["siblings"]]
            if "expand" in query:
                answer = {key: value for key, value in answer.items() if key in query["expand"] or key in ("_id", "id")}
            self.send(200, answer)

        def resolve(self, repo: str, revision: str, path: str, head: bool) -> None:
            if self.injected(repo, f"/{repo}/resolve/{revision}/{path}"):
                return
            info = hub.models.get(repo.lower())
            if info is None:
                return self.send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}, head)
            if info.get("gated") and self.headers.get("Authorization") != f"Bearer {TOKEN}":
                message = f"Access to model {info['id']} is restricted. You must have access to it and be authenticated to access it. Please log in."
                return self.send(401, {"error": message}, {"X-Error-Code": "GatedRepo", "X-Error-Message": message}, head)
            if revision not in ("main", info["sha"]):
                return self.send(404, {"error": "Invalid rev id"}, {"X-Error-Code": "RevisionNotFound"}, head)
            content = hub.files.get((repo.lower(), path))
            if content is None:
                return self.send(404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": info["sha"]}, head)
            blob = next((s["blobId"] for s in info["siblings"] if s["rfilename"] == path), "0" * 40)
            headers = {"X-Repo-Commit": info["sha"], "ETag": f'"{blob}"', "Content-Type": "text/plain; charset=utf-8"}
            wanted = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
            if wanted:
                start, end = int(wanted.group(1)), int(wanted.group(2))
                part = content[start : end + 1]
                headers["Content-Range"] = f"bytes {start}-{start + len(part) - 1}/{len(content)}"
                return self.send(206, part, headers, head)
            self.send(200, content, headers, head)

        def list_models(self, query: dict[str, list[str]]) -> None:
            wanted = set(query.get("filter", []))
            found = [c for c in hub.children if wanted <= set(c["tags"])]
            found.sort(key=lambda c: (-c["downloads"], c["id"]))
            start = int(query.get("cursor", ["0"])[0])
            page = found[start : start + PAGE_SIZE]
            headers = {}
            if start + PAGE_SIZE < len(found):
                rest = "&".join(f"filter={quote(f)}" for f in sorted(wanted))
                headers["Link"] = f'<{hub.url}/api/models?{rest}&cursor={start + PAGE_SIZE}>; rel="next"'
            self.send(
                200,
                [
                    {
                        "_id": c["id"],
                        "id": c["id"],
                        "downloads": c["downloads"],
                        "likes": c.get("likes", 0),
                        "tags": c["tags"],
                        "createdAt": c.get("createdAt", "2024-01-01T00:00:00.000Z"),
                        "private": False,
                    }
                    for c in page
                ],
                headers,
            )

    return Handler


def main() -> None:
    """Serve until interrupted: `python tests/fakehub/server.py [SCENARIO]`; prints the URL to use as HF_ENDPOINT."""
    import sys

    with FakeHub(scenario(sys.argv[1]) if len(sys.argv) > 1 else None) as hub:
        print(hub.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
