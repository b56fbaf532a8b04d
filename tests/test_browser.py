"""The built site in Debian's Chromium, driven by Playwright, served on 127.0.0.1 only."""

from __future__ import annotations

import base64
import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_hostile import HOSTILE_NAME, hostile_records

from conftest import REPO
from lineagekb.records import model
from screenshots import CHROMIUM, CHROMIUM_ARGS, QuietHandler

pytestmark = pytest.mark.browser
PAYLOAD = '<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>'


def build_site(records: Path, out: Path, strict: bool = True) -> Path:
    """Build the site from `records`; strict for the real records (a knowledge base made for a test lacks the releases
    the hand-written guides link to, so its build is not strict)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MODEL_LINEAGE_RECORDS": str(records)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict" if strict else "--no-strict", "--site-dir", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real site and, under /injected/, a site whose sd-v1-5 record carries a script payload."""
    root = tmp_path_factory.mktemp("served")
    build_site(REPO / "lineage", root)
    records = tmp_path_factory.mktemp("records") / "lineage"
    shutil.copytree(REPO / "lineage", records)
    record = records / "releases" / "sd-v1-5.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("name: Stable Diffusion v1-5", f"name: '{PAYLOAD}'"), encoding="utf-8")
    build_site(records, root / "injected")
    build_site(hostile_records(tmp_path_factory.mktemp("hostile")), root / "hostile", strict=False)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make test`, which installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A page that records console errors and every request that would leave loopback (and blocks it)."""
    context = browser.new_context()
    opened = context.new_page()
    opened.console_errors = []
    opened.off_origin = []
    opened.on("console", lambda message: message.type == "error" and opened.console_errors.append(message.text))
    opened.on("pageerror", lambda error: opened.console_errors.append(str(error)))

    def guard(route, request):
        if urlparse(request.url).hostname not in ("127.0.0.1", "localhost"):
            opened.off_origin.append(request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", guard)
    yield opened
    context.close()


def search(page, query: str, expected: str) -> str:
    """Type a query into Material's search box as a person would, and the text of the results once they show
    `expected` (the worker may still be answering an earlier keystroke's query when the first results appear)."""
    page.locator(".md-search__input").click()
    results = page.locator(".md-search-result__item")
    for _ in range(3):  # the search index loads in a worker; a query typed before it is ready finds nothing
        page.keyboard.type(query)
        try:
            results.first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.locator(".md-search__input").fill("")
    results.first.wait_for(timeout=5_000)
    listed = page.locator(".md-search-result__list")
    try:
        listed.filter(has_text=expected).wait_for(timeout=10_000)
    except PlaywrightTimeout:
        pass  # the caller's assertion shows what was listed instead
    return listed.inner_text()


def heading(page) -> str:
    """The page title as shown, without the permalink mark."""
    return page.locator("h1").inner_text().removesuffix("¶").strip()


def test_home_lists_the_families_and_their_graphs_open_releases(page, served: str) -> None:
    page.goto(served + "/")
    cards = page.locator(".grid.cards li")
    assert cards.count() == len(model.Family)
    page.locator(".grid.cards a", has_text="Stable Diffusion 1.x").click()
    page.wait_for_url("**/families/sd-1/")
    node = page.locator(".lineage-graph svg #node-sd-v1-5")
    assert node.is_visible()
    node.locator("a").first.click()
    page.wait_for_url("**/releases/sd-v1-5/")
    assert heading(page) == "Stable Diffusion v1-5"
    assert page.console_errors == []
    assert page.off_origin == []


def test_comparison_table_fits_and_filters_by_family(browser, served: str) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(served + "/releases/")
    table = page.locator(".lineage-compare table")
    assert page.evaluate("(() => { const t = document.querySelector('.lineage-compare table'); return t.scrollWidth <= t.clientWidth + 1 })()")
    rows = table.locator("tbody tr")
    total = rows.count()
    page.locator(".lineage-compare select").select_option("FLUX.1")
    visible = [row for row in rows.all() if row.is_visible()]
    assert len(visible) == 3 < total
    assert all("FLUX.1" in row.inner_text() for row in visible)
    page.locator(".lineage-compare select").select_option("")
    assert len([row for row in rows.all() if row.is_visible()]) == total
    page.close()


def test_search_for_v_prediction_finds_sd_2_0(page, served: str) -> None:
    page.goto(served + "/")
    wanted = "Stable Diffusion v2 (SD 2.0-v, 768-v)"
    assert wanted in search(page, "v-prediction", wanted)
    assert page.console_errors == []
    assert page.off_origin == []


def test_release_page_shows_sources_and_files(page, served: str) -> None:
    page.goto(served + "/releases/sd-v1-5/")
    sources = page.locator(".footnote a[href^='https://']")
    assert sources.count() >= 2
    assert all(href.startswith("https://") for href in sources.evaluate_all("links => links.map(l => l.href)"))
    assert page.locator("td code", has_text="v1-5-pruned-emaonly.ckpt").is_visible()
    assert page.locator(".footnote").count() == 1
    assert page.console_errors == []
    assert page.off_origin == []


def test_injected_payload_shows_as_text_and_does_not_run(page, served: str) -> None:
    page.goto(served + "/injected/releases/sd-v1-5/")
    assert page.evaluate("window.__injected") is None
    assert heading(page) == PAYLOAD
    page.goto(served + "/injected/")
    assert page.evaluate("window.__injected") is None
    assert page.off_origin == []


HOSTILE_PAGES = [
    "releases/tuned/",
    "releases/base/",
    "components/enc/",
    "components/ae/",
    "datasets/pairs/",
    "organizations/acme/",
    "families/sd-1/",
    "releases/",
    "tags/",
    "",
]


def test_hostile_names_run_nowhere(page, served: str) -> None:
    """Every page type of a site whose names are markup: titles, tags, graphs and search show them as text."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in HOSTILE_PAGES:
        page.goto(f"{served}/hostile/{path}")
        assert page.evaluate("[...document.scripts].some(s => s.textContent.includes('alert('))") is False, path
        for node in page.locator(".lineage-graph svg g.node").all()[:6]:
            node.hover()
    page.goto(f"{served}/hostile/releases/tuned/")
    assert page.title().startswith("</title><script>alert(1)</script>")
    assert heading(page).startswith("</title><script>alert(1)</script>")
    assert page.locator(".md-tag", has_text="<img src=x onerror=alert(2)>").count() >= 1
    assert HOSTILE_NAME.split(" <img")[0] in search(page, "onerror", HOSTILE_NAME.split(" <img")[0])
    assert dialogs == []
    assert page.console_errors == []
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.off_origin == []


def test_identify_page_reads_a_dropped_header_and_finds_a_pasted_hash(page, served: str) -> None:
    """A file dropped on the page is read in the browser (its header only) and named; a hash finds its record."""
    from test_identify import unet

    header = json.dumps({name: {"dtype": dtype, "shape": shape, "data_offsets": [0, 0]} for name, (dtype, shape) in unet(768).items()}).encode()
    page.goto(served + "/identify/")
    drop_file(page, "mystery.safetensors", len(header).to_bytes(8, "little") + header + b"\0" * 64)
    found = page.locator(".lineage-identify__architecture")
    found.wait_for(timeout=10_000)
    assert "unet-ctx768-extra0" in found.inner_text() and "Stable Diffusion v1-5" in found.inner_text()
    assert "Stable Diffusion v2-1" not in found.inner_text()
    tensors = yaml.safe_load((REPO / "lineage" / "fingerprints" / "sd-2-inpainting-unet.yaml").read_text(encoding="utf-8"))["tensors"]
    header = json.dumps({name: {"dtype": "F16", "shape": shape, "data_offsets": [0, 0]} for name, shape in tensors.items()}).encode()
    drop_file(page, "inpainting.safetensors", len(header).to_bytes(8, "little") + header)
    page.get_by_text("Architecture sd-2-inpainting-unet").wait_for(timeout=10_000)
    assert "Stable Diffusion v2 inpainting" in page.locator(".lineage-identify__architecture").inner_text()
    sha256 = _recorded_sha256("sd-v1-5")
    page.locator(".lineage-identify__hash").fill(sha256[:10].upper())
    match = page.locator(".lineage-identify__match").first
    match.wait_for(timeout=5_000)
    assert "Stable Diffusion v1-5" in match.inner_text() and sha256 in match.inner_text()
    page.locator(".lineage-identify__hash").fill("0" * 64)
    page.get_by_text("No recorded checkpoint file has this hash.").wait_for(timeout=5_000)
    assert page.console_errors == []
    assert page.off_origin == []


def drop_file(page, name: str, content: bytes) -> None:
    """Drop a file with `content` on the identify page's drop zone, as a person dragging it there would."""
    page.evaluate(
        """([name, content]) => {
            const bytes = Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            document.querySelector(".lineage-identify__drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        [name, base64.b64encode(content).decode()],
    )


def _recorded_sha256(release_id: str) -> str:
    text = (REPO / "lineage" / "releases" / f"{release_id}.yaml").read_text(encoding="utf-8")
    return next(line.split("sha256:")[1].strip() for line in text.splitlines() if "sha256:" in line)
