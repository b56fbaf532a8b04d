"""Compare the records with the Hugging Face Hub: drift as a report, JSON or CI annotations; --write the Hub-owned values."""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
import time
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # read when huggingface_hub is imported, like HF_ENDPOINT

import httpx2  # noqa: E402 - the HTTP library huggingface_hub uses
from huggingface_hub import HfApi, constants, hf_hub_download  # noqa: E402
from huggingface_hub import errors as hf_errors  # noqa: E402
from huggingface_hub.utils import set_client_factory  # noqa: E402

from lineagekb import cli  # noqa: E402
from lineagekb.escape import terminal  # noqa: E402
from lineagekb.hubsync import drift, findings, hub, sync, write  # noqa: E402
from lineagekb.problems import DataError  # noqa: E402
from lineagekb.validate import validate  # noqa: E402

RELATIONS = ("finetune", "adapter", "merge", "quantized")
EXAMPLES = """\
  python tools/sync_hub.py                         # every record with a Hub repo; exit 1 on drift
  python tools/sync_hub.py sd-v1-5 sd-v2-1 -v      # two records, with the values the records leave out
  python tools/sync_hub.py --json > drift.json     # {"checked", "findings", "unchecked"}
  python tools/sync_hub.py --format github         # annotations for a scheduled CI job
  python tools/sync_hub.py --write                 # update revisions, dates, sizes, hashes, removals in place
  python tools/sync_hub.py --discover              # Hub models built on our releases, not recorded yet

Exit status: 0 all checked and in sync, 1 drift found, 2 usage or configuration error,
3 no drift but some repos could not be checked. HF_TOKEN (never printed) is used for gated repos.
"""


class HfClient:
    """The sync's Hub client, on `HfApi`: every call with a timeout, every failure as a `hub.HubError`."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        set_client_factory(lambda: _TimedClient(timeout))
        constants.HF_HUB_DOWNLOAD_TIMEOUT = max(1, round(timeout))
        self.api = HfApi()

    def model(self, repo: str) -> hub.RepoFacts:
        try:
            info = self.api.model_info(repo, files_metadata=True, timeout=self.timeout)
        except hf_errors.DisabledRepoError:
            return hub.RepoFacts(repo, disabled=True)
        except Exception as error:
            raise translate(error, self.timeout) from None
        card = info.card_data.to_dict() if info.card_data else {}
        base = card.get("base_model") or []
        files = {s.rfilename: hub.HubFile(s.lfs.size if s.lfs else s.size, s.lfs.sha256 if s.lfs else None) for s in info.siblings or []}
        return hub.RepoFacts(
            id=info.id,
            sha=info.sha,
            last_modified=info.last_modified.date().isoformat() if info.last_modified else None,
            gated=bool(info.gated),
            disabled=bool(info.disabled),
            license=card.get("license") if isinstance(card.get("license"), str) else None,
            base_models=tuple(base) if isinstance(base, list) else (base,),
            base_model_relation=card.get("base_model_relation"),
            files=files,
        )

    def config(self, repo: str, revision: str | None, path: str) -> Any:
        try:
            local = hf_hub_download(repo, path, revision=revision, etag_timeout=self.timeout)
            with open(local, encoding="utf-8") as file:
                return json.load(file)
        except Exception as error:
            raise translate(error, self.timeout) from None

    def header(self, repo: str, revision: str | None, path: str) -> dict[str, list[int]]:
        # range requests for the header only (huggingface_hub reads the first 100 kB, then the rest of a longer header)
        try:
            metadata = self.api.parse_safetensors_file_metadata(repo, path, revision=revision, timeout=self.timeout)
            return {name: list(info.shape) for name, info in metadata.tensors.items()}
        except Exception as error:
            raise translate(error, self.timeout) from None

    def children(self, repo: str, relation: str, limit: int) -> list[hub.Child]:
        try:
            models = self.api.list_models(filter=f"base_model:{relation}:{repo}", sort="downloads", limit=limit)
            return [hub.Child(m.id, m.downloads or 0) for m in models]
        except Exception as error:
            raise translate(error, self.timeout) from None


class _TimedClient(httpx2.Client):
    """The shared HTTP client, with a timeout even where huggingface_hub asks for none (`timeout=None`)."""

    def __init__(self, timeout: float) -> None:
        from huggingface_hub.utils._http import default_client_factory

        hooks = default_client_factory().event_hooks
        super().__init__(event_hooks=hooks, follow_redirects=True, timeout=timeout)
        self.forced = timeout

    def request(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.forced
        return super().request(*args, **kwargs)

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.forced
        return super().stream(*args, **kwargs)


TOKEN_HINT = "set HF_TOKEN to a token with access"


def translate(error: BaseException, timeout: float) -> hub.HubError:
    """The sync's error for a huggingface_hub or network failure; no message of the client is passed on verbatim."""
    cause = error.__cause__ or error.__context__
    if isinstance(error, hf_errors.LocalEntryNotFoundError) and cause is not None:
        return translate(cause, timeout)
    if isinstance(error, hf_errors.OfflineModeIsEnabled):
        return hub.Unavailable("offline mode (HF_HUB_OFFLINE=1)")
    if isinstance(error, hf_errors.GatedRepoError):
        return hub.Unavailable(f"gated: HTTP {error.response.status_code}, access denied ({TOKEN_HINT})")
    if isinstance(error, hf_errors.RepositoryNotFoundError):
        return hub.NotFound("not found")
    if isinstance(error, hf_errors.RevisionNotFoundError | hf_errors.RemoteEntryNotFoundError):
        return hub.Unavailable("not found at the current revision")
    if isinstance(error, hf_errors.HfHubHTTPError) and error.response is not None:
        return _http(error.response.status_code, error.response.headers.get("Retry-After"))
    if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
        return hub.Unavailable("malformed JSON in the answer")
    if isinstance(error, httpx2.RemoteProtocolError):
        return hub.Unavailable("truncated answer (connection closed early)")
    if isinstance(error, httpx2.TimeoutException):
        return hub.Transient(f"timed out after {timeout:g} s")
    if isinstance(error, httpx2.ConnectError) and re.search(r"Name or service not known|name resolution|nodename nor servname|getaddrinfo", str(error)):
        return hub.Unavailable(f"DNS lookup failed for {constants.ENDPOINT}")
    if isinstance(error, httpx2.TransportError):
        return hub.Transient(f"network error ({type(error).__name__})")
    return hub.Unavailable(redact(f"unexpected answer ({type(error).__name__})"))


