"""Figures computed from the entries at build time, never typed in.

Everything here is one pass over the entries (O(entries), not O(entries × people)). The
per-person figures are the contribution page's; their definitions are printed on each page
(kb.i18n) so the numbers can be explained in a review.
"""

from __future__ import annotations

import heapq
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from defectkb.enums import OPEN_DEFECT_STATUSES, ActionStatus, DefectStatus, Severity
from defectkb.knowledgebase import Entry, KnowledgeBase


def moment(value: date) -> datetime:
    """A timestamp as an aware datetime; a bare date counts as its noon UTC."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(12), tzinfo=UTC)


def day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def resolve_days(entry: Entry) -> float | None:
    """Days from reported to resolved, for fixed defects."""
    d = entry.model
    if entry.kind != "defect" or d.resolved_at is None:
        return None
    return days_between(d.reported_at, d.resolved_at)


def days_between(start: date, end: date) -> float:
    """Days from one timestamp to a later one (0 if it is not later)."""
    return max(0.0, (moment(end) - moment(start)).total_seconds() / 86400)


def entry_date(entry: Entry) -> date:
    """The date an entry is filed under: reported (defects) or created (lessons)."""
    m = entry.model
    return day(m.reported_at if entry.kind == "defect" else m.created_at)


def month(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: a value that actually occurred, easy to explain."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def is_open(entry: Entry) -> bool:
    return entry.kind == "defect" and entry.model.status in OPEN_DEFECT_STATUSES


@dataclass
class PersonStats:
    person: str
    owned: list[Entry] = field(default_factory=list)  # as PM
    reported: list[Entry] = field(default_factory=list)
    assigned: list[Entry] = field(default_factory=list)
    verified: list[Entry] = field(default_factory=list)
    written: list[Entry] = field(default_factory=list)  # lessons authored
    reviewed: list[Entry] = field(default_factory=list)
    actions_open: int = 0
    actions_overdue: int = 0
    actions_done: int = 0

    @property
    def owned_defects(self) -> list[Entry]:
        return [e for e in self.owned if e.kind == "defect"]

    @property
    def owned_lessons(self) -> list[Entry]:
        return [e for e in self.owned if e.kind == "lesson"]

    def severity_mix(self) -> Counter[str]:
        return Counter(e.model.severity.value for e in self.owned_defects)

    def status_mix(self) -> Counter[str]:
        return Counter(e.model.status.value for e in self.owned_defects)

    def open_now(self) -> list[Entry]:
        return [e for e in self.owned_defects if is_open(e)]

    def resolve_times(self) -> list[float]:
        return [t for e in self.owned_defects if (t := resolve_days(e)) is not None]

    def escape_rate(self) -> float | None:
        defects = self.owned_defects
        return sum(1 for e in defects if e.model.online) / len(defects) if defects else None

    def reopen_rate(self) -> float | None:
        defects = self.owned_defects
        return sum(1 for e in defects if e.model.reopen_count > 0) / len(defects) if defects else None

    def involved(self) -> list[Entry]:
        seen: dict[str, Entry] = {}
        for group in (self.owned, self.reported, self.assigned, self.verified, self.written, self.reviewed):
            for e in group:
                seen.setdefault(e.id, e)
        return sorted(seen.values(), key=entry_date, reverse=True)

    def monthly_activity(self) -> dict[str, Counter[str]]:
        """Per month: defects reported as PM-owned, defects resolved, lessons written."""
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for e in self.owned_defects:
            out[month(entry_date(e))]["reported"] += 1
            if e.model.resolved_at is not None:
                out[month(day(e.model.resolved_at))]["resolved"] += 1
        for e in self.written:
            out[month(entry_date(e))]["lessons"] += 1
        return dict(out)


def people_facts(e: Entry) -> tuple[object, ...]:
    """Everything `people_stats` reads of an entry: equal facts of every entry (and the same day)
    make equal figures, up to which entry objects the lists hold (`rebind_people`)."""
    m = e.model
    if e.kind == "defect":
        return ("defect", e.id, m.pm, m.reporter, m.assignee, m.verifier)
    return ("lesson", e.id, m.pm, tuple(m.authors), tuple(m.reviewers),
            tuple((i.owner, i.status, i.due) for i in m.action_items))


def overview_facts(e: Entry) -> tuple[object, ...]:
    """Everything the figures of `PersonStats` read of an entry (owned, open now, resolve times,
    escape and reopen rates, lessons written, open actions): `people_facts` and a defect's state."""
    m = e.model
    if e.kind == "defect":
        return (people_facts(e), m.status, m.reported_at, m.resolved_at, m.online, m.reopen_count)
    return (people_facts(e),)


def rebind_people(stats: dict[str, PersonStats], by_id: Mapping[str, Entry]) -> dict[str, PersonStats]:
    """Figures made from equal facts, holding this build's entries (their other fields may differ)."""

    def now(entries: list[Entry]) -> list[Entry]:
        return [by_id[e.id] for e in entries]

    return {pid: replace(s, owned=now(s.owned), reported=now(s.reported), assigned=now(s.assigned),
                         verified=now(s.verified), written=now(s.written), reviewed=now(s.reviewed))
            for pid, s in stats.items()}


