"""Benchmark: every stage of the pipeline against its floor, side by side in one run, at growing sizes.

    python benchmarks/run.py [--quick] [--sizes 100,1000,10000] [--out benchmarks/results.json]

Prints a table of figures next to their targets and writes them as JSON. The machine is noisy, so figures are ratios
of runs made back to back, each the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

import synth

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class Figure:
    """One measured figure next to its target."""

    name: str
    size: int
    value: float
    unit: str
    target: str
    ok: bool | None


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> tuple[float, float, str]:
    """Run a command; its wall time in seconds, its peak memory in MiB and its standard output."""
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env or ENV, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(process.pid, 0)  # the child's own peak memory, which Popen.wait() would discard
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if process.returncode:
            raise SystemExit(f"benchmark step failed: {' '.join(command)}\n{stderr.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, stdout.read()


def stage(name: str, records: Path, *extra: str) -> tuple[float, float]:
    """In-process seconds of a stage (interpreter start-up excluded) and the stage process's peak MiB."""
    _, peak, stdout = run([PYTHON, str(REPO / "benchmarks" / "stages.py"), name, str(records), *extra])
    return json.loads(stdout)["seconds"], peak


def best(repeat: int, measure):
    results = [measure() for _ in range(repeat)]
    return min(results, key=lambda result: result[0])


def site_size(site: Path) -> int:
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file())


def plain_project(records: Path, work: Path) -> Path:
    """The same Markdown on disk with the same navigation and theme, and no hooks: what MkDocs alone costs."""
    docs = work / "plain-docs"
    shutil.copytree(REPO / "docs", docs)
    stage("markdown", records, str(docs))
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config.pop("hooks")
    config["docs_dir"] = str(docs)
    (work / "plain.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return work / "plain.yml"


def build(config: Path, site: Path, records: Path) -> tuple[float, float]:
    env = {**ENV, "MODEL_LINEAGE_RECORDS": str(records)}
    seconds, peak, _ = run([PYTHON, "-m", "mkdocs", "build", "--quiet", "-f", str(config), "--site-dir", str(site)], env=env)
    return seconds, peak


def measure_size(size: int, work: Path, repeat: int) -> list[Figure]:
    records = synth.write(work / "lineage", size)
    figures = []
    floor, _ = best(repeat, lambda: stage("floor", records))
    validated, validate_peak = best(repeat, lambda: stage("validate", records))
    figures.append(Figure("validate + export ÷ libyaml parse", size, validated / floor, "×", "≤ 2", validated / floor <= 2))
    figures.append(Figure("validate + export, per release", size, validated / size * 1000, "ms", "linear", None))
    generated, _ = best(repeat, lambda: stage("generate", records))
    figures.append(Figure("pages + graphs (SVG) generation", size, generated, "s", "", None))
    _, _, stdout = run([PYTHON, str(REPO / "benchmarks" / "stages.py"), "graph", str(records)])
    family = json.loads(stdout)
    drawn = f"largest family graph ({family['members']:.0f} releases, {family['drawn']:.0f} nodes drawn): layout"
    figures.append(Figure(drawn, size, family["seconds"], "s", "≤ 1", family["seconds"] <= 1 and family["drawn"] <= 100))
    plain = plain_project(records, work)
    full_site, plain_site = work / "site", work / "plain-site"
    if size <= 1000:  # an untimed build first, so that neither side pays for a cold file cache
        build(plain, plain_site, records)
    full, full_peak = best(repeat, lambda: build(REPO / "mkdocs.yml", full_site, records))
    bare, _ = best(repeat, lambda: build(plain, plain_site, records))
    figures.append(Figure("full site build ÷ plain MkDocs build", size, full / bare, "×", "≤ 1.3", full / bare <= 1.3))
    figures.append(Figure("full site build", size, full, "s", "", None))
    per_release = site_size(full_site) / size / 1024
    # Below 1,000 releases the theme's 2.5 MB of scripts and the fixed dataset and organisation pages dominate.
    checked = per_release < 60 if size >= 1000 else None
    figures.append(Figure("built site per release (all files ÷ releases)", size, per_release, "KB", "< 60", checked))
    peak = max(validate_peak, full_peak)
    figures.append(Figure("peak memory (site build)", size, peak, "MiB", "< 1024", peak < 1024))
    return figures


def measure_rebuild(work: Path, edits: int = 3) -> Figure:
    """`mkdocs serve` on a copy of the real records: seconds from saving an edited record to the rebuilt site."""
    records = work / "real-lineage"
    shutil.copytree(REPO / "lineage", records)
    env = {**ENV, "MODEL_LINEAGE_RECORDS": str(records)}
    server = subprocess.Popen(
        [PYTHON, "-m", "mkdocs", "serve", "--dev-addr", "127.0.0.1:0", "-f", str(REPO / "mkdocs.yml")],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: [lines.append((time.perf_counter(), line)) for line in server.stderr], daemon=True)
    reader.start()
    try:
        _wait_for(lines, "Serving on", 0, timeout=120)
        record = records / "releases" / "sd-v1-5.yaml"
        times = []
        for edit in range(edits):
            seen = len(lines)
            saved = time.perf_counter()
            record.write_text(record.read_text(encoding="utf-8") + f"# edit {edit}\n", encoding="utf-8")
            done = _wait_for(lines, "Reloading browsers", seen, timeout=120)
            times.append(done - saved)
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    median = sorted(times)[len(times) // 2]
    return Figure("serve rebuild after one record edit (real)", len(list(records.glob("releases/*.yaml"))), median, "s", "≤ 2", median <= 2)


def _wait_for(lines: list[tuple[float, str]], text: str, start: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        for when, line in lines[start:]:
            if text in line:
                return when
        time.sleep(0.02)
    raise SystemExit(f"mkdocs serve did not print {text!r} within {timeout:.0f} s")


def print_table(figures: list[Figure]) -> None:
    print(f"{'figure':<46} {'releases':>8} {'value':>10} {'unit':<4} {'target':<8} ok")
    for figure in figures:
        ok = {True: "yes", False: "NO", None: ""}[figure.ok]
        print(f"{figure.name:<46} {figure.size:>8} {figure.value:>10.2f} {figure.unit:<4} {figure.target:<8} {ok}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes only (about a minute)")
    parser.add_argument("--sizes", help="comma-separated numbers of releases (default: 100,1000,10000; --quick: 100)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per measurement, best kept (default 3, --quick 1)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results.json")
    options = parser.parse_args()
    sizes = [int(s) for s in re.split(r",\s*", options.sizes)] if options.sizes else ([100] if options.quick else [100, 1000, 10000])
    repeat = options.repeat or (1 if options.quick else 3)
    figures: list[Figure] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"lineage-bench-{size}-") as work:
            figures += measure_size(size, Path(work), repeat if size < 10000 else 1)
            print_table(figures[-8:])
    with tempfile.TemporaryDirectory(prefix="lineage-bench-serve-") as work:
        figures.append(measure_rebuild(Path(work)))
    try:
        from sync_bench import measure_sync
    except ImportError:
        measure_sync = None
    if measure_sync:
        figures += measure_sync(quick=options.quick)
    print()
    print_table(figures)
    options.out.write_text(json.dumps([asdict(f) for f in figures], indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {options.out}")
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
