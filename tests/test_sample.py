"""The sample knowledge base is always valid and covers what it is meant to show."""

from __future__ import annotations

from collections import Counter

from conftest import CONTENT
from defectkb.config import Config
from defectkb.enums import DefectStatus, Severity
from defectkb.knowledgebase import load


def test_sample_validates_clean():
    kb = load(CONTENT, Config(), display_base=CONTENT)
    assert [d for d in kb.diagnostics] == []
    defects, lessons = kb.defects, kb.lessons
    assert len(defects) >= 30 and len(lessons) >= 10
    assert {d.model.status for d in defects} == set(DefectStatus)
    assert {d.model.severity for d in defects} == set(Severity)
    assert len({e.model.product for e in defects}) >= 3
    assert len({e.model.pm for e in kb.entries}) >= 6
    chinese = sum(1 for e in kb.entries if any("\u4e00" <= ch <= "\u9fff" for ch in e.model.title))
    assert 0.3 <= chinese / len(kb.entries) <= 0.7
    linked = Counter(lid for d in defects for lid in d.model.related_lessons)
    assert len(linked) >= 8
