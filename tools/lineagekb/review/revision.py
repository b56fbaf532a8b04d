"""The record files of a git revision, or of the working tree, as (path, content) pairs: no checkout needed."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..records.load import RECORD_SUFFIXES, record_files

GIT_TIMEOUT = 120
SYMLINK_MODE = "120000"


class RevisionError(Exception):
    """A repository or revision that cannot be read; the message is one line a person can act on."""


@dataclass(frozen=True)
class Revision:
    """What one side of a comparison is: a commit, or the working tree (`sha` None)."""

    label: str
    sha: str | None

    @property
    def short(self) -> str:
        return self.sha[:7] if self.sha else "working tree"


def git(top: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """The output of `git -C top ARGS`; a RevisionError with git's first line of complaint when it fails."""
    try:
        result = subprocess.run(["git", "-C", str(top), *args], input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError as error:
        raise RevisionError("git is not installed (install git and run again)") from error
    except subprocess.TimeoutExpired as error:
        raise RevisionError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from error
    if result.returncode:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or [f"git {args[0]} failed"]
        raise RevisionError(lines[0].removeprefix("fatal: "))
    return result.stdout


def toplevel(path: Path) -> Path:
    """The root of the git work tree containing `path`."""
    try:
        return Path(git(path, "rev-parse", "--show-toplevel").decode().strip())
    except RevisionError as error:
        raise RevisionError(f"{path}: not inside a git repository (run the command from a clone of the project)") from error


def resolve(top: Path, name: str) -> Revision:
    """The commit a branch, tag or sha names."""
    if not name or name.startswith("-"):
        raise RevisionError(f"bad revision {name!r} (expected a branch, tag or commit, e.g. main or origin/main)")
    try:
        sha = git(top, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}").decode().strip()
    except RevisionError as error:
        raise RevisionError(f"unknown revision {name!r} (expected a branch, tag or commit, e.g. main or origin/main; fetch it first)") from error
    return Revision(name, sha)


def merge_base(top: Path, base: Revision, head: Revision) -> Revision:
    """Where `head` branched from `base` (what a pull request is compared with); `base` itself when unrelated."""
    try:
        other = head.sha or resolve(top, "HEAD").sha or ""
        sha = git(top, "merge-base", base.sha or "", other).decode().strip()
    except RevisionError:
        return base
    return Revision(base.label, sha)


def files_at(top: Path, revision: Revision, folder: str) -> list[tuple[str, bytes]]:
    """The record files under `folder` at `revision` (the working tree when its sha is None), paths from the top."""
    if revision.sha is None:
        return working_files(top, folder)
    listing = git(top, "ls-tree", "-r", "-z", "--full-tree", revision.sha, "--", folder).decode("utf-8", "surrogateescape")
    blobs: list[tuple[str, str]] = []
    for entry in filter(None, listing.split("\0")):
        info, path = entry.split("\t", 1)
        mode, kind, obj = info.split()
        if kind == "blob" and mode != SYMLINK_MODE and path.endswith(RECORD_SUFFIXES):
            blobs.append((path, obj))
    return list(zip([path for path, _ in blobs], read_blobs(top, [obj for _, obj in blobs]), strict=True))


def file_at(top: Path, revision: Revision, path: str) -> bytes | None:
    """The content of one file (`path` from the top) at `revision` (the working tree when its sha is None); None when
    it is not there, is no regular file or is a symbolic link."""
    if revision.sha is None:
        target = top / path
        try:
            if target.is_symlink() or not target.is_file() or not target.resolve().is_relative_to(top.resolve()):
                return None
            return target.read_bytes()
        except OSError as error:
            raise RevisionError(f"{target}: cannot read the file ({error.strerror}); check its permissions") from error
    listing = git(top, "ls-tree", "-z", "--full-tree", revision.sha, "--", path).decode("utf-8", "surrogateescape")
    for entry in filter(None, listing.split("\0")):
        info, name = entry.split("\t", 1)
        mode, kind, obj = info.split()
        if name == path and kind == "blob" and mode != SYMLINK_MODE:
            return read_blobs(top, [obj])[0]
    return None


def read_blobs(top: Path, objects: list[str]) -> list[bytes]:
    """The contents of blobs, read with one `git cat-file --batch`."""
    if not objects:
        return []
    output = git(top, "cat-file", "--batch", stdin="".join(f"{obj}\n" for obj in objects).encode())
    contents, offset = [], 0
    for _ in objects:
        header_end = output.index(b"\n", offset)
        size = int(output[offset:header_end].split()[2])
        contents.append(output[header_end + 1 : header_end + 1 + size])
        offset = header_end + 1 + size + 1
    return contents


def working_files(top: Path, folder: str) -> list[tuple[str, bytes]]:
    """The record files under `folder` as they are on disk, committed or not."""
    root = top / folder
    files = []
    for path in record_files(root) if root.is_dir() else []:
        try:
            files.append((path.relative_to(top).as_posix(), path.read_bytes()))
        except OSError as error:
            raise RevisionError(f"{path}: cannot read the file ({error.strerror}); check its permissions") from error
    return files
