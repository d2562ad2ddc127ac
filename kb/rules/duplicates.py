"""Likely duplicates: a new entry whose title nearly equals another entry's title (KB310).

Only entries this change adds are checked (`KnowledgeBase.added`); when that is not known, the
entries still in their first status. Each is compared with the few entries that share its rare
title grams (an inverted index), never with every entry.

The search is the costly part and depends only on every entry's id, title, kind and shown path and
on which entries are new: `check_duplicates` takes an optional store (the validation cache) that
keeps its findings under a digest of exactly that, so a run after an edit that leaves every title
alone skips it. The warnings' positions come from the entries, as always.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from typing import TYPE_CHECKING, Any, Protocol

from defectkb.authoring.similar import (
    Doc,
    SimilarityIndex,
    grams,
    has_cjk,
    load_segmenter_in_background,
    title_key,
    title_ratio,
)
from defectkb.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase

THRESHOLD = 90.0  # rapidfuzz token-sort ratio of the normalised, segmented titles
NAME = "near-duplicate-titles"
MEMO = "duplicates"  # the SearchMemo's name among a preview's memos (`KnowledgeBase.memos`)

Finding = tuple[int, str, str]  # index in kb.entries, message, hint
Title = tuple[str, str, str, str]  # what the search reads of an entry: id, title, path shown, kind


class ResultStore(Protocol):
    def result(self, name: str, key: str) -> Any | None: ...

    def keep_result(self, name: str, key: str, value: Any) -> None: ...


class Remote(Protocol):
    """A search run elsewhere (a worker of a cold run, `defectkb.cache.parallel`) while this
    process reads: its findings if it searched exactly these titles, else None."""

    def __call__(self, titles: list[Title], new: list[bool]) -> list[Finding] | None: ...


def is_new(kb: KnowledgeBase, entry: Entry) -> bool:
    """Whether the search checks an entry: one this change adds, when that is known; else one
    still in its first status."""
    if kb.added is not None:
        return entry.rel_path in kb.added
    statuses = kb.config.kind(entry.kind).statuses
    return bool(statuses) and entry.model.status.value == statuses[0]


def titles_of(kb: KnowledgeBase) -> list[Title]:
    return [(e.id, e.model.title, e.source.display, e.kind) for e in kb.entries]


class SearchMemo:
    """The last search's inputs and findings, for a process that checks one knowledge base again
    and again (the preview). After an edit, only the titles whose result the edit can change are
    looked up again; the findings are exactly those of a full search (a test compares them).

    A title's lookup reads the postings of its own grams, the entries sharing its title key, the
    number of entries and the entries it finds. So with the same entries in the same order, it
    can change only if an entry that was edited (id, title, path or kind) had or has one of its
    grams or its title key; every other title keeps its findings.
    """

    def __init__(self) -> None:
        self.docs: list[tuple[str, str, str, str]] = []  # per entry: id, title, path shown, kind
        self.grams: list[tuple[str, ...]] = []
        self.new: list[bool] = []
        self.found: dict[int, Finding] = {}
        self.searched = 0  # titles looked up by the latest search (read by tests)
        self.index: SimilarityIndex | None = None  # the latest search's, updated for the next one
        self.lock = threading.Lock()  # held by a search that uses it (`search_ahead` runs one in a thread)


class Preload:
    """For a process that reads entries in groups before it runs the near-duplicate search (a cold
    `kb validate` in several processes): once the groups seen hold a new entry (the search will
    run) and a Chinese title (it will segment), jieba's dictionary starts loading in the
    background, while the reading goes on."""

    def __init__(self) -> None:
        self.new = self.chinese = self.started = False

    def saw(self, kb: KnowledgeBase) -> bool:
        """Look at a group just read; True once the dictionary is loading."""
        if not self.started:
            self.new = self.new or any(is_new(kb, e) for e in kb.entries)
            self.chinese = self.chinese or any(has_cjk(e.model.title) for e in kb.entries)
            if self.new and self.chinese:
                load_segmenter_in_background()
                self.started = True
        return self.started


def check_duplicates(kb: KnowledgeBase, store: ResultStore | None = None,
                     memo: SearchMemo | None = None, remote: Remote | None = None) -> Iterator[Diagnostic]:
    new = [is_new(kb, e) for e in kb.entries]
    if not any(new):
        return
    found: list[Finding] | None = None
    if store is not None:
        key = _inputs(kb, new)
        cached = store.result(NAME, key)
        if isinstance(cached, list):
            found = cached
    if found is None:
        titles = titles_of(kb)
        found = remote(titles, new) if remote is not None else None
        if found is None and memo is not None:
            with memo.lock:  # after a search ahead still running, with what it found
                found = search(titles, new, memo)
        elif found is None:
            found = search(titles, new)
        if store is not None:
            store.keep_result(NAME, key, found)
    for i, message, hint in found:
        entry = kb.entries[i]
        yield entry.diag("KB310", entry.pos("title", key=True), message, hint, Severity.WARNING)


def search_ahead(kb: KnowledgeBase) -> None:
    """For a process that will check this knowledge base again after an edit (the preview), once a
    run is over: while its memo is empty (this run took the findings from the validation cache,
    or had no new entry to search for), fill it in a background thread, so that the next search
    looks up only the titles an edit touches (all new ones otherwise: 0.1–0.2 s at 10,000
    entries, and a second or two more to load jieba's dictionary for Chinese titles). A run that
    starts meanwhile waits for it (`SearchMemo.lock`). Once the memo is filled this costs nothing:
    it runs after every rebuild, before the browser reloads."""
    memo = kb.memos.get(MEMO) if kb.memos is not None else None
    if not isinstance(memo, SearchMemo) or memo.index is not None:
        return
    titles, new = titles_of(kb), [is_new(kb, e) for e in kb.entries]

    def fill() -> None:
        with memo.lock, contextlib.suppress(Exception):  # a failure shows in the next run's own search
            if memo.index is None:
                search(titles, new, memo)

    threading.Thread(target=fill, name="defectkb-near-duplicates", daemon=True).start()


def search(docs: list[Title], new: list[bool], memo: SearchMemo | None = None) -> list[Finding]:
    """The findings about the new titles (`new[i]`), by index in `docs`. It reads nothing else, so
    another process can run it on the same titles."""
    reuse = memo is not None and len(memo.docs) == len(docs) and \
        all(old[0] == now[0] for old, now in zip(memo.docs, docs, strict=True))
    # Without a memo (kb validate, a build) the grams are not kept: 1-2 KiB per entry.
    gram_sets: list[tuple[str, ...]] | None = None
    if memo is not None and reuse:
        changed = [i for i, (old, now) in enumerate(zip(memo.docs, docs, strict=True)) if old != now]
        gram_sets = list(memo.grams)
        for i in changed:
            gram_sets[i] = _gram_tuple(docs[i][1])
        touched = {g for i in changed for g in (*memo.grams[i], *gram_sets[i])}
        keys = {title_key(d[1]) for i in changed for d in (memo.docs[i], docs[i])}
        redo = [i for i in range(len(docs)) if new[i] and (
            not memo.new[i] or docs[i] != memo.docs[i] or not touched.isdisjoint(gram_sets[i])
            or title_key(docs[i][1]) in keys)]
    else:
        if memo is not None:
            gram_sets = [_gram_tuple(d[1]) for d in docs]
        redo = [i for i in range(len(docs)) if new[i]]
    if memo is not None and reuse and memo.index is not None:
        # The last search's index, with the edited entries' titles put right (not kept meanwhile:
        # a failure halfway must not leave a half-updated index for the next search).
        index, memo.index = memo.index, None
        for i in changed:
            index.replace(i, Doc(*docs[i]), memo.grams[i], gram_sets[i])  # type: ignore[index]
    else:
        index = SimilarityIndex()
        for n, (eid, title, path, kind) in enumerate(docs):
            index.add(Doc(eid, title, path, kind), title_grams=gram_sets[n] if gram_sets is not None else None)
    results: dict[int, Finding] = {}
    if memo is not None and reuse:
        results = {i: f for i, f in memo.found.items() if new[i]}
    for i in redo:
        results.pop(i, None)
        eid, title = docs[i][0], docs[i][1]
        matches = index.near_titles(title, threshold=THRESHOLD, exclude=eid)
        if not matches:
            continue
        other = matches[0].doc
        more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
        how = "Chinese segmented into words" if has_cjk(title) else "word order ignored"
        results[i] = (
            i,
            f"title nearly equals the title of {other.id}{more}: {title_ratio(title, other.title):.0f}% "
            f"alike ({how})",
            f"{other.id} in {other.path}: “{other.title}”. If it is the same problem, add to that entry "
            "instead; otherwise make the title say what differs",
        )
    if memo is not None:
        memo.docs, memo.grams, memo.new, memo.found, memo.searched = docs, gram_sets, list(new), results, len(redo)
        memo.index = index
    return [results[i] for i in sorted(results)]


def _gram_tuple(title: str) -> tuple[str, ...]:
    """A title's grams as the memo keeps them: a tuple of shared strings (a set would be 5× larger)."""
    return tuple(sys.intern(g) for g in grams(title))


def _inputs(kb: KnowledgeBase, new: list[bool]) -> str:
    """A digest of everything `_search` reads, in order, and of the libraries that score titles
    (the code and the configuration are in the store's own key)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{THRESHOLD}\0{_versions()}\0".encode())
    h.update("\0".join(f"{e.id}\x1f{e.model.title}\x1f{e.kind}\x1f{e.source.display}\x1f{int(n)}"
                       for e, n in zip(kb.entries, new, strict=True)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@functools.cache
def _versions() -> str:
    out = []
    for name in ("rapidfuzz", "jieba"):
        try:
            out.append(metadata.version(name))
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            out.append("")
    return "/".join(out)
