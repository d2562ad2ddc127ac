"""Retrospective digests: what happened in an ISO week, a month or a quarter.

Every entry's dates put its facts in the buckets of their periods; only periods with activity
get a digest, so the number of digest pages is bounded by the number of distinct weeks, months
and quarters in which something was reported, resolved, closed or written. Digests are made from
the facts alone (`digest_facts`), so the buckets outlive the entries: when a few entries' facts
change, `DigestBook.update` moves them between buckets and makes again only the digests of the
periods they touched.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import attrgetter, is_
from typing import Any, NamedTuple

from defectkb.analytics import day, days_between, median
from defectkb.enums import ActionStatus, CauseCategory, DefectStatus, DefectType, Severity
from defectkb.insights.figures import SEVERE, left_backlog
from defectkb.insights.periods import KINDS, Period
from defectkb.knowledgebase import Entry, KnowledgeBase

SEVERITY_ORDER = {s.value: i for i, s in enumerate(Severity)}
_ID = attrgetter("id")
_CLOSED = (ActionStatus.done, ActionStatus.wont_do)


class DefectFacts(NamedTuple):
    """Everything a digest reads of a defect."""

    id: str
    reported_at: date
    resolved_at: date | None
    closed_at: date | None
    status: DefectStatus
    severity: Severity
    online: bool | None
    defect_type: DefectType | None
    reporter: str
    assignee: str | None


class LessonFacts(NamedTuple):
    """Everything a digest reads of a lesson: action items as (id, description, owner, due, status)."""

    id: str
    created_at: date
    cause: CauseCategory
    authors: tuple[str, ...]
    items: tuple[tuple[str, str, str, date, ActionStatus], ...]


class _Action(NamedTuple):
    lesson: str  # its id
    item_id: str
    description: str
    owner: str
    due: date
    status: str
    overdue: bool


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
    """What landed in one period, as facts (in no particular order: digests sort what they list)."""

    new_defects: list[DefectFacts] = field(default_factory=list)
    resolved: list[DefectFacts] = field(default_factory=list)
    ended: int = 0  # defects leaving the backlog (resolved, closed, rejected)
    new_lessons: list[LessonFacts] = field(default_factory=list)
    actions: list[_Action] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Something was reported, resolved, closed or written: the period gets a digest."""
        return bool(self.new_defects or self.resolved or self.new_lessons or self.ended)

    @property
    def empty(self) -> bool:
        return not self.active and not self.actions


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


def _counts(b: _Bucket, open_at_end: int) -> dict[str, float | int | None]:
    times = [days_between(f.reported_at, f.resolved_at) for f in b.resolved if f.resolved_at is not None]
    med = median(times)
    return {
        "new_defects": len(b.new_defects),
        "new_severe": sum(1 for f in b.new_defects if f.severity in SEVERE),
        "online": sum(1 for f in b.new_defects if f.online),
        "resolved": len(b.resolved),
        "new_lessons": len(b.new_lessons),
        "open_at_end": open_at_end,
        "median_resolve_days": None if med is None else round(med, 2),
        "actions_due": len(b.actions),
        "actions_overdue": sum(1 for a in b.actions if a.overdue),
    }


def _by_severity(facts: list[DefectFacts]) -> list[DefectFacts]:
    return sorted(facts, key=lambda f: (SEVERITY_ORDER[f.severity.value], f.id))


def digest_facts(e: Entry) -> DefectFacts | LessonFacts:
    """Everything `build` reads of an entry: digests are made from these facts and the entries'
    ids alone, so equal facts of every entry (and the same day) make equal digests, and the
    preview keeps them through a title or body edit (`SiteContext.digests`)."""
    m = e.model
    if e.kind == "defect":
        return DefectFacts(e.id, m.reported_at, m.resolved_at, m.closed_at, m.status, m.severity, m.online,
                           m.defect_type, m.reporter, m.assignee)
    return LessonFacts(e.id, m.created_at, m.cause_category, tuple(m.authors),
                       tuple((i.id, i.description, i.owner, i.due, i.status) for i in m.action_items))


def _places(f: DefectFacts | LessonFacts, today: date) -> Iterator[tuple[date, str, Any]]:
    """(day, what, item): where an entry's facts land: as a new or resolved defect, a defect
    leaving the backlog, a new lesson, an action item due."""
    if isinstance(f, DefectFacts):
        yield day(f.reported_at), "new_defects", f
        if f.resolved_at is not None:
            yield day(f.resolved_at), "resolved", f
        if (end := left_backlog(f.status, f.reported_at, f.resolved_at, f.closed_at)) is not None:
            yield end, "ended", None
        return
    yield day(f.created_at), "new_lessons", f
    for item_id, description, owner, due, status in f.items:
        when = day(due)
        yield when, "actions", _Action(f.id, item_id, description, owner, when, status.value,
                                       status not in _CLOSED and when < today)


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
    return DigestBook.open(kb, kinds=kinds).digests


