"""A reading list for newcomers: per product, the most-cited lessons and the most severe closed defects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from defectkb.analytics import day, entry_date
from defectkb.enums import DefectStatus, LessonStatus, Severity
from defectkb.insights.figures import entry_products
from defectkb.knowledgebase import Entry, KnowledgeBase

READABLE_LESSONS = frozenset({LessonStatus.published, LessonStatus.applied})
DONE_DEFECTS = frozenset({DefectStatus.closed, DefectStatus.verified})
SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass
class ReadingList:
    lessons: list[tuple[Entry, int]]  # (lesson, citations)
    defects: list[Entry]


def citations(kb: KnowledgeBase) -> Counter[str]:
    """Lesson id -> how many defects and other lessons point at it (each source counted once)."""
    citing: dict[str, set[str]] = {}
    for e in kb.entries:
        m = e.model
        if e.kind == "defect":
            for lid in m.related_lessons:
                citing.setdefault(lid, set()).add(e.id)
        else:
            for did in m.source_defects:  # the other side of the same link
                citing.setdefault(e.id, set()).add(did)
            if m.supersedes:
                citing.setdefault(m.supersedes, set()).add(e.id)
    return Counter({lid: len(ids) for lid, ids in citing.items() if lid in kb.by_id})


def reading_lists(kb: KnowledgeBase, size: int = 5) -> dict[str, ReadingList]:
    """Per product key: top lessons by citations and the most severe closed defects."""
    cited = citations(kb)
    lessons: dict[str, list[Entry]] = {}
    defects: dict[str, list[Entry]] = {}
    for e in kb.entries:
        if e.kind == "lesson" and e.model.status in READABLE_LESSONS:
            for p in entry_products(e):
                lessons.setdefault(p, []).append(e)
        elif e.kind == "defect" and e.model.status in DONE_DEFECTS:
            defects.setdefault(e.model.product, []).append(e)
    out = {}
    for key in sorted(set(lessons) | set(defects)):
        top_lessons = sorted(lessons.get(key, []), key=lambda e: (
            -cited.get(e.id, 0), SEVERITY_RANK[e.model.severity], -entry_date(e).toordinal(), e.id))[:size]
        top_defects = sorted(defects.get(key, []), key=lambda e: (
            SEVERITY_RANK[e.model.severity], not e.model.online, not e.model.related_lessons,
            -day(e.model.reported_at).toordinal(), e.id))[:size]
        out[key] = ReadingList([(e, cited.get(e.id, 0)) for e in top_lessons], top_defects)
    return out


def reading_facts(e: Entry) -> tuple[object, ...]:
    """Everything `reading_lists` reads of an entry: equal facts of every entry make equal lists,
    up to which entry objects they hold (`rebind_reading`). A title or body edit changes none."""
    m = e.model
    if e.kind == "defect":
        return ("defect", e.id, m.status, m.product, m.severity, m.reported_at, m.online, tuple(m.related_lessons))
    return ("lesson", e.id, m.status, tuple(m.products), m.severity, m.created_at, tuple(m.source_defects),
            m.supersedes)


def rebind_reading(lists: dict[str, ReadingList], by_id: Mapping[str, Entry]) -> dict[str, ReadingList]:
    """Lists made from equal facts, holding this build's entries (their other fields may differ)."""
    return {key: ReadingList([(by_id[e.id], n) for e, n in r.lessons], [by_id[e.id] for e in r.defects])
            for key, r in lists.items()}
