"""One headless Chromium per session (Debian's /usr/bin/chromium driven by Playwright), a static
server for the built sample site, and guards: no request may leave localhost, no console errors.

Locally the browser tests skip with a one-line reason when Chromium is missing; under CI
(CI=true) they fail instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SCREENSHOTS = Path(os.environ.get("KB_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
# Keep Chromium off the network: no background services, no component updates, no QUIC.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-domain-reliability",
                 "--disable-features=Translate,OptimizationHints,MediaRouter"]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # the browser exists but does not start
            _unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class Guard:
    """Records what a page must not do: reach beyond localhost, log errors."""

    def __init__(self) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []

    def check(self) -> None:
        assert not self.external, f"requests left localhost: {self.external}"
        assert not self.errors, f"console errors: {self.errors}"


def _local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"data", "blob", "about"} or parsed.hostname in {"127.0.0.1", "localhost"}


def new_page(browser: object, guard: Guard, *, width: int = 1280, height: int = 900, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme,
                                  service_workers="block")

    def route(r):  # abort and record anything not served from localhost
        if _local(r.request.url):
            r.continue_()
        else:
            guard.external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: guard.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: guard.errors.append(str(e)))
    return page


def full_page_screenshot(page: object, target: Path) -> None:
    """The whole page, entry tables out of view included: the browser draws those only when they
    come near the view (kb.css, .kb-deferred), and a full-page capture does not scroll."""
    page.add_style_tag(content=".md-typeset .kb-deferred { content-visibility: visible; }")
    page.screenshot(path=str(target), full_page=True)


@pytest.fixture
def guard() -> Iterator[Guard]:
    g = Guard()
    yield g
    g.check()


@pytest.fixture
def page(browser: object, guard: Guard):
    p = new_page(browser, guard)
    yield p
    p.context.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"screenshots of the site: {SCREENSHOTS}")
