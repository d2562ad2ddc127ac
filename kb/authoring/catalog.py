"""A light read of the knowledge base for `kb new`: ids, titles, products, tags and the start
of each body, without the schema or the rules (`kb validate` does those).

Only the few top-level keys it needs are cut out of each front matter and parsed, with libyaml
when available; a file whose front matter cannot be read that way still reserves the id in its
file name, so a new entry never takes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from defectkb.authoring.similar import Doc, SimilarityIndex
from defectkb.config import Config
from defectkb.loader import walk

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID_IN_NAME = re.compile(r"^([A-Z][A-Z0-9]*-\d{3,})")
_WANTED = ("id", "kind", "title", "status", "product", "products", "tags")
_KEY_LINE = re.compile(r"^(" + "|".join(_WANTED) + r")\s*:")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
BODY_CHARS = 1000  # the start of the body, where the description is, is what a search compares


@dataclass(slots=True)
class Catalog:
    ids: set[str] = field(default_factory=set)  # every id in use: front matter and file names
    index: SimilarityIndex = field(default_factory=SimilarityIndex)
    statuses: dict[str, str] = field(default_factory=dict)  # id -> status as written
    kinds: dict[str, str] = field(default_factory=dict)  # id -> kind


def _front_matter(text: str) -> tuple[str, str] | None:
    """(front matter, body) split as the loader splits it, or None without front matter."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 3)
    while end >= 0 and text[end + 4:end + 5] not in ("\n", ""):
        end = text.find("\n---", end + 4)
    if end < 0:
        return None
    return text[4:end], text[end + 5:]


def _wanted_keys(front: str) -> dict[str, Any] | None:
    """The few keys `kb new` needs: their lines (and the indented lines of block lists) cut out
    and parsed alone, which costs a fraction of parsing the whole front matter."""
    picked: list[str] = []
    keep = False
    for line in front.split("\n"):
        if line[:1] not in (" ", "\t", "-", "#", ""):
            keep = _KEY_LINE.match(line) is not None
        if keep:
            picked.append(line)
    try:
        data = yaml.load("\n".join(picked), Loader=_Loader)  # a safe loader
    except yaml.YAMLError:
        try:
            data = yaml.load(front, Loader=_Loader)  # a safe loader
        except yaml.YAMLError:
            return None
    return data if isinstance(data, dict) else None


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _body_text(body: str) -> str:
    """Prose at the start of the body: template comments and heading lines (the same in every
    entry) left out."""
    text = _COMMENT.sub(" ", body[:BODY_CHARS * 2])
    return " ".join(ln for ln in text.split("\n") if not ln.lstrip().startswith("#"))[:BODY_CHARS]


def read_catalog(root: Path, config: Config, vocabulary: frozenset[str] | None = None) -> Catalog:
    """Every entry's id, and an index of the others; with `vocabulary`, the index holds only
    those grams (see SimilarityIndex.vocabulary)."""
    cat = Catalog(index=SimilarityIndex(vocabulary=vocabulary))
    for kind in ("defect", "lesson"):
        folder = root / config.kind(kind).folder
        if not folder.is_dir():
            continue
        for path in walk(folder):
            if path.suffix.lower() != ".md":
                continue
            if m := _ID_IN_NAME.match(path.name):
                cat.ids.add(m.group(1))
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # `kb validate` reports it; its file name still holds the id
            parts = _front_matter(text)
            meta = _wanted_keys(parts[0]) if parts else None
            if meta is None:
                continue
            entry_id, title = meta.get("id"), meta.get("title")
            if not isinstance(entry_id, str):
                continue
            cat.ids.add(entry_id)
            declared = meta.get("kind")
            cat.kinds[entry_id] = declared if declared in ("defect", "lesson") else kind
            if isinstance(meta.get("status"), str):
                cat.statuses[entry_id] = meta["status"]
            if not isinstance(title, str) or not title.strip():
                continue
            products = _strings(meta.get("product")) + _strings(meta.get("products"))
            doc = Doc(entry_id, title, path.relative_to(root).as_posix(), cat.kinds[entry_id], products,
                      _strings(meta.get("tags")))
            cat.index.add(doc, _body_text(parts[1]) if parts else "")
    return cat
