"""Retrospective digests: what happened in an ISO week, a month or a quarter.

Entries are bucketed by their dates in one pass; only periods with activity get a digest, so
the number of digest pages is bounded by the number of distinct weeks, months and quarters
in which something was reported, resolved, closed or written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from operator import attrgetter, is_
from typing import Any

from defectkb.analytics import day, median
from defectkb.enums import ActionStatus, Severity
from defectkb.insights.figures import SEVERE, end_day, resolve_days
from defectkb.insights.periods import KINDS, Period
from defectkb.knowledgebase import Entry, KnowledgeBase

SEVERITY_ORDER = {s.value: i for i, s in enumerate(Severity)}
_ID = attrgetter("id")


@dataclass
class ActionRef:
    lesson: Entry
    item_id: str
    description: str
    owner: str
    due: date
    status: str
    overdue: bool


@dataclass
class _Bucket:
    new_defects: list[Entry] = field(default_factory=list)
    resolved: list[Entry] = field(default_factory=list)
    ended: int = 0  # defects leaving the backlog (resolved, closed, rejected)
    new_lessons: list[Entry] = field(default_factory=list)
    actions: list[ActionRef] = field(default_factory=list)


@dataclass
class Digest:
    period: Period
    new_defects: list[Entry]
    resolved: list[Entry]
    new_lessons: list[Entry]
    serious: list[Entry]  # fatal/serious defects reported or resolved in the period
    actions: list[ActionRef]  # action items due in the period, status as of the build
    counts: dict[str, float | int | None]
    previous: dict[str, float | int | None]
    top_types: list[tuple[str, int]]
    top_causes: list[tuple[str, int]]
    contributors: list[tuple[str, dict[str, int]]]  # person -> {reported, resolved, lessons}

    @property
    def key(self) -> str:
        return self.period.key

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period.key, "kind": self.period.kind,
            "start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
            "counts": self.counts, "previous": self.previous,
            "new_defects": [e.id for e in self.new_defects], "resolved": [e.id for e in self.resolved],
            "new_lessons": [e.id for e in self.new_lessons], "serious": [e.id for e in self.serious],
            "actions": [{"lesson": a.lesson.id, "id": a.item_id, "owner": a.owner, "due": a.due.isoformat(),
                         "status": a.status, "overdue": a.overdue} for a in self.actions],
            "top_defect_types": [{"key": k, "count": n} for k, n in self.top_types],
            "top_causes": [{"key": k, "count": n} for k, n in self.top_causes],
            "contributors": [{"person": p, **c} for p, c in self.contributors],
        }


def _counts(b: _Bucket, open_at_end: int, today: date) -> dict[str, float | int | None]:
    times = [t for e in b.resolved if (t := resolve_days(e)) is not None]
    med = median(times)
    return {
        "new_defects": len(b.new_defects),
        "new_severe": sum(1 for e in b.new_defects if e.model.severity in SEVERE),
        "online": sum(1 for e in b.new_defects if e.model.online),
        "resolved": len(b.resolved),
        "new_lessons": len(b.new_lessons),
        "open_at_end": open_at_end,
        "median_resolve_days": None if med is None else round(med, 2),
        "actions_due": len(b.actions),
        "actions_overdue": sum(1 for a in b.actions if a.overdue),
    }


def _by_severity(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (SEVERITY_ORDER[e.model.severity.value], e.id))


def digest_facts(e: Entry) -> tuple[object, ...]:
    """Everything `build` reads of an entry. Equal facts of every entry (and the same day) make
    equal digests, so the preview keeps them through a title or body edit (`SiteContext.digests`);
    a field read by `build` and missing here would leave a digest stale (tests/test_digests.py
    compares kept and fresh digests after edits of every field)."""
    m = e.model
    if e.kind == "defect":
        return ("defect", e.id, m.reported_at, m.resolved_at, m.closed_at, m.status, m.severity, m.online,
                m.defect_type, m.reporter, m.assignee)
    return ("lesson", e.id, m.created_at, m.cause_category, tuple(m.authors),
            tuple((i.id, i.description, i.owner, i.due, i.status) for i in m.action_items))


def rebind_digests(digests: dict[str, list[Digest]], by_id: Mapping[str, Entry]) -> dict[str, list[Digest]]:
    """Digests built from equal facts, pointing at the entries of this build (whose titles,
    bodies and paths may differ from the ones they were built from)."""

    def now(entries: list[Entry]) -> list[Entry]:
        return [by_id[e.id] for e in entries]

    def current(entries: list[Entry]) -> bool:
        return all(map(is_, map(by_id.get, map(_ID, entries)), entries))

    def rebound(d: Digest) -> Digest:
        # Most entries are the very objects of the last build (unchanged files): a digest that
        # lists only such entries is already this build's (dataclasses.replace is slow).
        if current([*d.new_defects, *d.resolved, *d.new_lessons, *d.serious, *(a.lesson for a in d.actions)]):
            return d
        return replace(d, new_defects=now(d.new_defects), resolved=now(d.resolved), new_lessons=now(d.new_lessons),
                       serious=now(d.serious), actions=[replace(a, lesson=by_id[a.lesson.id]) for a in d.actions])

    return {kind: [rebound(d) for d in ds] for kind, ds in digests.items()}


def build(kb: KnowledgeBase, kinds: tuple[str, ...] = KINDS) -> dict[str, list[Digest]]:
    """Digests per kind (week, month, quarter), newest first, only for periods with activity."""
    buckets: dict[str, dict[Period, _Bucket]] = {k: defaultdict(_Bucket) for k in kinds}
    today = kb.today

    by_day: dict[date, list[_Bucket]] = {}  # entries share days: find each day's buckets once

    def at(when: date) -> list[_Bucket]:
        found = by_day.get(when)
        if found is None:
            found = by_day[when] = [buckets[k][Period.of(k, when)] for k in kinds]
        return found

    for e in kb.entries:
        m = e.model
        if e.kind == "defect":
            for b in at(day(m.reported_at)):
                b.new_defects.append(e)
            if m.resolved_at is not None:
                for b in at(day(m.resolved_at)):
                    b.resolved.append(e)
            if (end := end_day(e)) is not None:
                for b in at(end):
                    b.ended += 1
            continue
        for b in at(day(m.created_at)):
            b.new_lessons.append(e)
        for item in m.action_items:
            closed = item.status in (ActionStatus.done, ActionStatus.wont_do)
            ref = ActionRef(e, item.id, item.description, item.owner, day(item.due), item.status.value,
                            not closed and day(item.due) < today)
            for b in at(day(item.due)):
                b.actions.append(ref)

    out: dict[str, list[Digest]] = {}
    for kind in kinds:
        periods = sorted(p for p, b in buckets[kind].items() if b.new_defects or b.resolved or b.new_lessons
                         or b.ended)
        opened_at_end: dict[Period, int] = {}
        running = 0
        all_sorted = sorted(buckets[kind])
        for p in all_sorted:  # backlog: defects reported minus defects that left it
            b = buckets[kind][p]
            running += len(b.new_defects) - b.ended
            opened_at_end[p] = running
        digests = []
        for p in periods:
            b = buckets[kind][p]
            counts = _counts(b, opened_at_end[p], today)
            prev_p = p.previous()
            previous = _counts(buckets[kind].get(prev_p) or _Bucket(), _open_at(opened_at_end, all_sorted, prev_p),
                               today)
            digests.append(_digest(p, b, counts, previous))
        out[kind] = digests[::-1]
    return out


def _open_at(open_at_end: dict[Period, int], ordered: list[Period], p: Period) -> int:
    """Backlog at the end of `p`: that of the last period with events up to it."""
    i = bisect_right(ordered, p)
    return open_at_end[ordered[i - 1]] if i else 0


def _digest(p: Period, b: _Bucket, counts: dict[str, Any], previous: dict[str, Any]) -> Digest:
    serious = {e.id: e for e in (*b.new_defects, *b.resolved) if e.model.severity in SEVERE}
    types = Counter(e.model.defect_type.value for e in b.new_defects if e.model.defect_type)
    causes = Counter(e.model.cause_category.value for e in b.new_lessons)
    people: dict[str, Counter[str]] = defaultdict(Counter)
    for e in b.new_defects:
        people[e.model.reporter]["reported"] += 1
    for e in b.resolved:
        if e.model.assignee:
            people[e.model.assignee]["resolved"] += 1
    for e in b.new_lessons:
        for a in e.model.authors:
            people[a]["lessons"] += 1
    contributors = sorted(((pid, {k: c.get(k, 0) for k in ("reported", "resolved", "lessons")})
                           for pid, c in people.items()), key=lambda pc: (-sum(pc[1].values()), pc[0]))
    return Digest(
        period=p,
        new_defects=_by_severity(b.new_defects),
        resolved=_by_severity(b.resolved),
        new_lessons=sorted(b.new_lessons, key=lambda e: e.id),
        serious=_by_severity(list(serious.values())),
        actions=sorted(b.actions, key=lambda a: (not a.overdue, a.due, a.lesson.id, a.item_id)),
        counts=counts, previous=previous,
        top_types=sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
        top_causes=sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
        contributors=contributors,
    )
