"""KB310 likely-duplicate: a new entry whose title nearly equals another entry's title."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import CONTENT, DEFECT, codes, find, load_dir
from defectkb.config import Config
from defectkb.diagnostics import Severity
from defectkb.knowledgebase import load
from defectkb.templates import render_entry

SECTIONS = {"description": "What goes wrong.", "steps": "1. Export.", "expected": "Totals match.",
            "actual": "They differ.", "impact": "Finance users."}


def add_new_defect(kb: Path, entry_id: str, title: str) -> Path:
    """A valid defect in status `new`, written from the same template `kb new` uses."""
    when = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    values = {"kind": "defect", "id": entry_id, "title": title, "status": "new", "product": "billing",
              "pm": "zhang.wei", "severity": "normal", "reporter": "sun.li", "reproducibility": "always",
              "found_phase": "system_test", "impact_scope": "partial", "online": False, "environment": "staging",
              "affected_versions": ["2.3.0"], "occurred_at": when, "reported_at": when}
    path = kb / "defects" / f"{entry_id}-x.md"
    path.write_text(render_entry("defect", Config(), values, SECTIONS), encoding="utf-8")
    return path


def test_fires_on_a_chinese_near_duplicate_with_the_other_entry_in_the_hint(kb_dir: Path):
    add_new_defect(kb_dir, "DEF-0002", "导出发票金额精度丢失, 合计与明细相差 0.01 元！")
    kb = load_dir(kb_dir)
    assert codes(kb) == ["KB310"]
    d = find(kb, "KB310")
    assert d.severity is Severity.WARNING
    assert (d.path, d.line, d.column) == ("defects/DEF-0002-x.md", 4, 1)  # the `title` key
    assert "DEF-0001" in d.message
    assert d.hint is not None and f"DEF-0001 in {DEFECT}" in d.hint


def test_fires_on_an_english_near_duplicate(kb_dir: Path):
    add_new_defect(kb_dir, "DEF-0002", "Token endpoint returns 500 instead of 429 under burst traffic")
    add_new_defect(kb_dir, "DEF-0003", "Token endpoint returns 500 instead of 429 under burst traffic.")
    kb = load_dir(kb_dir)
    found = [d for d in kb.diagnostics if d.code == "KB310"]
    # both are new: each names the other
    assert {(d.path, d.message.split(":")[0]) for d in found} == {
        ("defects/DEF-0002-x.md", "title nearly equals the title of DEF-0003"),
        ("defects/DEF-0003-x.md", "title nearly equals the title of DEF-0002"),
    }


@pytest.mark.parametrize("title", [
    "导出发票时税额精度丢失",  # shares words, says something else
    "Invoice export loses cents",  # the same defect in another language is not a title match
    "导出对账单超时",
])
def test_silent_on_distinct_titles(kb_dir: Path, title: str):
    add_new_defect(kb_dir, "DEF-0002", title)
    assert "KB310" not in codes(load_dir(kb_dir))


def test_only_entries_of_this_change_when_known(kb_dir: Path):
    add_new_defect(kb_dir, "DEF-0002", "导出发票金额精度丢失，合计与明细相差 0.01 元")
    config = Config(today=load_dir(kb_dir).today)
    changed = load(kb_dir, config, display_base=kb_dir, added={"defects/DEF-0002-x.md"})
    assert [d.path for d in changed.diagnostics if d.code == "KB310"] == ["defects/DEF-0002-x.md"]
    # what the change adds counts as new, whatever its status
    elsewhere = load(kb_dir, config, display_base=kb_dir, added={DEFECT})
    assert [d.path for d in elsewhere.diagnostics if d.code == "KB310"] == [DEFECT]
    nothing = load(kb_dir, config, display_base=kb_dir, added=set())
    assert "KB310" not in [d.code for d in nothing.diagnostics]


def test_silent_on_the_sample_even_if_every_entry_were_new():
    first = load(CONTENT, Config(), display_base=CONTENT)
    every = load(CONTENT, Config(), display_base=CONTENT, added={e.rel_path for e in first.entries})
    assert [d for d in every.diagnostics if d.code == "KB310"] == []


def test_the_preview_search_memo_finds_what_a_full_search_finds():
    """After each random edit (a title, a path, a kind, whether an entry is new), the search that
    reuses its last lookups (`SearchMemo`, as the preview keeps it) gives exactly the findings of a
    search from scratch, and looks up fewer titles than there are new entries when it can."""
    import random
    from types import SimpleNamespace

    from defectkb.authoring.similar import Doc, SimilarityIndex
    from defectkb.rules.duplicates import SearchMemo, search, titles_of

    rng = random.Random(11)
    words = ["payment", "timeout", "retry", "cache", "login", "export", "invoice", "queue", "upload", "report",
             "导出", "发票", "金额", "精度", "丢失", "缓存", "登录", "超时", "重试", "队列"]

    def title() -> str:
        picked = rng.sample(words, rng.randint(2, 5))
        return " ".join(picked) if rng.random() < 0.5 else "".join(picked)

    def entry(n: int) -> SimpleNamespace:
        return SimpleNamespace(id=f"DEF-{n:04d}", kind="defect", model=SimpleNamespace(title=title()),
                               source=SimpleNamespace(display=f"defects/DEF-{n:04d}.md"))

    entries = [entry(n) for n in range(120)]
    kb = SimpleNamespace(entries=entries)
    new = [rng.random() < 0.6 for _ in entries]
    memo = SearchMemo()
    assert search(titles_of(kb), new, memo) == search(titles_of(kb), new)  # type: ignore[arg-type]
    fewer = 0
    for _ in range(40):
        e = rng.choice(entries)
        change = rng.randrange(5)
        if change == 0:
            e.model = SimpleNamespace(title=rng.choice(entries).model.title)  # an exact copy
        elif change == 1:
            other = rng.choice(entries).model.title
            e.model = SimpleNamespace(title=other[:-1] + rng.choice(words))  # a near copy
        elif change == 2:
            e.source = SimpleNamespace(display=e.source.display.replace(".md", "-moved.md"))
        elif change == 3:
            e.kind = "lesson" if e.kind == "defect" else "defect"
        else:
            i = entries.index(e)
            new[i] = not new[i]
        got = search(titles_of(kb), new, memo)  # type: ignore[arg-type]
        assert got == search(titles_of(kb), new), change  # type: ignore[arg-type]
        # The index it keeps, updated in place, is the index made afresh from the entries.
        fresh = SimilarityIndex()
        for e in entries:
            fresh.add(Doc(e.id, e.model.title, e.source.display, e.kind))
        assert memo.index is not None and memo.index.docs == fresh.docs, change
        for name in ("title_postings", "same_title"):
            kept = {k: list(v) for k, v in getattr(memo.index, name).items() if v}
            assert kept == {k: list(v) for k, v in getattr(fresh, name).items() if v}, (change, name)
        fewer += memo.searched < sum(new)
    assert fewer > 10 and any(f for f in got)


def test_the_preview_fills_an_empty_memo_ahead_of_the_next_search(kb_dir: Path):
    """The preview's first build takes the search's findings from the validation cache and leaves
    its memo empty; once the build is over, a search in the background fills the memo, so the
    first edit's search looks up only what it touches. A filled memo is not searched again."""
    import threading

    from defectkb.rules.duplicates import MEMO, SearchMemo, check_duplicates, search_ahead

    add_new_defect(kb_dir, "DEF-0002", "导出发票金额精度丢失, 合计与明细相差 0.01 元！")
    add_new_defect(kb_dir, "DEF-0003", "Token endpoint returns 500 instead of 429 under burst traffic")
    kb = load_dir(kb_dir)

    class Store(dict):
        def result(self, name: str, key: str) -> object:
            return self.get((name, key))

        def keep_result(self, name: str, key: str, value: object) -> None:
            self[(name, key)] = value

    def ahead() -> None:
        search_ahead(kb)
        for thread in threading.enumerate():
            if thread.name == "defectkb-near-duplicates":
                thread.join(timeout=60)

    store = Store()
    first = list(check_duplicates(kb, store))
    assert [d.code for d in first] == ["KB310"] and len(store) == 1
    memo = SearchMemo()
    kb.memos = {MEMO: memo}
    assert list(check_duplicates(kb, store, memo)) == first  # the store's answer: no search
    assert memo.index is None
    ahead()
    assert memo.index is not None and memo.searched == 2  # both new titles, in the background
    index = memo.index
    ahead()
    assert memo.index is index  # filled: nothing searched again
    store.clear()  # the next run misses the store: the memo answers, nothing looked up again
    assert list(check_duplicates(kb, store, memo)) == first
    assert memo.searched == 0


