"""Likely duplicates: a new entry whose title nearly equals another entry's title (KB310).

Only entries this change adds are checked (`KnowledgeBase.added`); when that is not known, the
entries still in their first status. Each is compared with the few entries that share its rare
title grams (an inverted index), never with every entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from defectkb.authoring.similar import Doc, SimilarityIndex, has_cjk, title_ratio
from defectkb.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase

THRESHOLD = 90.0  # rapidfuzz token-sort ratio of the normalised, segmented titles


def _is_new(kb: KnowledgeBase, entry: Entry) -> bool:
    if kb.added is not None:
        return entry.rel_path in kb.added
    statuses = kb.config.kind(entry.kind).statuses
    return bool(statuses) and entry.model.status.value == statuses[0]


def check_duplicates(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    new = [e for e in kb.entries if _is_new(kb, e)]
    if not new:
        return
    index = SimilarityIndex()
    for entry in kb.entries:
        index.add(Doc(entry.id, entry.model.title, entry.source.display, entry.kind))
    for entry in new:
        matches = index.near_titles(entry.model.title, threshold=THRESHOLD, exclude=entry.id)
        if not matches:
            continue
        other = matches[0].doc
        more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
        how = "Chinese segmented into words" if has_cjk(entry.model.title) else "word order ignored"
        yield entry.diag(
            "KB310", entry.pos("title", key=True),
            f"title nearly equals the title of {other.id}{more}: {title_ratio(entry.model.title, other.title):.0f}% "
            f"alike ({how})",
            f"{other.id} in {other.path}: “{other.title}”. If it is the same problem, add to that entry "
            "instead; otherwise make the title say what differs",
            Severity.WARNING,
        )
