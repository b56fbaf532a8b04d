"""Identify a 5 GB checkpoint: reading its safetensors header must take well under 0.2 s whatever the file's size,
and hashing it runs at the disk's pace, reported in MB/s next to `sha256sum` on the same file.

    python benchmarks/identify_bench.py [--gigabytes 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import Figure, print_table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests"))

from test_identify import unet, write_safetensors  # noqa: E402

from lineagekb.evidence.headers import read_denoiser  # noqa: E402
from lineagekb.evidence.match import candidates  # noqa: E402
from lineagekb.evidence.safetensors import file_hashes, read_header  # noqa: E402
from lineagekb.validate import validate  # noqa: E402

TENSORS = 686
"""As many tensors as the SD 1.5 UNet has, so the header is as long as a real one."""


def checkpoint(folder: Path, gigabytes: int) -> Path:
    tensors = unet(768)
    tensors.update({f"model.diffusion_model.filler.{i}.weight": ("F16", [320, 320]) for i in range(TENSORS - len(tensors))})
    return write_safetensors(folder / "model.safetensors", tensors, size=gigabytes << 30)


def best_of(runs: int, measure) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        measure()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--gigabytes", type=int, default=5, help="size of the sparse test file (default 5)")
    options = args.parse_args()
    knowledge, _ = validate(REPO / "lineage")
    with tempfile.TemporaryDirectory() as folder:
        path = checkpoint(Path(folder), options.gigabytes)
        size = path.stat().st_size
        header = best_of(5, lambda: candidates(knowledge, read_denoiser(read_header(path))))
        ours = best_of(1, lambda: file_hashes(path))
        theirs = best_of(1, lambda: subprocess.run(["sha256sum", str(path)], check=True, capture_output=True))
    mb = size / 1e6
    print_table(
        [
            Figure(f"identify by header, {options.gigabytes} GB file", 1, header * 1000, "ms", "< 200", header < 0.2),
            Figure("SHA-256, identify.py", 1, mb / ours, "MB/s", "", None),
            Figure("SHA-256, sha256sum (same file)", 1, mb / theirs, "MB/s", "", None),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
