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
from collections.abc import Hashable
from typing import Any

_keep = False
_counter = itertools.count(1)


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
        self.rows: dict[tuple[str, str, str], tuple[tuple[int, int], str]] = {}
        self.pages: dict[Hashable, tuple[Hashable, Any]] = {}


_stores: dict[str, Store] = {}


def store_for(root: str) -> Store | None:
    """The memos of the knowledge base at `root`, or None when memos are not kept."""
    if not _keep:
        return None
    return _stores.setdefault(root, Store())


def remembered(store: Store | None, key: Hashable, inputs: Hashable) -> Any | None:
    """What was remembered under `key` if it was made from equal `inputs`."""
    if store is None:
        return None
    hit = store.pages.get(key)
    if hit is not None and hit[0] == inputs:
        return hit[1]
    return None


def remember(store: Store | None, key: Hashable, inputs: Hashable, value: Any) -> None:
    if store is not None:
        store.pages[key] = (inputs, value)
