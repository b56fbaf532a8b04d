"""What the Hub states about a repository, how it is asked, and what to do when it fails.

The client that talks to the Hub lives at the edge (`tools/sync_hub.py`); this module only knows the protocol it
implements, the errors it raises and the retry policy around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

CONFIG_FILES = (
    "scheduler/scheduler_config.json",
    "unet/config.json",
    "transformer/config.json",
    "text_encoder/config.json",
    "text_encoder_2/config.json",
    "text_encoder_3/config.json",
    "model_index.json",
)
"""The small diffusers configs that reveal recorded facts, read in this order (the first that fails stops the reading)."""
MAX_CONFIG_BYTES = 1_000_000

T = TypeVar("T")


@dataclass(frozen=True)
class HubFile:
    """A file in a repository: its size and, for LFS files, its SHA-256."""

    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class RepoFacts:
    """What the Hub states about one repository at its current commit."""

    id: str
    """The id the Hub answers with (another id than the one asked for when the repository was renamed)."""
    sha: str | None = None
    last_modified: str | None = None
    """The date of the last commit, `YYYY-MM-DD`."""
    gated: bool = False
    disabled: bool = False
    license: str | None = None
    base_models: tuple[str, ...] = ()
    base_model_relation: str | None = None
    files: dict[str, HubFile] = field(default_factory=dict)
    configs: dict[str, Any] = field(default_factory=dict)
    """Parsed JSON of the diffusers configs read, by path."""
    configs_unread: str | None = None
    """Why the configs could not be read, when they could not."""
    headers: dict[str, dict[str, list[int]] | str] = field(default_factory=dict)
    """The tensors (name -> shape) of the safetensors files whose headers were read, by path; or why one was not."""


@dataclass(frozen=True)
class Job:
    """What to ask about one repository: its configs (a diffusers release) and the headers of some of its files."""

    configs: bool = False
    headers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Child:
    """A Hub model that declares a base model."""

    id: str
    downloads: int


class HubError(Exception):
    """The Hub did not answer with facts; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(HubError):
    """The Hub says the repository does not exist (`X-Error-Code: RepoNotFound`)."""


class Unavailable(HubError):
    """The repository cannot be checked in this run: access denied, bad answer, no network. Not retried."""


class Transient(HubError):
    """A failure worth retrying: 5xx, timeout, connection reset."""


class Throttled(Transient):
    """HTTP 429; `retry_after` is the wait the Hub asked for, in seconds."""

    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class HubClient(Protocol):
    """The calls the sync needs; each raises a `HubError` subclass instead of the client's own errors."""

    def model(self, repo: str) -> RepoFacts:
        """The facts of a repository, with its file list (sizes and hashes) but no configs."""
        ...

    def config(self, repo: str, revision: str | None, path: str) -> Any:
        """The parsed JSON of a small config file."""
        ...

    def children(self, repo: str, relation: str, limit: int) -> list[Child]:
        """Models declaring `repo` as their base model with this relation, most downloaded first."""
        ...

    def header(self, repo: str, revision: str | None, path: str) -> dict[str, list[int]]:
        """The tensors a safetensors file's header lists, name -> shape, read by range request (never the weights)."""
        ...