@dataclass
class DigestBook:
    """The buckets of every period and the digests made from them: what the preview keeps
    between rebuilds and `update`s when a few entries' facts change."""

    today: date
    kinds: tuple[str, ...]
    buckets: dict[str, dict[Period, _Bucket]]
    digests: dict[str, list[Digest]]  # per kind, newest first

    @classmethod
    def open(cls, kb: KnowledgeBase, facts: Sequence[DefectFacts | LessonFacts] | None = None,
             kinds: tuple[str, ...] = KINDS) -> DigestBook:
        """The digests of `kb`, from its entries' facts (worked out here unless given)."""
        book = cls(kb.today, kinds, {k: defaultdict(_Bucket) for k in kinds}, {})
        book._move((), facts if facts is not None else [digest_facts(e) for e in kb.entries])
        for kind in kinds:
            periods = sorted((p for p, b in book.buckets[kind].items() if b.active), reverse=True)
            book.digests[kind] = book._make(kind, periods, kb.by_id)
        return book

    def update(self, changes: Sequence[tuple[DefectFacts | LessonFacts, DefectFacts | LessonFacts]],
               by_id: Mapping[str, Entry]) -> DigestBook:
        """The digests after some entries' facts changed from `before` to `after` (same day):
        only the digests of the periods they left or entered are made again, with those of the
        periods right after them (whose comparison with the previous period they change); later
        digests get their new backlog counts. Entries are this build's (`by_id`)."""
        touched = self._move([before for before, _ in changes], [after for _, after in changes])
        for kind in self.kinds:
            near = touched[kind] | {p.next() for p in touched[kind]}
            buckets = self.buckets[kind]
            kept = {d.period: d for d in self.digests[kind] if d.period not in near}
            made = self._make(kind, [p for p in near if p in buckets and buckets[p].active], by_id)
            ordered = sorted([*kept, *(d.period for d in made)], reverse=True)
            backlog = self._backlog(kind)
            digests = {d.period: d for d in made}
            for p, d in kept.items():  # an earlier change of the backlog shifts every later count
                now, before = backlog(p), backlog(p.previous())
                if d.counts["open_at_end"] != now or d.previous["open_at_end"] != before:
                    d = replace(d, counts={**d.counts, "open_at_end": now},
                                previous={**d.previous, "open_at_end": before})
                digests[p] = d
            self.digests[kind] = [digests[p] for p in ordered]
        return self

    def _move(self, taken: Sequence[DefectFacts | LessonFacts],
              added: Sequence[DefectFacts | LessonFacts]) -> dict[str, set[Period]]:
        """Takes facts out of their periods' buckets and puts others in; the periods touched."""
        kinds, buckets = self.kinds, self.buckets
        touched: dict[str, set[Period]] = {k: set() for k in kinds}
        by_day: dict[date, list[tuple[str, Period]]] = {}  # entries share days: each day's periods once
        for facts, add in ((taken, False), (added, True)):
            for f in facts:
                for when, what, item in _places(f, self.today):
                    periods = by_day.get(when)
                    if periods is None:
                        periods = by_day[when] = [(k, Period.of(k, when)) for k in kinds]
                    for kind, p in periods:
                        b = buckets[kind][p]
                        if what == "ended":
                            b.ended += 1 if add else -1
                        elif add:
                            getattr(b, what).append(item)
                        else:
                            getattr(b, what).remove(item)
                        if not add:
                            touched[kind].add(p)
                            if b.empty:
                                del buckets[kind][p]
                        elif taken:
                            touched[kind].add(p)
        return touched

    def _backlog(self, kind: str) -> Any:
        """Defects open at the end of a period: reported minus those that left the backlog."""
        ordered = sorted(self.buckets[kind])
        at_end, running = [], 0
        for p in ordered:
            b = self.buckets[kind][p]
            running += len(b.new_defects) - b.ended
            at_end.append(running)

        def open_at(p: Period) -> int:
            i = bisect_right(ordered, p)
            return at_end[i - 1] if i else 0

        return open_at

    def _make(self, kind: str, periods: Sequence[Period], by_id: Mapping[str, Entry]) -> list[Digest]:
        buckets = self.buckets[kind]
        backlog = self._backlog(kind)
        empty = _Bucket()
        out = []
        for p in periods:
            prev_p = p.previous()
            previous = _counts(buckets.get(prev_p) or empty, backlog(prev_p))
            out.append(_digest(p, buckets[p], _counts(buckets[p], backlog(p)), previous, by_id))
        return out


def _digest(p: Period, b: _Bucket, counts: dict[str, Any], previous: dict[str, Any],
            by_id: Mapping[str, Entry]) -> Digest:
    def entries(facts: list[DefectFacts] | list[LessonFacts]) -> list[Entry]:
        return [by_id[f.id] for f in facts]

    serious = {f.id: f for f in (*b.new_defects, *b.resolved) if f.severity in SEVERE}
    types = Counter(f.defect_type.value for f in b.new_defects if f.defect_type)
    causes = Counter(f.cause.value for f in b.new_lessons)
    people: dict[str, Counter[str]] = defaultdict(Counter)
    for f in b.new_defects:
        people[f.reporter]["reported"] += 1
    for f in b.resolved:
        if f.assignee:
            people[f.assignee]["resolved"] += 1
    for lf in b.new_lessons:
        for a in lf.authors:
            people[a]["lessons"] += 1
    contributors = sorted(((pid, {k: c.get(k, 0) for k in ("reported", "resolved", "lessons")})
                           for pid, c in people.items()), key=lambda pc: (-sum(pc[1].values()), pc[0]))
    actions = sorted(b.actions, key=lambda a: (not a.overdue, a.due, a.lesson, a.item_id, a))
    return Digest(
        period=p,
        new_defects=entries(_by_severity(b.new_defects)),
        resolved=entries(_by_severity(b.resolved)),
        new_lessons=entries(sorted(b.new_lessons, key=_ID)),
        serious=entries(_by_severity(list(serious.values()))),
        actions=[ActionRef(by_id[a.lesson], *a[1:]) for a in actions],
        counts=counts, previous=previous,
        top_types=sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
        top_causes=sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
        contributors=contributors,
    )
