"""The README's preview command (`kb serve`) on a copy of the sample: edits on disk show up in
the open browser tab without a manual reload."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CONTENT, ROOT

from .conftest import Guard, new_page

pytestmark = pytest.mark.browser

ENTRY = "defects/DEF-0001-invoice-export-loses-cents.md"
OLD_TITLE = "title: 导出发票金额精度丢失，合计与明细相差 0.01 元"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def preview(browser, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("preview")
    shutil.copytree(CONTENT, root / "content")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    log = (root / "serve.log").open("w")
    # Ctrl-C stops it: a test run started in the background ignores SIGINT, and so would the server.
    proc = subprocess.Popen([sys.executable, "-m", "defectkb", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail(f"kb serve did not start:\n{(root / 'serve.log').read_text()}")
            time.sleep(0.5)
    yield root, url
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in its terminal
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("kb serve did not stop within 20 s of Ctrl-C")
    finally:
        log.close()


def _retitle(root: Path, new: str) -> None:
    path = root / "content" / ENTRY
    text = path.read_text(encoding="utf-8")
    current = next(line for line in text.split("\n") if line.startswith("title: "))
    path.write_text(text.replace(current, f"title: {new}", 1), encoding="utf-8")


@pytest.mark.parametrize(("path", "selector"), [
    ("defects/DEF-0001-invoice-export-loses-cents/", "h1"),
    ("defects/", '#kb-defects tr[data-id="DEF-0001"] td.kb-title'),
    ("people/zhang.wei/", "#kb-person-owned"),
])
def test_live_reload_shows_the_new_title(browser, preview, path, selector):
    root, url = preview
    guard = Guard()
    page = new_page(browser, guard)
    page.goto(url + path)
    new_title = f"精度丢失 live reload check {path.count('/')}{int(time.time() * 1000) % 100000}"
    assert new_title not in page.locator(selector).inner_text()
    _retitle(root, new_title)
    page.wait_for_function(
        "([sel, text]) => { const el = document.querySelector(sel); return el && el.textContent.includes(text); }",
        arg=[selector, new_title], timeout=60_000)
    page.context.close()
    guard.check()


def test_dirty_rebuild_keeps_other_pages_right(browser, preview):
    """Editing a lesson refreshes the defect page that shows it; tag listings stay whole."""
    root, url = preview
    guard = Guard()
    page = new_page(browser, guard)
    page.goto(url + "defects/DEF-0001-invoice-export-loses-cents/")
    lesson = root / "content" / "lessons" / "LES-0001-money-as-decimal-end-to-end.md"
    new_title = f"金额全链路定点数 {int(time.time() * 1000) % 100000}"
    text = lesson.read_text(encoding="utf-8")
    current = next(line for line in text.split("\n") if line.startswith("title: "))
    lesson.write_text(text.replace(current, f"title: {new_title}", 1), encoding="utf-8")
    page.wait_for_function("t => (document.querySelector('.kb-card')?.textContent || '').includes(t)", arg=new_title,
                           timeout=60_000)
    tagged = set()
    for path in (root / "content").glob("*/*.md"):
        head = path.read_text(encoding="utf-8").split("\n---", 1)[0]
        tags_line = next((line for line in head.split("\n") if line.startswith("tags:")), "")
        if "precision" in tags_line:
            tagged.add(path.name[:8])
    page.goto(url + "tags/precision/")
    listed = set(page.locator("article").inner_text().split())
    assert tagged and all(any(i in word for word in listed) for i in tagged), (tagged, listed)
    page.context.close()
    guard.check()


def test_open_pages_first_and_each_tab_reloads_for_its_own_page(browser, preview):
    """A severity edit with the PM page and the insights overview open: the PM page is written and
    reloaded first, the insights page follows in a second pass, and each tab reloads once, when
    its own page was written."""
    root, url = preview
    guard = Guard()
    count_loads = "sessionStorage.kbLoads = String(Number(sessionStorage.kbLoads || 0) + 1);"
    pm, insights = new_page(browser, guard), new_page(browser, guard)
    for page, path in ((pm, "people/zhang.wei/"), (insights, "insights/")):
        page.add_init_script(count_loads)
        page.goto(url + path)
    figures = insights.locator("main").inner_text()
    log = root / "serve.log"
    passes = log.read_text(encoding="utf-8").count("reloading the open pages first")
    builds = log.read_text(encoding="utf-8").count("Reloading browsers")
    new_title = f"先开先刷 {int(time.time() * 1000) % 100000}"
    path = root / "content" / ENTRY
    text = path.read_text(encoding="utf-8")
    current = next(line for line in text.split("\n") if line.startswith("title: "))
    severity = next(line for line in text.split("\n") if line.startswith("severity: "))
    other = "severity: minor" if severity != "severity: minor" else "severity: fatal"
    path.write_text(text.replace(current, f"title: {new_title}", 1).replace(severity, other, 1), encoding="utf-8")
    pm.wait_for_function("t => (document.querySelector('#kb-person-owned')?.textContent || '').includes(t)", arg=new_title,
                         timeout=60_000)
    insights.wait_for_function("old => (document.querySelector('main')?.innerText ?? old) !== old", arg=figures, timeout=60_000)
    deadline = time.monotonic() + 30
    while log.read_text(encoding="utf-8").count("Reloading browsers") == builds and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)  # the second pass is written and published: a tab it would reload has done so by now
    assert log.read_text(encoding="utf-8").count("reloading the open pages first") == passes + 1
    assert pm.evaluate("sessionStorage.kbLoads") == "2", "the PM tab reloaded once: for the first pass"
    # With change notifications (which name the edited file) the first pass reloads only the tabs
    # of the pages it wrote; polling names no file, so every tab reloads after it too.
    native = "change notifications" in log.read_text(encoding="utf-8")
    assert insights.evaluate("Number(sessionStorage.kbLoads)") == (2 if native else 3)
    shown = insights.locator("main").inner_text()
    insights.reload()  # what the server has now: the tab showed it already
    assert shown != figures and insights.locator("main").inner_text() == shown
    for page in (pm, insights):
        page.context.close()
    guard.check()
