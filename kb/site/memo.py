"""Generated HTML carried from one preview rebuild to the next, never stale.

`kb serve` regenerates every generated page on each save, yet one edit changes few of them.
While the preview keeps memos (`keep(True)`, set by the MkDocs plugin for a dirty `serve`),
pieces of HTML are remembered with the versions of what they were made from:

- an entry's version changes whenever its model or its path differs (`==`) from the version
  seen last (models are frozen, so an equal model shows the same);
- the context's version changes whenever anything else a page can show differs: the kb.yml
  config, the registries, today's date, the site settings, the set of entry ids.

Versions come from one counter and are never reused, so a memo hits only when every input it
was made from is equal to what it was. A one-off `mkdocs build` keeps nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from defectkb.site.jsontext import Kept

T = TypeVar("T")

_keep = False
_counter = itertools.count(1)
stats = {"hits": 0, "misses": 0}  # pages and files taken from / made for the memos (tests, benchmarks)


def keep(on: bool) -> None:
    """Keep memos between builds of this process (the preview server) or not (and drop them)."""
    global _keep
    _keep = on
    if not on:
        _stores.clear()


def keeping() -> bool:
    return _keep


class Versions:
    """Version numbers of values under keys: a new number whenever a key's value changes."""

    def __init__(self) -> None:
        self._last: dict[Hashable, tuple[Any, int]] = {}

    def of(self, key: Hashable, value: Any) -> int:
        last = self._last.get(key)
        if last is not None and (last[0] is value or last[0] == value):
            return last[1]
        version = next(_counter)
        self._last[key] = (value, version)
        return version


class Store:
    """The memos of one knowledge base (its root folder): versions and remembered HTML."""

    def __init__(self) -> None:
        self.versions = Versions()
        self.rows: dict[Hashable, tuple[tuple[int, int], str]] = {}  # entry_piece
        self.pages: dict[Hashable, tuple[object, Any]] = {}
        self.facts: dict[str, dict[object, object]] = {}  # SiteContext.facts_of: name -> entry version -> fact
        self.parts: dict[str, Kept] = {}  # indented JSON files: the text of their parts (jsontext)
        # what was made from an object the previous build had too, by key: (that object, what was made)
        self.made_from: dict[Hashable, tuple[object, Any]] = {}


_stores: dict[str, Store] = {}


def store_for(root: str) -> Store | None:
    """The memos of the knowledge base at `root`, or None when memos are not kept."""
    if not _keep:
        return None
    return _stores.setdefault(root, Store())


def remembered(store: Store | None, key: Hashable, inputs: object) -> Any | None:
    """What was remembered under `key` if it was made from equal `inputs`."""
    if store is None:
        return None
    hit = store.pages.get(key)
    if hit is not None and hit[0] == inputs:
        stats["hits"] += 1
        return hit[1]
    stats["misses"] += 1
    return None


def remember(store: Store | None, key: Hashable, inputs: object, value: Any) -> None:
    if store is not None:
        store.pages[key] = (inputs, value)


def kept(ctx: Any, key: Hashable, inputs: Callable[[], object], make: Callable[[], T]) -> T:
    """`make()`, or its result from the previous preview build if `inputs()` are equal.

    What making it also did is replayed on a hit: the chart markers it registered with the
    build's renderer (a new one per build) and the files it added to `ctx.extra_files` (CSVs).
    """
    store: Store | None = ctx.memo
    if store is None:
        return make()
    given = (ctx.context_version, inputs())
    hit = remembered(store, key, given)
    if hit is not None:
        value, markers, files = hit
        for marker in markers:
            ctx.charts.marker(*marker)
        ctx.extra_files.update(files)
        return value  # type: ignore[no-any-return]
    before = dict(ctx.extra_files)
    recorder: list[tuple[Any, ...]] = []
    if ctx.charts is not None:
        ctx.charts.recorders.append(recorder)
    try:
        value = make()
    finally:
        if ctx.charts is not None:
            ctx.charts.recorders.remove(recorder)
    files = {k: v for k, v in ctx.extra_files.items() if before.get(k) is not v}
    remember(store, key, given, (value, recorder, files))
    return value


def made_from(store: Store | None, key: Hashable, source: object, make: Callable[[], T]) -> T:
    """`make()`, or what it made from the very same `source` object in the previous preview build
    (for objects never changed once made: figures and digests that an edit left as they were)."""
    if store is None:
        return make()
    hit = store.made_from.get(key)
    if hit is not None and hit[0] is source:
        return hit[1]  # type: ignore[no-any-return]
    value = make()
    store.made_from[key] = (source, value)
    return value


def entry_piece(ctx: Any, key: Hashable, entry_id: str, make: Callable[[], str]) -> str:
    """`make()`: a piece of text that shows one entry (a table row, a JSON record). In the
    preview, the piece the previous build made under `key` while the entry and the context had
    the same versions."""
    store: Store | None = ctx.memo
    if store is None:
        return make()
    version = (ctx.context_version, ctx.entry_versions.get(entry_id, -1))
    kept = store.rows.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    text = make()
    store.rows[key] = (version, text)
    return text