@dataclass(frozen=True)
class Retry:
    """How often and how long to retry a call that failed transiently."""

    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()`, retried on `Transient` errors with exponential backoff, or on 429 after `Retry-After`."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Throttled as error:
                wait = error.retry_after if error.retry_after is not None else self.backoff * 2 ** (attempt - 1)
                if wait > self.max_wait:
                    raise Unavailable(f"{error.reason}; Retry-After {wait:g} s is longer than {self.max_wait:g} s") from None
                last: Transient = error
            except Transient as error:
                wait, last = self.backoff * 2 ** (attempt - 1), error
            if attempt < self.attempts:
                self.sleep(min(wait, self.max_wait))
        raise Unavailable(f"{last.reason} (after {self.attempts} attempts)")


def fetch(client: HubClient, repo: str, retry: Retry, job: Job) -> RepoFacts:
    """A repository's facts, the configs that reveal recorded facts (diffusers format), and the asked-for headers."""
    facts = retry.call(lambda: client.model(repo))
    facts = _replace(facts, headers=headers(client, facts, retry, job.headers)) if job.headers else facts
    if not job.configs or "model_index.json" not in facts.files:
        return facts
    configs: dict[str, Any] = {}
    for path in CONFIG_FILES:
        entry = facts.files.get(path)
        if entry is None:
            continue
        if entry.size is not None and entry.size > MAX_CONFIG_BYTES:
            return _replace(facts, configs=configs, configs_unread=f"{path} is {entry.size:,} bytes (not a small config)")
        try:
            configs[path] = retry.call(lambda path=path: client.config(facts.id, facts.sha, path))  # type: ignore[misc]
        except HubError as error:
            return _replace(facts, configs=configs, configs_unread=f"{path}: {error.reason}")
    return _replace(facts, configs=configs)


def headers(client: HubClient, facts: RepoFacts, retry: Retry, paths: frozenset[str]) -> dict[str, dict[str, list[int]] | str]:
    """The headers of the files at `paths` that the repository has, or why each could not be read."""
    found: dict[str, dict[str, list[int]] | str] = {}
    for path in sorted(paths):
        if path not in facts.files:
            continue
        try:
            found[path] = retry.call(lambda path=path: client.header(facts.id, facts.sha, path))  # type: ignore[misc]
        except HubError as error:
            found[path] = error.reason
    return found


def _replace(facts: RepoFacts, **changes: Any) -> RepoFacts:
    return RepoFacts(**{**facts.__dict__, **changes})


def gather(
    jobs: Iterable[tuple[str, Job]],
    client: HubClient,
    retry: Retry,
    concurrency: int,
    progress: Callable[[str], None] = lambda repo: None,
) -> dict[str, RepoFacts | HubError]:
    """Fetch each (repo, job) on a bounded thread pool; a failure is kept as the repo's answer."""

    def one(repo: str, job: Job) -> RepoFacts | HubError:
        try:
            return fetch(client, repo, retry, job)
        except HubError as error:
            return error
        except Exception as error:  # noqa: BLE001 - one repo's surprise must not end the run for the others
            return Unavailable(f"unexpected {type(error).__name__}")

    answers: dict[str, RepoFacts | HubError] = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(one, repo, job): repo for repo, job in jobs}
        for future in as_completed(futures):
            answers[futures[future]] = future.result()
            progress(futures[future])
    return answers


def discover(
    repos: Iterable[str],
    relations: Iterable[str],
    client: HubClient,
    retry: Retry,
    concurrency: int,
    limit: int,
) -> tuple[dict[tuple[str, str], list[Child]], dict[tuple[str, str], HubError]]:
    """The children of each (repo, relation), and the queries that failed."""
    queries = [(repo, relation) for repo in repos for relation in relations]
    found: dict[tuple[str, str], list[Child]] = {}
    failed: dict[tuple[str, str], HubError] = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(retry.call, lambda q=q: client.children(q[0], q[1], limit)): q for q in queries}  # type: ignore[misc]
        for future in as_completed(futures):
            try:
                found[futures[future]] = future.result()
            except HubError as error:
                failed[futures[future]] = error
            except Exception as error:  # noqa: BLE001 - as in gather
                failed[futures[future]] = Unavailable(f"unexpected {type(error).__name__}")
    return found, failed


def header_source(repo: str, revision: str, path: str) -> dict[str, str]:
    """The `sources` entry for a safetensors header read on the Hub: the file at the revision read."""
    return {"url": f"https://huggingface.co/{repo}/blob/{revision}/{path}", "title": f"Header of {path} in {repo} at revision {revision[:7]}", "kind": "hub"}