def _http(status: int, retry_after: str | None) -> hub.HubError:
    if status == 429:
        wait = float(retry_after) if retry_after and re.fullmatch(r"\d+(\.\d+)?", retry_after) else None
        return hub.Throttled("throttled (HTTP 429)", wait)
    if status >= 500:
        return hub.Transient(f"HTTP {status}")
    if status in (401, 403):
        return hub.Unavailable(f"HTTP {status}, access denied ({TOKEN_HINT})")
    if status == 404:
        return hub.Unavailable("HTTP 404 without the Hub's RepoNotFound code (is HF_ENDPOINT a Hub?)")
    return hub.Unavailable(f"HTTP {status}")


def arguments() -> Any:
    args = cli.parser(__doc__.splitlines()[0], EXAMPLES)
    args.add_argument("records", nargs="*", metavar="ID", help="record ids to check (default: every record with a Hub repo)")
    args.add_argument("--record", action="append", default=[], metavar="ID", help="a record id to check (repeatable)")
    args.add_argument("--root", type=cli.Path, default=cli.DEFAULT_ROOT, help="folder of records (default: lineage)")
    output = args.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the result as JSON")
    output.add_argument("--format", choices=("text", "github"), default="text", help="text report (default) or GitHub workflow annotations")
    args.add_argument("--issue-body", type=cli.Path, metavar="FILE", help="also write the drift issue's body (GitHub Markdown) to FILE")
    args.add_argument("-v", "--verbose", action="store_true", help="also list values the Hub states that the records leave out")
    args.add_argument("--write", action="store_true", help="update the Hub-owned values in the record files (round-trip, atomic)")
    args.add_argument("--discover", action="store_true", help="also list unrecorded Hub models declaring one of the releases as base model")
    args.add_argument("--limit", type=_positive(int), default=10, metavar="N", help="with --discover: models per release and relation (default: 10)")
    args.add_argument("--concurrency", type=_positive(int), default=8, metavar="N", help="requests in flight at once (default: 8)")
    args.add_argument("--timeout", type=_positive(float), default=20.0, metavar="S", help="seconds to wait for each answer (default: 20)")
    args.add_argument("--retries", type=_positive(int), default=4, metavar="N", help="attempts per call on 429, 5xx and network errors (default: 4)")
    args.add_argument("--backoff", type=_positive(float), default=1.0, metavar="S", help="first wait between attempts, doubled each time (default: 1)")
    return args


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise ValueError(text)
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def main(argv: list[str] | None = None) -> int:
    args = arguments()
    options = args.parse_args(argv)
    knowledge, problems = validate(options.root)
    if problems:
        cli.report(problems)
        print("the records must validate before they can be compared with the Hub", file=sys.stderr)
        return 2
    ids = sorted(set(options.records + options.record)) or None
    known = [r.id for r in sync.hub_records(knowledge)]
    for unknown in sorted(set(ids or []) - set(known)):
        close = difflib.get_close_matches(unknown, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see `python tools/validate.py`; only records with `hub:` are checked"
        args.error(f"no record with a Hub repo has the id {unknown!r} ({hint})")
    client = HfClient(options.timeout)
    retry = hub.Retry(attempts=options.retries, backoff=options.backoff)
    records = sync.hub_records(knowledge, ids)
    started = time.monotonic()
    answers = run(sync.jobs(records), client, retry, options.concurrency)
    result = sync.compare(knowledge, records, answers)
    discovered = find_children(knowledge, records, client, retry, options) if options.discover else None
    elapsed = time.monotonic() - started
    if options.json:
        sys.stdout.write(drift.as_json(result, discovered))
    elif options.format == "github":
        sys.stdout.write(drift.github(result, knowledge))
    else:
        sys.stdout.write(drift.text(result, knowledge, options.verbose, discovered))
        print(f"({len(answers)} repo(s) asked in {elapsed:.1f} s)", file=sys.stderr)
    if options.issue_body:
        options.issue_body.write_text(drift.issue_body(result, knowledge), encoding="utf-8")
    if options.write:
        return write_back(knowledge, result) or result.exit_status()
    return result.exit_status()


def run(jobs: dict[str, bool], client: hub.HubClient, retry: hub.Retry, concurrency: int) -> dict[str, hub.RepoFacts | hub.HubError]:
    """Ask the Hub about every repo, with a progress bar on a terminal."""
    if not sys.stderr.isatty():
        return hub.gather(jobs.items(), client, retry, concurrency)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Asking the Hub", total=len(jobs))
        return hub.gather(jobs.items(), client, retry, concurrency, lambda _: progress.advance(task))


def find_children(knowledge: Any, records: list[Any], client: hub.HubClient, retry: hub.Retry, options: Any) -> list[drift.Discovered]:
    """Unrecorded Hub models that declare one of the releases as base model, most downloaded first."""
    releases = [r for r in records if r.kind == "release"]
    bases = {repo: r.id for r in releases for repo in [r.hub.repo, *r.hub.mirrors]}
    found, failed = hub.discover(bases, RELATIONS, client, retry, options.concurrency, options.limit)
    for (repo, relation), error in sorted(failed.items()):
        print(terminal(f"discover: base_model:{relation}:{repo}: {error.reason}"), file=sys.stderr)
    recorded = {repo.lower() for r in sync.hub_records(knowledge) for repo in [r.hub.repo, *r.hub.mirrors]}
    recorded |= {c.repo.lower() for r in sync.hub_records(knowledge) for c in r.checkpoints if c.repo}
    children: dict[str, drift.Discovered] = {}
    for (repo, relation), models in sorted(found.items()):
        for child in models:
            if child.id.lower() not in recorded and child.id not in children:
                children[child.id] = drift.Discovered(child.id, bases[repo], repo, relation, child.downloads)
    return sorted(children.values(), key=lambda d: (-d.downloads, d.repo))


def write_back(knowledge: Any, result: findings.SyncResult) -> int:
    """Write the Hub-owned values; 0 when done (or nothing to do), 2 when the records could not be edited cleanly."""
    by_path = write.changes(result.findings)
    kinds = {knowledge.documents[r].path: type(knowledge.records[r]) for r in result.records}
    try:
        written = write.commit(write.plan(by_path, kinds))
    except DataError as error:
        cli.report(error.problems)
        return 2
    except OSError as error:
        print(f"could not write the records ({error.strerror}); no record was changed", file=sys.stderr)
        return 2
    count = sum(len(edits) for edits in by_path.values())
    print(f"wrote {count} Hub-owned value(s) to {len(written)} record file(s)", file=sys.stderr)
    return 0


def redact(text: str) -> str:
    """`text` without the token, should any message ever carry it."""
    token = os.environ.get("HF_TOKEN")
    return text.replace(token, "***") if token else re.sub(r"hf_[A-Za-z0-9]{20,}", "***", text)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; no record was changed", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
