"""The preview's dirty rebuilds (`kb serve`): after an edit, the site on disk is the site a full
build of the same content writes, although pages, rows and charts come from memos.

Each test builds a copy of the sample in-process the way `kb serve` does (dirty builds, memos
kept), edits files, rebuilds, and compares every output file with a fresh full build.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import CONTENT, ROOT, edit
from defectkb import loader
from defectkb.mkdocs_plugin import incremental, reuse
from defectkb.site import memo
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.structure.pages import Page

DEFECT = "defects/DEF-0001-invoice-export-loses-cents.md"
LESSON = "lessons/LES-0001-money-as-decimal-end-to-end.md"
# sitemap.xml.gz holds the time it was compressed
SKIP = {"sitemap.xml.gz"}


@pytest.fixture
def site_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "kb"
    shutil.copytree(CONTENT, root / "content")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    # Folder listings kept once they are 50 ms old rather than seconds: the rebuilds below take
    # what the preview keeps of the docs folder (the loader's and MkDocs' lists of files).
    monkeypatch.setattr(loader, "RACY_NS", 50_000_000)
    time.sleep(0.1)  # the copy's folders are that old before the first build lists them
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    yield root
    incremental.enable(serving=False, dirty=False)
    incremental._states.clear()


def _build(root: Path, site: str, *, dirty: bool) -> Path:
    incremental.enable(serving=dirty, dirty=dirty)
    cfg = load_config(str(root / "mkdocs.yml"), site_dir=str(root / site))
    cfg.plugins["defectkb"].config.search = "none"
    cfg.site_url = "https://kb.example.com/"  # the feeds too
    build(cfg, dirty=dirty)
    return root / site


def _files(site: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _, names in os.walk(site):
        for name in names:
            path = Path(dirpath) / name
            rel = path.relative_to(site).as_posix()
            if rel not in SKIP:
                out[rel] = path.read_bytes()
    return out


def _assert_same_as_full_build(root: Path) -> None:
    dirty = _files(root / "site")
    _build(root, "site-full", dirty=False)
    full = _files(root / "site-full")
    shutil.rmtree(root / "site-full")
    assert sorted(dirty) == sorted(full)
    differ = [rel for rel in full if dirty[rel] != full[rel]]
    assert differ == [], f"stale after a dirty rebuild: {differ[:20]}"


def _preview(root: Path) -> None:
    """A first build as `kb serve` makes it, then one dirty rebuild (memos warm from the first)."""
    _build(root, "site", dirty=True)


def test_title_edit_reaches_every_page_and_file(site_copy: Path, monkeypatch: pytest.MonkeyPatch):
    from defectkb.insights import feeds
    from defectkb.site import context

    read: list[int] = []
    built = _count_digest_work(monkeypatch)
    monkeypatch.setattr(context, "reading_lists", lambda kb, real=context.reading_lists: read.append(1) or real(kb))
    # Feeds show their newest entries: with two per feed, DEF-0001 is in none but its own PM's
    # and product's, so the site-wide feed is kept (test_severity_... brings it in by a date).
    monkeypatch.setattr(feeds, "FEED_SIZE", 2)
    _preview(site_copy)
    edit(site_copy / "content" / DEFECT, ("title: 导出发票金额精度丢失", "title: 已改标题 导出发票金额精度丢失"))
    store = memo.store_for(str((site_copy / "content").resolve()))
    assert store is not None
    before = dict(store.rows)
    figures = store.pages["figures"][-1]
    people = store.pages[("people index",)][1][0]  # (inputs, (html, charts, files))
    site_feed = store.pages["feeds/all.xml"]
    filters = {key: kept for key, kept in store.pages.items() if isinstance(key, tuple) and key[0] == "filters"}
    assert "DEF-0001" not in site_feed[1]
    hits, misses = memo.stats["hits"], memo.stats["misses"]
    kept_files = reuse._docs
    site = site_copy / "site"
    version = json.loads((site / "assets" / "defectkb" / "defects.json").read_text(encoding="utf-8"))["version"]
    data = [p for p in site.rglob("*") if p.suffix in (".json", ".csv", ".xml") and p.name != "sitemap.xml"]
    stamps = {p: p.stat().st_mtime_ns for p in [site / "sitemap.xml", *data]}
    made: list[str] = []  # pages MkDocs made a Page for: those it reads, renders and checks
    real_init = Page.__init__
    monkeypatch.setattr(Page, "__init__", lambda page, title, file, config: (
        made.append(file.src_uri), real_init(page, title, file, config))[-1])
    _preview(site_copy)
    monkeypatch.setattr(Page, "__init__", real_init)
    assert DEFECT in made and "people/zhang.wei/index.md" in made
    entry_pages = [src for src in made if src.startswith(("defects/DEF-", "lessons/LES-"))]
    assert len(entry_pages) <= 3, f"MkDocs looked at entry pages the edit does not change: {entry_pages}"
    assert kept_files is not None and reuse._docs is kept_files, "MkDocs' list of files was made again"
    rewritten = {p for p, stamp in stamps.items() if p.stat().st_mtime_ns != stamp}
    assert site / "sitemap.xml" not in rewritten, "the same pages: the sitemap is not written again"
    assert site / "api" / "entries.json" in rewritten and len(rewritten) < len(data) / 2, rewritten
    assert store.pages["figures"][-1] is figures, "a new title changes no figure: they are reused"
    assert store.pages["feeds/all.xml"] is site_feed, "an older entry's edit made the site-wide feed again"
    assert filters and all(store.pages[key] is kept for key, kept in filters.items()), \
        "a new title changes no filter's choices: the index pages' filter forms are kept"
    assert built == ["open"], "a new title changes no digest's figures or lists: they are kept, with the new title"
    assert len(read) == 1, "a new title changes no reading list's choice: it is kept, with the new title"
    assert store.pages[("people index",)][1][0] is people, "a new title changes no figure of the people overview"
    pm_page = (site_copy / "site" / "people" / "zhang.wei" / "index.html").read_text(encoding="utf-8")
    assert "已改标题" in pm_page
    new_version = json.loads((site / "assets" / "defectkb" / "defects.json").read_text(encoding="utf-8"))["version"]
    assert new_version != version, "the first page's rows changed: the browser must not keep the old ones"
    assert f'data-version="{new_version}"' in (site / "defects" / "index.html").read_text(encoding="utf-8")
    assert before, "the first build kept no rows: nothing was memoised"
    # most pages did not show the edited entry: they came from the memos, the rest were made again
    assert memo.stats["hits"] - hits > memo.stats["misses"] - misses > 0
    _assert_same_as_full_build(site_copy)


def _count_digest_work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """"open" for every set of digests made from all entries, "update" for every update of one."""
    from defectkb.insights.digests import DigestBook

    done: list[str] = []
    real_open, real_update = DigestBook.open.__func__, DigestBook.update  # type: ignore[attr-defined]
    monkeypatch.setattr(DigestBook, "open", classmethod(lambda cls, *a, **k: done.append("open") or real_open(cls, *a, **k)))
    monkeypatch.setattr(DigestBook, "update", lambda book, *a: done.append("update") or real_update(book, *a))
    return done


def test_severity_and_escape_edit_reaches_charts_digests_and_figures(site_copy: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    from defectkb.insights import feeds
    from defectkb.site import context

    monkeypatch.setattr(feeds, "FEED_SIZE", 2)  # a later date makes DEF-0001 the newest: into the feeds
    digests = _count_digest_work(monkeypatch)
    tallied: list[int] = []
    real_open = context.Tally.open.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(context.Tally, "open", classmethod(lambda cls, *a: tallied.append(1) or real_open(cls, *a)))
    _preview(site_copy)
    edit(site_copy / "content" / DEFECT, ("severity: serious", "severity: fatal"), ("online: false", "online: true"),
         ("found_phase: system_test", "found_phase: production"),
         ("closed_at: 2025-06-06T15:20:00+08:00", "closed_at: 2026-11-20T15:20:00+08:00"))
    _preview(site_copy)
    store = memo.store_for(str((site_copy / "content").resolve()))
    assert store is not None and "DEF-0001" in store.pages["feeds/all.xml"][1]
    assert digests == ["open", "update"], "one entry's new dates move it between digests: the rest are kept"
    assert tallied == [1], "one entry's new figures are taken out of its scopes and put back"
    _assert_same_as_full_build(site_copy)


def test_lesson_title_shown_on_other_entries_pages_and_digests(site_copy: Path):
    _preview(site_copy)
    edit(site_copy / "content" / LESSON, ("title: ", "title: 新标题 "))
    _preview(site_copy)
    _assert_same_as_full_build(site_copy)


def test_registry_edit_renames_a_person_everywhere(site_copy: Path):
    _preview(site_copy)
    edit(site_copy / "content" / "_data" / "people.yml", ("name: 张伟", "name: 张伟伟"))
    _preview(site_copy)
    _assert_same_as_full_build(site_copy)


def test_two_edits_in_a_row_and_a_revert(site_copy: Path):
    _preview(site_copy)
    path = site_copy / "content" / DEFECT
    original = path.read_text(encoding="utf-8")
    edit(path, ("tags: [precision, data-quality]", "tags: [precision]"))
    _preview(site_copy)
    path.write_text(original, encoding="utf-8")  # back to the first version: memos of it must not be stale
    _preview(site_copy)
    _assert_same_as_full_build(site_copy)


def test_a_rebuild_that_fails_halfway_is_written_in_full_by_the_next(site_copy: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    """Data files and the sitemap are not written again when the last written build wrote the same;
    a build that stopped after writing some of them is no such build."""
    from defectkb.mkdocs_plugin import kb_plugin

    _preview(site_copy)
    path = site_copy / "content" / DEFECT
    original = path.read_text(encoding="utf-8")
    edit(path, ("title: 导出发票金额精度丢失", "title: 半途而废 导出发票金额精度丢失"))

    def fail(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:  # after the data files are written, before the pages are
        patched.setattr(kb_plugin.DefectKBPlugin, "on_post_page", fail)
        with pytest.raises(RuntimeError):
            _preview(site_copy)
    assert "半途而废" in (site_copy / "site" / "api" / "entries.json").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")  # what the last written build showed
    _preview(site_copy)
    _assert_same_as_full_build(site_copy)


def test_a_hand_written_tag_listing_lists_pages_the_dirty_build_skipped(site_copy: Path):
    listing = site_copy / "content" / "listing.md"
    listing.write_text("# Tagged\n\n<!-- material/tags -->\n", encoding="utf-8")
    _preview(site_copy)
    edit(site_copy / "content" / DEFECT, ("title: 导出发票金额精度丢失", "title: 已改标题 导出发票金额精度丢失"))
    edit(listing, ("# Tagged", "# Tagged entries"))  # rendered again by this build, with every tagged page
    _preview(site_copy)
    html = (site_copy / "site" / "listing" / "index.html").read_text(encoding="utf-8")
    assert "DEF-0002" in html and "已改标题" in html
    _assert_same_as_full_build(site_copy)


def test_a_new_lesson_link_changes_coverage(site_copy: Path):
    # DEF-0004 needs a lesson and has none: it is on the uncovered lists until one is linked; the
    # figures kept from the last build must not survive a change of which defects have lessons
    _preview(site_copy)
    edit(site_copy / "content" / LESSON, ("source_defects: [DEF-0001]", "source_defects: [DEF-0001, DEF-0004]"))
    edit(site_copy / "content" / "defects" / "DEF-0004-month-end-reconciliation-timeout.md",
         ("related_lessons: []", "related_lessons: [LES-0001]"))
    _preview(site_copy)
    stats = (site_copy / "site" / "api" / "stats.json").read_text(encoding="utf-8")
    assert '"DEF-0004"' not in stats.split('"uncovered"', 1)[1].split("]", 1)[0]
    _assert_same_as_full_build(site_copy)


def test_collections_wait_for_an_idle_preview():
    """Rebuilds run without cyclic collections; a cycle they leave is freed once the preview is idle,
    a rebuild starting meanwhile postpones that, and too many rebuilds in a row force it."""
    import gc
    import time
    import weakref

    class Node:
        pass

    def cycle() -> weakref.ref[Node]:
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    collector = incremental.Collector()
    collector.IDLE = 0.2
    try:
        collector.pause()
        assert not gc.isenabled()
        left = cycle()
        collector.settle_later()
        assert left() is not None and not gc.isenabled()  # nothing collected before the preview is idle
        time.sleep(0.1)
        collector.pause()  # a rebuild started: the pending collection waits for the next idle moment
        time.sleep(0.3)
        assert left() is not None and collector.settled == 0
        collector.settle_later()
        deadline = time.monotonic() + 5
        while collector.settled == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert collector.settled == 1 and left() is None and gc.isenabled()

        collector.IDLE = 60  # never idle: the rebuild after MAX_UNSETTLED collects at once
        for _ in range(collector.MAX_UNSETTLED):
            collector.pause()
            collector.settle_later()
        left = cycle()
        collector.pause()
        collector.settle_later()
        assert collector.settled == 2 and left() is None
    finally:
        collector.stop()
    assert gc.isenabled() and collector.timer is None


def test_the_preview_loads_the_segmenter_ahead_of_the_first_edit(site_copy: Path):
    """A preview whose first build took the near-duplicate findings from the validation cache
    segments nothing, so the first save of a Chinese title would wait for jieba's dictionary:
    the preview starts loading it once that build is written."""
    from defectkb.authoring import similar

    _build(site_copy, "site-full", dirty=False)  # fills the validation cache (.kb_cache)
    similar.release_segmenter()
    _preview(site_copy)
    deadline = time.monotonic() + 60
    while not similar.segmenter_loaded() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert similar.segmenter_loaded()
