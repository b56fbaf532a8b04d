"""Identify local checkpoint files: hash, the record they match, and what a safetensors header shows."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lineagekb import cli
from lineagekb.escape import terminal
from lineagekb.evidence.compare import EXTRA_INPUT_CHANNELS
from lineagekb.evidence.headers import read_denoiser
from lineagekb.evidence.match import architecture_index, by_fingerprint, candidates, matching_fingerprints
from lineagekb.evidence.safetensors import HeaderError, file_hashes, read_header
from lineagekb.records import model
from lineagekb.validate import validate

PROGRESS_FROM = 256 << 20
"""Files from this size get a progress bar while they are hashed (on a terminal)."""
EXAMPLES = (
    "  python tools/identify.py ~/models/v1-5-pruned-emaonly.safetensors\n"
    "  python tools/identify.py *.safetensors --json | jq '.[] | {file, match, architecture}'"
)


def hashed(path: Path) -> tuple[str, str]:
    """SHA-256 and AutoV2 of a file, with a progress bar for big files on a terminal."""
    size = path.stat().st_size
    if size < PROGRESS_FROM or not sys.stderr.isatty():
        return file_hashes(path)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"Hashing {path.name}", total=size)
        return file_hashes(path, lambda done: progress.update(task, completed=done))


def identify(path: Path, knowledge: Any, checkpoints: dict[str, tuple[str, str]], index: dict[str, Any]) -> dict[str, Any]:
    """Everything the tool can tell of one file, as the JSON object it prints."""
    found: dict[str, Any] = {"file": str(path), "size_bytes": None, "sha256": None, "autov2": None, "match": None}
    found |= {"architecture": None, "fingerprints": [], "layout": None, "dtype": None, "notes": []}
    if path.is_dir():
        found["notes"].append("a folder, not a file (for a diffusers folder, name its .safetensors files)")
        return found
    try:
        found["size_bytes"] = path.stat().st_size
        found["sha256"], found["autov2"] = hashed(path)
    except OSError as error:
        found["notes"].append(f"cannot read the file ({error.strerror})")
        return found
    if found["sha256"] in checkpoints:
        record, file = checkpoints[found["sha256"]]
        found["match"] = {"record": record, "checkpoint": file}
    if path.suffix == ".ckpt":
        found["notes"].append("a .ckpt file is a pickle: only its hash is compared, since reading its contents could run code")
        return found
    try:
        header = read_header(path)
    except HeaderError as error:
        found["notes"].append(f"not a readable safetensors file: {error}")
        return found
    reading = read_denoiser(header)
    found["fingerprints"] = matching_fingerprints(knowledge, header)
    found["layout"], found["dtype"] = reading.layout, reading.dtype
    architecture = by_fingerprint(knowledge, found["fingerprints"], reading.layout) or candidates(knowledge, reading, index)
    if architecture:
        found["architecture"] = {"id": architecture[0], "releases": architecture[1]}
        matched = knowledge.records.get(architecture[0])
        if found["layout"] is None and isinstance(matched, model.Fingerprint):  # a design whose names only its own code uses
            found["layout"] = matched.layout.value
    if reading.ema:
        found["notes"].append("holds EMA weights next to the training weights (model_ema.*)")
    if reading.in_channels and reading.out_channels and reading.in_channels != reading.out_channels:
        tasks = ", ".join(f"{task} {extra}" for task, extra in EXTRA_INPUT_CHANNELS.items())
        found["notes"].append(
            f"{reading.in_channels} input channels for a {reading.out_channels}-channel latent: a variant whose task adds "
            f"{reading.in_channels - reading.out_channels} at the input ({tasks})"
        )
    return found


def identified(found: dict[str, Any]) -> bool:
    return found["match"] is not None or bool(found["architecture"] and found["architecture"]["releases"])


def text(found: dict[str, Any]) -> list[str]:
    """The readable report of one file; every value from the file goes through the terminal rule."""
    lines = [found["file"]]
    if found["sha256"]:
        lines.append(f"  size {found['size_bytes']:,} bytes, sha256 {found['sha256']}, AutoV2 {found['autov2']}")
    match = found["match"]
    lines.append(f"  matches {match['record']}: {match['checkpoint']}" if match else "  matches no recorded checkpoint file")
    if found["architecture"]:
        releases = ", ".join(found["architecture"]["releases"]) or "no recorded release"
        lines.append(f"  architecture {found['architecture']['id']}: {releases}")
    if found["fingerprints"]:
        lines.append(f"  fingerprint {', '.join(found['fingerprints'])}: every distinctive tensor has the recorded shape")
    if found["layout"] or found["dtype"]:
        lines.append(f"  layout {found['layout'] or 'not recognised'}, dtype {found['dtype'] or 'none'}")
    lines += [f"  note: {note}" for note in found["notes"]]
    return [terminal(line) for line in lines]


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Identify checkpoint files: size, SHA-256 and AutoV2 hash, the recorded checkpoint they match, and from a "
        "safetensors header the architecture, the releases that share it, the layout, dtype, EMA copy and variant. "
        "Never unpickles a .ckpt and never reads the tensors. Exit 0 when every file was identified, 1 when some were not.",
        EXAMPLES,
    )
    args.add_argument("files", nargs="+", type=Path, metavar="FILE", help="checkpoint files (.safetensors, .ckpt)")
    args.add_argument("--json", action="store_true", help="print a JSON list, one object per file")
    args.add_argument("--root", type=cli.Path, default=cli.DEFAULT_ROOT, help="folder of records (default: lineage)")
    options = args.parse_args(argv)
    knowledge, problems = validate(options.root)
    if problems:
        cli.report(problems)
        print("the records must validate before files can be matched against them", file=sys.stderr)
        return 2
    checkpoints = {c.sha256: (r.id, c.file) for r in knowledge.records.values() for c in getattr(r, "checkpoints", []) if c.sha256}
    index = architecture_index(knowledge)
    results = [identify(path, knowledge, checkpoints, index) for path in options.files]
    if options.json:
        sys.stdout.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    else:
        print("\n".join(line for found in results for line in text(found)))
    return 0 if all(identified(found) for found in results) else 1


if __name__ == "__main__":
    sys.exit(main())
