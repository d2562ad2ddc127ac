"""Indented JSON made part by part, so that a preview rebuild encodes again only the parts that changed.

Python's `json` encodes indented output in Python, not in C: about 0.3 s for `api/stats.json`
at 10,000 entries. `indented` gives exactly the text of `json.dumps(value, ensure_ascii=False,
indent=1)`; with a `kept` dict (one per file, carried between rebuilds) each part a few levels
down is encoded once and its text reused while the part's pickle is the same, and the whole
text while the whole's is. A pickle (made in C, 0.02 s for the whole document at 10,000 entries,
a quarter of a compact JSON encoding) tells `1`, `1.0` and `true` apart, and the order of a
dict's keys, which `==` takes for one another and the text does not.

With `same_objects`, the caller promises that it never changes a part in place: a part that is
the very object it was in the last call is taken as unchanged without a pickle (the preview's
figures, digests and people, kept by identity while an edit leaves them as they were).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

# path of a part -> (its pickle, its text at its depth, the object it was made from)
Kept = dict[tuple[object, ...], tuple[bytes, str, object]]

SPLIT = 3  # parts this many levels down are encoded (and kept) whole


def indented(value: Any, kept: Kept | None = None, *, same_objects: bool = False) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=1)`, reusing the text of equal parts in `kept`
    (which it updates: parts no longer present are dropped); with `same_objects`, of parts that
    are the very objects of the last call too (see above)."""
    if kept is None:
        return _part(value, (), None, {}, False)
    # The whole first: most rebuilds change nothing in it (a title edit), and one pickle costs
    # less than looking at each of its parts.
    whole = _pickle(value)
    last = kept.get(())
    if last is not None and last[0] == whole:
        return last[1]
    fresh: Kept = {}
    text = _part(value, (), kept, fresh, same_objects)
    fresh[()] = (whole, text, None)
    kept.clear()
    kept.update(fresh)
    return text


def _pickle(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _part(value: Any, path: tuple[object, ...], kept: Kept | None, fresh: Kept, same_objects: bool) -> str:
    depth = len(path)
    last = kept.get(path) if kept is not None else None
    if same_objects and last is not None and last[2] is value:
        fresh[path] = last
        return last[1]
    if depth < SPLIT and isinstance(value, dict) and value and all(type(k) is str for k in value):
        inner = "\n" + " " * (depth + 1)
        return "{" + inner + ("," + inner).join(
            json.dumps(k, ensure_ascii=False) + ": " + _part(v, (*path, k), kept, fresh, same_objects)
            for k, v in value.items()) + "\n" + " " * depth + "}"
    if depth < SPLIT and isinstance(value, list) and value:
        inner = "\n" + " " * (depth + 1)
        return "[" + inner + ("," + inner).join(
            _part(v, (*path, i), kept, fresh, same_objects) for i, v in enumerate(value)) + "\n" + " " * depth + "]"
    seen = _pickle(value) if kept is not None else b""
    if last is not None and last[0] == seen:
        fresh[path] = (seen, last[1], value)
        return last[1]
    text = json.dumps(value, ensure_ascii=False, indent=1)
    if depth:
        text = text.replace("\n", "\n" + " " * depth)  # JSON strings hold no raw line breaks
    if kept is not None:
        fresh[path] = (seen, text, value)
    return text
