"""Take the README's screenshots of the built site (home, SD v1-5 and the releases page, light and dark) with Debian's Chromium."""

import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lineagekb import cli

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = [("home", "/"), ("sd-v1-5", "/releases/sd-v1-5/"), ("releases", "/releases/")]


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Serve a built site on 127.0.0.1 and save PNG screenshots of the home, SD v1-5 and releases pages in both colour schemes.",
        "  make site && python tools/screenshots.py --site site --out docs/assets/screenshots",
    )
    args.add_argument("--site", type=Path, default=Path("site"), help="the built site (default: site)")
    args.add_argument("--out", type=Path, default=Path("docs/assets/screenshots"), help="folder for the PNG files")
    options = args.parse_args(argv)
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(options.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    options.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
            for name, path in SHOTS:
                page.goto(base + path)
                page.screenshot(path=str(options.out / f"{name}-{scheme}.png"))
                print(options.out / f"{name}-{scheme}.png")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