def test_preload_starts_the_segmenter_only_when_a_search_will_segment():
    """A cold run in several processes starts loading jieba's dictionary while files are still
    being read, once it has seen a new entry (the search will run) and a Chinese title; English
    titles, or no new entry, never load it."""
    import time
    from types import SimpleNamespace

    from defectkb.authoring import similar
    from defectkb.rules.duplicates import Preload

    def group(*titles: str, new: bool) -> SimpleNamespace:
        entries = [SimpleNamespace(rel_path=f"d/{n}.md", model=SimpleNamespace(title=t)) for n, t in enumerate(titles)]
        return SimpleNamespace(entries=entries, added={e.rel_path for e in entries} if new else set())

    english = Preload()
    assert not english.saw(group("Invoice export loses cents", "Retry after a timeout", new=True))
    old = Preload()
    assert not old.saw(group("发票导出丢失金额精度", new=False))
    preload = Preload()
    assert not preload.saw(group("发票导出丢失金额精度", new=False))  # Chinese, but nothing new yet
    assert preload.saw(group("Invoice export loses cents", new=True))  # a new entry in a later group
    deadline = time.monotonic() + 60
    while not similar._jieba.dt.initialized and time.monotonic() < deadline:
        time.sleep(0.05)
    assert similar._jieba.dt.initialized
    assert similar.words("发票导出丢失金额精度") == tuple(w for w in similar._jieba.lcut("发票导出丢失金额精度") if w.strip())
