"""Page weight: how long a release page takes to reach its content in Chromium, next to a bare Material page of the
same site, and how big the search index is. Both pages are loaded alternately from a loopback server, so the noise of
the machine hits both alike; the figure is the ratio of their medians.

    python benchmarks/page_weight.py [--loads 15] [--page releases/sd-v2-1/]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import yaml
from run import Figure, print_table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from screenshots import CHROMIUM, CHROMIUM_ARGS, QuietHandler  # noqa: E402

BARE = "# A bare page\n\nOne paragraph of text and nothing else: the theme's own cost.\n"
# From the start of navigation: the first text painted, the largest element painted (the page's main content: what
# "reaches its content" means here) and the DOM ready with the theme's scripts run.
TIMINGS = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    const navigation = performance.getEntriesByType("navigation")[0];
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    resolve({
      content: entries[entries.length - 1].startTime,
      paint: paint ? paint.startTime : null,
      ready: navigation.domContentLoadedEventEnd,
    });
  }).observe({type: "largest-contentful-paint", buffered: true});
})"""


def build_with_bare_page(work: Path) -> Path:
    """The real site plus one bare page, built into `work/site`."""
    docs = work / "docs"
    shutil.copytree(REPO / "docs", docs)
    (docs / "bare.md").write_text(BARE, encoding="utf-8")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs)
    config["hooks"] = [str(REPO / "tools" / "mkdocs_hooks.py")]
    config_path = work / "mkdocs.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = work / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config_path), "--site-dir", str(site)]
    subprocess.run(command, check=True, env=env, cwd=work)
    return site


def load_times(site: Path, pages: list[str], loads: int) -> dict[str, list[dict[str, float]]]:
    """Each page loaded `loads` times, the pages taking turns, in a fresh browser context each time (a cold cache)."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    found: dict[str, list[dict[str, float]]] = {page: [] for page in pages}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(loads):
                for page_path in pages:
                    context = browser.new_context(viewport={"width": 1440, "height": 900})
                    page = context.new_page()
                    page.goto(base + page_path, wait_until="load")
                    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0", timeout=10_000)
                    found[page_path].append(page.evaluate(TIMINGS))
                    context.close()
            browser.close()
    finally:
        server.shutdown()
    return found


def figures(site: Path, release: str, loads: int) -> list[Figure]:
    times = load_times(site, ["bare/", release], loads)
    result = []
    for metric, label, target in (("content", "content painted (LCP)", 1.5), ("paint", "first paint (FCP)", None), ("ready", "DOM ready", None)):
        bare = statistics.median(t[metric] for t in times["bare/"])
        full = statistics.median(t[metric] for t in times[release])
        ok = None if target is None else full / bare <= target
        result.append(Figure(f"release ÷ bare page, {label}", loads, full / bare, "×", f"≤ {target}" if target else "", ok))
    index = site / "search" / "search_index.json"
    records = sum(1 for _ in (REPO / "lineage").rglob("*.yaml"))
    entries = len(json.loads(index.read_text(encoding="utf-8"))["docs"])
    result.append(Figure(f"search index ({entries} entries), per record", records, index.stat().st_size / records / 1000, "KB", "", None))
    result.append(Figure(f"release page HTML ({release})", 1, (site / release / "index.html").stat().st_size / 1000, "KB", "", None))
    result.append(Figure("bare page HTML", 1, (site / "bare" / "index.html").stat().st_size / 1000, "KB", "", None))
    return result


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--loads", type=int, default=15, help="loads of each page (default 15)")
    args.add_argument("--page", default="releases/sd-v2-1/", help="the release page to weigh (default releases/sd-v2-1/)")
    options = args.parse_args()
    with tempfile.TemporaryDirectory() as work:
        site = build_with_bare_page(Path(work))
        print_table(figures(site, options.page, options.loads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
