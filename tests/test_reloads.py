"""Live reload by page and the open pages first (`plugins/reloads.py`): a tab reloads when a build
changed its page; a rebuild with tabs open writes their pages first and the rest in a second pass,
and after both the site is the one a full build writes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import edit
from defectkb.mkdocs_plugin import devserver, reloads
from mkdocs.livereload import LiveReloadServer
from test_incremental import DEFECT, _assert_same_as_full_build, _preview
from test_incremental import site_copy as _site_copy

site_copy = _site_copy  # the fixture: a copy of the sample, built in-process as `kb serve` builds it

PM_PAGE = "people/zhang.wei/"


@pytest.fixture
def server(tmp_path: Path) -> Any:
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    r = reloads.install(server)
    server.set_app(devserver.wrap(server.get_app(), reloads=r))
    yield server
    reloads._reloads = None
    server.server_close()


class Tab:
    """A page's live-reload script, asking the server (its WSGI app) in a thread."""

    def __init__(self, server: Any, page: str, epoch: int) -> None:
        self.answer: int | None = None
        environ = {"PATH_INFO": f"/livereload/{epoch}/1", "REQUEST_METHOD": "GET",
                   "HTTP_REFERER": f"http://127.0.0.1:8000/{page}"}
        self.thread = threading.Thread(target=lambda: self._ask(server, environ), daemon=True)
        self.thread.start()

    def _ask(self, server: Any, environ: dict[str, Any]) -> None:
        body = server.get_app()(environ, lambda status, headers: None)
        self.answer = int(b"".join(body))

    def answered(self, within: float) -> bool:
        self.thread.join(within)
        return not self.thread.is_alive()


def test_a_tab_reloads_only_for_a_build_that_changed_its_page(server: Any) -> None:
    r = reloads.current()
    assert r is not None
    e0 = server._visible_epoch
    pm, insights, nameless = Tab(server, PM_PAGE, e0), Tab(server, "insights/", e0), Tab(server, "", e0)
    time.sleep(0.2)
    assert r.open_pages() == {PM_PAGE, "insights/", ""}
    r.publish(e0 + 1, frozenset({"insights/"}))  # a second pass that wrote the insights page
    assert insights.answered(2) and insights.answer == e0 + 1
    assert not pm.answered(0.3), "the PM page did not change: its tab must not reload"
    assert not nameless.answered(0), "the home page did not change"
    with r.cond:
        r.record(e0 + 2, None)  # any other build: every tab reloads, as in MkDocs
        server._wanted_epoch = server._visible_epoch = e0 + 2
        r.cond.notify_all()
    assert pm.answered(2) and pm.answer == e0 + 2 and nameless.answered(2)
    # a tab loaded before a build it was told nothing of reloads (its page may have changed then)
    late = Tab(server, PM_PAGE, e0 + 1)
    assert late.answered(2) and late.answer == e0 + 2
    current = Tab(server, PM_PAGE, e0 + 2)
    assert not current.answered(0.3), "a tab as new as the site waits"
    server.poll_response_timeout = 0.1  # (the thread above answers with its own epoch by then)


def test_the_open_pages_are_written_first_and_the_rest_by_a_second_pass(site_copy: Path, server: Any) -> None:
    r = reloads.current()
    assert r is not None
    server.poll_response_timeout = 0.05
    _preview(site_copy)
    site = site_copy / "site"
    Tab(server, PM_PAGE, server._visible_epoch).answered(2)  # a tab on the PM page asked: it is open
    assert r.open_pages() == {PM_PAGE}
    insights = {p: p.read_bytes() for p in (site / "insights").rglob("index.html")}
    home = (site / "index.html").read_bytes()
    pm_page = site / PM_PAGE / "index.html"
    before = pm_page.read_bytes()
    edit(site_copy / "content" / DEFECT, ("severity: serious", "severity: fatal"),
         ("title: 导出发票金额精度丢失", "title: 先写 导出发票金额精度丢失"))

    _preview(site_copy)  # the first pass
    first = r.built
    assert first is not None and first.later
    assert pm_page.read_bytes() != before and "先写".encode() in pm_page.read_bytes()
    assert PM_PAGE in first.pages and "defects/DEF-0001-invoice-export-loses-cents/" in first.pages
    assert all(p.read_bytes() == text for p, text in insights.items()), "no insights page was open: left for later"
    assert (site / "index.html").read_bytes() == home

    r.second_pass = True
    try:
        _preview(site_copy)
    finally:
        r.second_pass = False
    second = r.built
    assert second is not None and not second.later
    assert PM_PAGE not in second.pages, "written by the first pass: its tab has it"
    assert "" in second.pages and any(p.startswith("insights/") for p in second.pages)
    _assert_same_as_full_build(site_copy)


