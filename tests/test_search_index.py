"""The search index in shards: real Pagefind runs over a small hand-made site."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from defectkb.mkdocs_plugin.search import MAX_SHARD, MIN_SHARD, build_search_index, shard_size, shards


def test_shards_cover_every_page_once_in_order():
    pages = [f"defects/DEF-{i:04d}/index.html" for i in range(7, 0, -1)]
    parts = shards(pages, 3)
    assert [len(p) for p in parts] == [3, 3, 1]
    assert [p for part in parts for p in part] == sorted(pages)
    assert shards([], 3) == [[]]


def test_shard_size_follows_the_pages_within_bounds():
    # About ten shards while that keeps them between the bounds; the indexer's memory follows the shard.
    assert shard_size(100) == MIN_SHARD and shard_size(10_000) == 1000 and shard_size(100_000) == MAX_SHARD
    assert shard_size(10_000, configured=250) == 250
    assert len(shards([f"p{i}" for i in range(12_345)])) == 10


def _page(site: Path, rel: str, word: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<!doctype html><html lang="en"><head><title>{word}</title></head><body>'
                    f"<div data-pagefind-body><h1>{word}</h1><p>{word} appears here only.</p></div></body></html>",
                    encoding="utf-8")


def test_each_shard_indexes_only_its_pages(tmp_path: Path):
    site = tmp_path / "site"
    pages = [f"defects/DEF-000{i}/index.html" for i in range(1, 6)]
    for i, rel in enumerate(pages):
        _page(site, rel, f"marker{i}")
    _page(site, "people/someone/index.html", "notanentry")  # not in the list: not indexed
    (site / "pagefind").mkdir()
    (site / "pagefind" / "stale.txt").write_text("old bundle", encoding="utf-8")

    build_search_index(site, "en", pages, shard_pages=2)

    bundle = site / "pagefind"
    manifest = json.loads((bundle / "shards.json").read_text(encoding="utf-8"))
    assert manifest == {"bundles": ["shard-1/", "shard-2/"]}
    counts = [json.loads((bundle / b / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]["en"]
              ["page_count"] for b in ["", *manifest["bundles"]]]
    assert counts == [2, 2, 1]
    assert not (bundle / "stale.txt").exists(), "the new bundle replaced the old one"
    assert [p.name for p in site.iterdir() if p.name.startswith(".")] == [], "no staging folder left behind"
    assert (site / pages[0]).is_file(), "the pages themselves are untouched"


def test_preview_indexing_runs_the_newest_request_and_stops(tmp_path: Path):
    """Saves during a run replace the waiting request: the index that stays is the newest site's."""
    from defectkb.mkdocs_plugin import search

    site = tmp_path / "site"
    for n in range(1, 4):
        _page(site, f"defects/DEF-000{n}/index.html", f"version{n}")
    asked = time.monotonic()
    for n in range(1, 4):  # three saves in a row, each with one more page
        search.index_in_background(site, "en", [f"defects/DEF-000{i}/index.html" for i in range(1, n + 1)])
    time.sleep(search.GRACE / 2)
    assert not (site / "pagefind").exists(), "the reload goes first: no run within the grace"
    deadline = time.monotonic() + 120
    while search._worker is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert search._worker is None and search._waiting is None, "the worker ends when nothing waits"
    assert time.monotonic() - asked >= search.GRACE
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == 3, "the last request's pages are indexed"


def test_preview_reindexes_only_the_shards_whose_pages_changed(tmp_path: Path):
    """After a save, a shard whose pages are the same files keeps its bundle (hard-linked, so the
    very same files); the shard holding the edited page is indexed again and finds the new text."""
    site = tmp_path / "site"
    pages = [f"defects/DEF-000{i}/index.html" for i in range(1, 7)]
    for i, rel in enumerate(pages):
        _page(site, rel, f"marker{i}")
    assert build_search_index(site, "en", pages, shard_pages=2, reuse=True) == 3
    bundle = site / "pagefind"
    untouched = {p.relative_to(bundle): p.stat().st_ino for p in (bundle / "shard-2").rglob("*") if p.is_file()}
    top_entry = (bundle / "pagefind-entry.json").stat().st_ino

    time.sleep(0.01)
    _page(site, pages[2], "edited")  # in the second shard (pages 3 and 4)
    assert build_search_index(site, "en", pages, shard_pages=2, reuse=True) == 1

    now = {p.relative_to(bundle): p.stat().st_ino for p in (bundle / "shard-2").rglob("*") if p.is_file()}
    assert now == untouched, "an unchanged shard keeps its files"
    assert (bundle / "pagefind-entry.json").stat().st_ino == top_entry
    manifest = json.loads((bundle / "shards.json").read_text(encoding="utf-8"))
    assert manifest == {"bundles": ["shard-1/", "shard-2/"]}
    fragments = b"".join(gzip.decompress(p.read_bytes()) for p in (bundle / "shard-1").rglob("*.pf_fragment"))
    assert b"edited" in fragments and b"marker2" not in fragments, "the edited shard was indexed again"
    assert build_search_index(site, "en", pages, shard_pages=2, reuse=False) == 3, "a build always indexes all"


def test_preview_reindexes_everything_when_the_shards_move(tmp_path: Path):
    site = tmp_path / "site"
    pages = [f"defects/DEF-000{i}/index.html" for i in range(1, 5)]
    for i, rel in enumerate(pages):
        _page(site, rel, f"marker{i}")
    assert build_search_index(site, "en", pages, shard_pages=2, reuse=True) == 2
    _page(site, "defects/DEF-0000/index.html", "first")  # a new page shifts every shard's pages
    assert build_search_index(site, "en", ["defects/DEF-0000/index.html", *pages], shard_pages=2, reuse=True) == 3


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="process priorities are POSIX")
def test_the_preview_indexer_yields_the_processor():
    """The preview's background indexer runs at nice +10, and on Linux only when a processor is
    idle (SCHED_IDLE): the next rebuild and the reload go first."""
    from defectkb.mkdocs_plugin import search

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        search._yield_processor(child.pid)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 10
        if sys.platform.startswith("linux"):
            assert os.sched_getscheduler(child.pid) == os.SCHED_IDLE
    finally:
        child.kill()
        child.wait()
