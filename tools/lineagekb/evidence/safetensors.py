"""Reading a local checkpoint without loading it: its SHA-256 and AutoV2 hash, and the header of a safetensors file
(an 8-byte little-endian length, then a JSON object naming every tensor's dtype and shape). Nothing here unpickles
a `.ckpt` or reads the tensors' data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_HEADER_BYTES = 100_000_000
"""The safetensors format's own limit on the JSON header."""

CHUNK = 1 << 20


class HeaderError(Exception):
    """The file is not a readable safetensors file; the message says why, in one line."""


@dataclass(frozen=True)
class Tensor:
    dtype: str
    shape: tuple[int, ...]


@dataclass
class Header:
    """The tensors a safetensors header lists, and its free-form metadata."""

    tensors: dict[str, Tensor]
    metadata: dict[str, str] = field(default_factory=dict)


def file_hashes(path: Path, progress: Callable[[int], None] | None = None) -> tuple[str, str]:
    """The SHA-256 of a file, read in 1 MiB chunks, and its AutoV2 hash (the first 10 hex digits, as A1111-style UIs
    and Civitai show it). `progress` is called with the bytes read so far."""
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done)
    sha256 = digest.hexdigest()
    return sha256, sha256[:10]


def read_header(path: Path) -> Header:
    """The header of a safetensors file, reading no more than the header however large the file or its claims."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise HeaderError(f"truncated: {len(prefix)} bytes, shorter than the 8-byte header length of a safetensors file")
        length = int.from_bytes(prefix, "little")
        if length > MAX_HEADER_BYTES:
            raise HeaderError(f"the header length {length:,} is absurd (the format allows at most {MAX_HEADER_BYTES:,} bytes)")
        if 8 + length > size:
            raise HeaderError(f"truncated: the header claims {length:,} bytes but the file has {size - 8:,} after the length")
        raw = stream.read(length)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HeaderError(f"the header is not JSON ({error.__class__.__name__}: {str(error)[:80]})") from None
    if not isinstance(data, dict):
        raise HeaderError(f"the header is JSON but not an object (got {type(data).__name__})")
    return parse_header(data)


def parse_header(data: dict[str, Any]) -> Header:
    """Tensors and metadata from a decoded header object; anything malformed is a HeaderError naming the tensor."""
    metadata = data.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise HeaderError("__metadata__ is not an object")
    tensors = {}
    for name, entry in data.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if not isinstance(dtype, str) or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise HeaderError(f"tensor {name[:80]!r} has no valid dtype and shape")
        tensors[name] = Tensor(dtype, tuple(shape))
    return Header(tensors, {str(k): str(v) for k, v in metadata.items()})