def test_nothing_is_left_for_later_without_an_open_page_or_when_more_than_entries_changed(
        site_copy: Path, server: Any) -> None:
    r = reloads.current()
    assert r is not None
    server.poll_response_timeout = 0.05
    _preview(site_copy)
    edit(site_copy / "content" / DEFECT, ("severity: serious", "severity: fatal"))
    _preview(site_copy)
    assert r.built is not None and not r.built.later, "no tab is open"
    Tab(server, "", server._visible_epoch).answered(2)  # the home page is open from now on
    edit(site_copy / "content" / "_data" / "people.yml", ("name: 张伟", "name: 张伟伟"))
    edit(site_copy / "content" / DEFECT, ("severity: fatal", "severity: serious"))
    _preview(site_copy)
    assert r.built is not None and not r.built.later, "a registry edit may show on any page"
    edit(site_copy / "content" / DEFECT, ("severity: serious", "severity: fatal"))
    _preview(site_copy)
    assert r.built is not None and r.built.later, "an entry edit with the home page open: the rest waits"
    r.second_pass = True
    try:
        _preview(site_copy)
    finally:
        r.second_pass = False
    text = (site_copy / "content" / DEFECT).read_text(encoding="utf-8")
    (site_copy / "content" / "defects" / "DEF-0999-another-invoice-export.md").write_text(
        text.replace("id: DEF-0001", "id: DEF-0999", 1).replace("title: 导出发票", "title: 另一次导出发票", 1)
        .replace("related_lessons: [LES-0001]", "related_lessons: []", 1).replace("severity: fatal", "severity: minor"),
        encoding="utf-8")
    _preview(site_copy)
    assert r.built is not None and not r.built.later, "a new entry may add pages (a month, a tag): one pass"
    _assert_same_as_full_build(site_copy)


def test_a_build_for_markdown_edits_alone_reloads_the_tabs_of_the_pages_it_wrote(tmp_path: Path) -> None:
    docs = tmp_path / "content"
    (docs / "defects").mkdir(parents=True)
    entry, style = docs / "defects" / "DEF-1.md", docs / "extra.css"
    entry.write_text("x", encoding="utf-8")
    style.write_text("x", encoding="utf-8")
    (docs / ".DEF-1.md.swp").write_text("x", encoding="utf-8")
    built = reloads.Built(pages=frozenset({"defects/DEF-1/", "defects/"}), docs_dir=str(docs))
    assert reloads.shown(built, frozenset({str(entry)})) == built.pages
    assert reloads.shown(built, frozenset({str(entry), str(docs / ".DEF-1.md.swp"), str(docs / "4913")})) \
        == built.pages, "a hidden swap file and a temporary file gone again show on no page"
    assert reloads.shown(built, frozenset({str(entry), str(style)})) is None, "a stylesheet may show on any page"
    assert reloads.shown(built, frozenset({str(tmp_path / "kb.yml")})) is None, "outside the docs folder"
    assert reloads.shown(built, None) is None, "polling names no file"
    assert reloads.shown(None, frozenset({str(entry)})) is None, "a build that said nothing (kb serve --full)"
