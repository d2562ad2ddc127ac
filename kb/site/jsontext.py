"""Indented JSON made part by part, so that a preview rebuild encodes again only the parts that changed.

Python's `json` encodes indented output in Python, not in C: about 0.3 s for `api/stats.json`
at 10,000 entries. `indented` gives exactly the text of `json.dumps(value, ensure_ascii=False,
indent=1)`; with a `kept` dict (one per file, carried between rebuilds) each part a few levels
down is encoded once and its text reused while the part's compact encoding (made in C) is the
same: `==` would take `1`, `1.0` and `true` for one another.
"""

from __future__ import annotations

import json
from typing import Any

Kept = dict[tuple[object, ...], tuple[str, str]]  # path of a part -> (compact text, indented text at its depth)

SPLIT = 3  # parts this many levels down are encoded (and kept) whole


def indented(value: Any, kept: Kept | None = None) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=1)`, reusing the text of equal parts in `kept`
    (which it updates: parts no longer present are dropped)."""
    fresh: Kept = {}
    text = _part(value, (), kept, fresh)
    if kept is not None:
        kept.clear()
        kept.update(fresh)
    return text


def _part(value: Any, path: tuple[object, ...], kept: Kept | None, fresh: Kept) -> str:
    depth = len(path)
    if depth < SPLIT and isinstance(value, dict) and value and all(type(k) is str for k in value):
        inner = "\n" + " " * (depth + 1)
        return "{" + inner + ("," + inner).join(
            json.dumps(k, ensure_ascii=False) + ": " + _part(v, (*path, k), kept, fresh) for k, v in value.items()
        ) + "\n" + " " * depth + "}"
    if depth < SPLIT and isinstance(value, list) and value:
        inner = "\n" + " " * (depth + 1)
        return "[" + inner + ("," + inner).join(
            _part(v, (*path, i), kept, fresh) for i, v in enumerate(value)) + "\n" + " " * depth + "]"
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if kept is not None else ""
    last = kept.get(path) if kept is not None else None
    if last is not None and last[0] == compact:
        fresh[path] = last
        return last[1]
    text = json.dumps(value, ensure_ascii=False, indent=1)
    if depth:
        text = text.replace("\n", "\n" + " " * depth)  # JSON strings hold no raw line breaks
    if kept is not None:
        fresh[path] = (compact, text)
    return text
