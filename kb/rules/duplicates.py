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

import functools
import hashlib
from collections.abc import Iterator
from importlib import metadata
from typing import TYPE_CHECKING, Any, Protocol

from defectkb.authoring.similar import Doc, SimilarityIndex, has_cjk, title_ratio
from defectkb.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase

THRESHOLD = 90.0  # rapidfuzz token-sort ratio of the normalised, segmented titles
NAME = "near-duplicate-titles"

Finding = tuple[int, str, str]  # index in kb.entries, message, hint


class ResultStore(Protocol):
    def result(self, name: str, key: str) -> Any | None: ...

    def keep_result(self, name: str, key: str, value: Any) -> None: ...


def _is_new(kb: KnowledgeBase, entry: Entry) -> bool:
    if kb.added is not None:
        return entry.rel_path in kb.added
    statuses = kb.config.kind(entry.kind).statuses
    return bool(statuses) and entry.model.status.value == statuses[0]


def check_duplicates(kb: KnowledgeBase, store: ResultStore | None = None) -> Iterator[Diagnostic]:
    new = [_is_new(kb, e) for e in kb.entries]
    if not any(new):
        return
    found: list[Finding] | None = None
    if store is not None:
        key = _inputs(kb, new)
        cached = store.result(NAME, key)
        if isinstance(cached, list):
            found = cached
    if found is None:
        found = _search(kb, new)
        if store is not None:
            store.keep_result(NAME, key, found)
    for i, message, hint in found:
        entry = kb.entries[i]
        yield entry.diag("KB310", entry.pos("title", key=True), message, hint, Severity.WARNING)


def _search(kb: KnowledgeBase, new: list[bool]) -> list[Finding]:
    index = SimilarityIndex()
    for entry in kb.entries:
        index.add(Doc(entry.id, entry.model.title, entry.source.display, entry.kind))
    found: list[Finding] = []
    for i, entry in enumerate(kb.entries):
        if not new[i]:
            continue
        matches = index.near_titles(entry.model.title, threshold=THRESHOLD, exclude=entry.id)
        if not matches:
            continue
        other = matches[0].doc
        more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
        how = "Chinese segmented into words" if has_cjk(entry.model.title) else "word order ignored"
        found.append((
            i,
            f"title nearly equals the title of {other.id}{more}: {title_ratio(entry.model.title, other.title):.0f}% "
            f"alike ({how})",
            f"{other.id} in {other.path}: “{other.title}”. If it is the same problem, add to that entry "
            "instead; otherwise make the title say what differs",
        ))
    return found


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