def people_stats(kb: KnowledgeBase) -> dict[str, PersonStats]:
    """Figures for every person in the registry, from one pass over the entries."""
    stats = {pid: PersonStats(pid) for pid in kb.registry.people}

    def of(pid: str | None) -> PersonStats | None:
        return stats.get(pid) if pid else None

    for e in kb.entries:
        m = e.model
        if s := of(m.pm):
            s.owned.append(e)
        if e.kind == "defect":
            for pid, group in ((m.reporter, "reported"), (m.assignee, "assigned"), (m.verifier, "verified")):
                if s := of(pid):
                    getattr(s, group).append(e)
            continue
        for pid in m.authors:
            if s := of(pid):
                s.written.append(e)
        for pid in m.reviewers:
            if s := of(pid):
                s.reviewed.append(e)
        for item in m.action_items:
            if (s := of(item.owner)) is None:
                continue
            if item.status in (ActionStatus.done, ActionStatus.wont_do):
                s.actions_done += 1
            else:
                s.actions_open += 1
                if day(item.due) < kb.today:
                    s.actions_overdue += 1
    return stats


@dataclass
class Summary:
    defects: int
    lessons: int
    open_defects: int
    open_severe: list[Entry]
    latest: list[Entry]
    median_resolve_days: float | None
    p90_resolve_days: float | None
    escape_rate: float | None
    by_severity: Counter[str]
    by_status: Counter[str]


def summary_facts(e: Entry) -> tuple[object, ...]:
    """Everything `summary` reads of an entry (see `people_facts`)."""
    m = e.model
    if e.kind == "defect":
        return ("defect", e.id, m.status, m.severity, m.reported_at, m.resolved_at, m.online)
    return ("lesson", e.id, m.created_at)


def rebind_summary(s: Summary, by_id: Mapping[str, Entry]) -> Summary:
    return replace(s, open_severe=[by_id[e.id] for e in s.open_severe], latest=[by_id[e.id] for e in s.latest])


_SEVERE = (Severity.fatal, Severity.serious)


@dataclass
class SummaryTally:
    """What `summary` counts, from the entries' `summary_facts`: an edit of a few entries
    takes their facts out and puts the new ones in (`update`) instead of counting again."""

    defects: int = 0
    lessons: int = 0
    open_defects: int = 0
    online: int = 0
    times: list[float] = field(default_factory=list)
    by_severity: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    open_severe: dict[str, tuple[bool, date, str]] = field(default_factory=dict)  # id -> place in the list
    dates: dict[str, tuple[date, str]] = field(default_factory=dict)  # id -> (date filed, id): the latest

    @classmethod
    def open(cls, facts: list[tuple[object, ...]]) -> SummaryTally:
        tally = cls()
        for f in facts:
            tally._count(f, 1)
        return tally

    def update(self, changes: list[tuple[tuple[object, ...], tuple[object, ...]]]) -> None:
        """Old facts out, then new ones in (a pair need not be one entry's: see `Tally.update`)."""
        for before, _ in changes:
            self._count(before, -1)
        for _, after in changes:
            self._count(after, 1)

    def _count(self, f: tuple[Any, ...], n: int) -> None:
        if f[0] == "lesson":
            _, eid, created = f
            self.lessons += n
            self._date(eid, day(created), n)
            return
        _, eid, status, severity, reported, resolved, online = f
        self.defects += n
        self._date(eid, day(reported), n)
        if resolved is not None:
            if n > 0:
                self.times.append(days_between(reported, resolved))
            else:
                self.times.remove(days_between(reported, resolved))
        if online:
            self.online += n
        for counts, key in ((self.by_severity, severity.value), (self.by_status, status.value)):
            counts[key] += n
            if not counts[key]:
                del counts[key]
        if status in OPEN_DEFECT_STATUSES:
            self.open_defects += n
            if severity in _SEVERE and status is not DefectStatus.deferred:
                if n > 0:
                    self.open_severe[eid] = (severity != Severity.fatal, day(reported), eid)
                else:
                    del self.open_severe[eid]

    def _date(self, eid: str, when: date, n: int) -> None:
        if n > 0:
            self.dates[eid] = (when, eid)
        else:
            del self.dates[eid]

    def summary(self, by_id: Mapping[str, Entry], latest: int = 10) -> Summary:
        return Summary(
            defects=self.defects,
            lessons=self.lessons,
            open_defects=self.open_defects,
            open_severe=[by_id[key[2]] for key in sorted(self.open_severe.values())],
            latest=[by_id[eid] for _, eid in heapq.nlargest(latest, self.dates.values())],
            median_resolve_days=median(self.times),
            p90_resolve_days=percentile(self.times, 90),
            escape_rate=self.online / self.defects if self.defects else None,
            by_severity=+self.by_severity,
            by_status=+self.by_status,
        )


def summary(kb: KnowledgeBase, latest: int = 10) -> Summary:
    """The home page's figures and lists (open severe defects: fatal first, then oldest first)."""
    return SummaryTally.open([summary_facts(e) for e in kb.entries]).summary(kb.by_id, latest)
