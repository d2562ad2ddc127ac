"""Trend figures for the insights pages, the API and `kb stats`, from one pass over the entries.

A scope is the whole knowledge base, one product or one department. Every entry is added to
the few scopes it belongs to (its product(s), the departments of the people on it), so the
work is linear in the number of entries. The accumulators are kept with the figures (`Tally`),
so an edit of a few entries takes them out and puts them back (`Tally.update`) rather than going over
every entry again. Definitions of every figure are in kb.i18n and docs/insights.md.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from defectkb.analytics import day, median, month, percentile, resolve_days
from defectkb.enums import OPEN_DEFECT_STATUSES, ActionStatus, DefectStatus, Severity
from defectkb.knowledgebase import Entry, KnowledgeBase

SEVERE = frozenset({Severity.fatal, Severity.serious})
SEVERITIES = tuple(s.value for s in Severity)
MAX_MONTHS = 60  # monthly series show at most the last five years
UNCLASSIFIED = "unclassified"


def slug(name: str) -> str:
    """A URL segment for a free-text name (a department): lower case, words joined by `-`."""
    text = re.sub(r"[^\w]+", "-", name.strip().lower()).strip("-")
    return text or "unnamed"


def months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while (key := f"{y:04d}-{m:02d}") <= last:
        out.append(key)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def end_day(entry: Entry) -> date | None:
    """When a defect left the backlog: resolved or closed; None while it is open."""
    m = entry.model
    return left_backlog(m.status, m.reported_at, m.resolved_at, m.closed_at)


def left_backlog(status: DefectStatus, reported_at: date, resolved_at: date | None,
                 closed_at: date | None) -> date | None:
    """`end_day` from the fields it reads."""
    if status in OPEN_DEFECT_STATUSES:
        return None
    return day(resolved_at or closed_at or reported_at)


def needs_lesson(entry: Entry) -> bool:
    """Serious/fatal or production defects, rejected ones aside: a lesson is expected for them."""
    m = entry.model
    return (m.severity in SEVERE or m.online) and m.status is not DefectStatus.rejected


def dist(values: list[float]) -> dict[str, Any]:
    """Count, median and p90 (nearest rank) of durations in days, rounded for display."""
    med, p90 = median(values), percentile(values, 90)
    return {"n": len(values), "median": None if med is None else round(med, 2),
            "p90": None if p90 is None else round(p90, 2)}


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # all, product or department
    key: str  # "" for all; product key; department slug
    name: str

    @property
    def id(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.key}"


@dataclass(frozen=True, slots=True)
class _DefectFacts:
    """What every scope reads of a defect, worked out once per defect rather than once per scope."""

    id: str
    severity: str
    reported: str  # month
    end: str | None  # month it left the backlog; None while open
    reopened: bool
    online: bool
    type: str
    phase: tuple[str, str] | None
    resolve_days: float | None
    resolved: str  # month resolved ("" when not resolved)
    product: str
    needs_lesson: bool


def defect_facts(e: Entry) -> _DefectFacts:
    m = e.model
    end = end_day(e)
    t = resolve_days(e)
    return _DefectFacts(
        id=e.id, severity=m.severity.value, reported=month(day(m.reported_at)),
        end=None if end is None else month(end), reopened=m.reopen_count > 0, online=bool(m.online),
        type=m.defect_type.value if m.defect_type else UNCLASSIFIED,
        phase=(m.found_phase.value, m.injected_phase.value) if m.injected_phase is not None else None,
        resolve_days=t, resolved=month(day(m.resolved_at)) if t is not None else "", product=m.product,
        needs_lesson=needs_lesson(e))


@dataclass(frozen=True, slots=True)
class _LessonFacts:
    cause: str
    created: str  # month
    actions: tuple[str, ...]  # per action item: done, wont_do, open, or overdue (open and past due)


def lesson_facts(e: Entry, today: date) -> _LessonFacts:
    m = e.model
    states = []
    for item in m.action_items:
        if item.status is ActionStatus.done:
            states.append("done")
        elif item.status is ActionStatus.wont_do:
            states.append("wont_do")
        else:
            states.append("overdue" if day(item.due) < today else "open")
    return _LessonFacts(m.cause_category.value, month(day(m.created_at)), tuple(states))


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """Everything `compute` reads of one entry: equal facts in the same order give equal figures
    (the preview reuses the last figures when an edit left every entry's facts as they were)."""

    defect: _DefectFacts | None
    lesson: _LessonFacts | None
    linked: bool  # a defect with a lesson, whichever side records the link
    products: tuple[str, ...]
    departments: tuple[str, ...]


def entry_facts(e: Entry, dept_of: dict[str, str], linked: set[str], today: date) -> EntryFacts:
    products = tuple(dict.fromkeys(entry_products(e)))
    depts = tuple(sorted(entry_departments(e, dept_of)))
    if e.kind == "defect":
        return EntryFacts(defect_facts(e), None, e.id in linked, products, depts)
    return EntryFacts(None, lesson_facts(e, today), False, products, depts)


def department_of(kb: KnowledgeBase) -> dict[str, str]:
    """Person id -> the slug of their department."""
    return {pid: slug(p.department) for pid, p in kb.registry.people.items() if p.department}


@dataclass
class _Acc:
    """What a scope collects while the entries stream past."""

    defects: int = 0
    lessons: int = 0
    open: int = 0
    reopened: int = 0
    reported: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    resolved: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    backlog_delta: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)
    phases: Counter[tuple[str, str]] = field(default_factory=Counter)
    times_severity: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    times_product: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    times_month: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    times: list[float] = field(default_factory=list)
    online: Counter[str] = field(default_factory=Counter)
    lesson_months: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    coverage_needed: int = 0
    uncovered: list[str] = field(default_factory=list)

    def add_defect(self, f: _DefectFacts, linked: bool) -> None:
        self.defects += 1
        sev, reported = f.severity, f.reported
        self.reported[reported][sev] += 1
        self.backlog_delta[reported] += 1
        if f.end is None:
            self.open += 1
        else:
            self.backlog_delta[f.end] -= 1
        if f.reopened:
            self.reopened += 1
        if f.online:
            self.online[reported] += 1
        self.types[f.type] += 1
        if f.phase is not None:
            self.phases[f.phase] += 1
        if f.resolve_days is not None:
            t, resolved = f.resolve_days, f.resolved
            self.resolved[resolved][sev] += 1
            self.times.append(t)
            self.times_severity[sev].append(t)
            self.times_product[f.product].append(t)
            self.times_month[resolved].append(t)
        if f.needs_lesson:
            self.coverage_needed += 1
            if not linked:
                self.uncovered.append(f.id)

    def remove_defect(self, f: _DefectFacts, linked: bool) -> None:
        """Undo `add_defect(f, linked)`, leaving no key a fresh tally would not have."""
        self.defects -= 1
        sev, reported = f.severity, f.reported
        _less(self.reported, reported, sev)
        self.backlog_delta[reported] -= 1  # (zero deltas are harmless: only ever summed)
        if f.end is None:
            self.open -= 1
        else:
            self.backlog_delta[f.end] += 1
        if f.reopened:
            self.reopened -= 1
        if f.online:
            _less(self.online, reported)
        _less(self.types, f.type)
        if f.phase is not None:
            _less(self.phases, f.phase)
        if f.resolve_days is not None:
            t, resolved = f.resolve_days, f.resolved
            _less(self.resolved, resolved, sev)
            self.times.remove(t)
            for values, key in ((self.times_severity, sev), (self.times_product, f.product),
                                (self.times_month, resolved)):
                values[key].remove(t)
                if not values[key]:
                    del values[key]
        if f.needs_lesson:
            self.coverage_needed -= 1
            if not linked:
                self.uncovered.remove(f.id)

    def add_lesson(self, f: _LessonFacts) -> None:
        self.lessons += 1
        self.causes[f.cause] += 1
        self.lesson_months[f.created] += 1
        for state in f.actions:
            if state == "done" or state == "wont_do":
                self.actions[state] += 1
            else:
                self.actions["open"] += 1
                if state == "overdue":
                    self.actions["overdue"] += 1

    def remove_lesson(self, f: _LessonFacts) -> None:
        """Undo `add_lesson(f)`."""
        self.lessons -= 1
        _less(self.causes, f.cause)
        _less(self.lesson_months, f.created)
        for state in f.actions:
            if state == "done" or state == "wont_do":
                _less(self.actions, state)
            else:
                _less(self.actions, "open")
                if state == "overdue":
                    _less(self.actions, "overdue")

    @property
    def empty(self) -> bool:
        return not self.defects and not self.lessons

    def result(self, scope: Scope, today: date) -> Figures:
        active = [*self.reported, *self.resolved, *self.lesson_months]
        months = months_between(min(active), month(today))[-MAX_MONTHS:] if active else []
        backlog: dict[str, int] = {}
        running = sum(n for k, n in self.backlog_delta.items() if months and k < months[0])
        for key in months:
            running += self.backlog_delta.get(key, 0)
            backlog[key] = running
        covered = self.coverage_needed - len(self.uncovered)
        return Figures(
            scope=scope, today=today, months=months, defects=self.defects, lessons=self.lessons,
            open=self.open, reopened=self.reopened,
            reported={k: _by_severity(self.reported[k]) for k in months if k in self.reported},
            resolved={k: _by_severity(self.resolved[k]) for k in months if k in self.resolved},
            backlog=backlog,
            defect_types=pareto(self.types, exclude=UNCLASSIFIED),
            unclassified=self.types.get(UNCLASSIFIED, 0),
            causes=pareto(self.causes),
            phases=dict(sorted(self.phases.items())),
            resolve_all=dist(self.times),
            resolve_by_severity={s.value: dist(self.times_severity[s.value]) for s in Severity
                                 if s.value in self.times_severity},
            resolve_by_product={p: dist(v) for p, v in sorted(self.times_product.items())},
            resolve_by_month={k: dist(self.times_month[k]) for k in months if k in self.times_month},
            escapes={k: (self.online.get(k, 0), sum(self.reported[k].values())) for k in months
                     if k in self.reported},
            online=sum(self.online.values()),
            lessons_by_month={k: self.lesson_months[k] for k in months if k in self.lesson_months},
            actions={k: self.actions.get(k, 0) for k in ("open", "overdue", "done", "wont_do")},
            coverage_needed=self.coverage_needed, coverage_covered=covered,
            uncovered=sorted(self.uncovered),
        )


def _less(counts: dict[Any, Any], key: Any, inner: str | None = None) -> None:
    """One fewer under `key` (under `key`, then `inner`), dropping what reaches zero."""
    if inner is not None:
        _less(counts[key], inner)
        if not counts[key]:
            del counts[key]
        return
    counts[key] -= 1
    if not counts[key]:
        del counts[key]


def _by_severity(counts: Counter[str]) -> dict[str, int]:
    """Counts per severity, most severe first: the same order however the counts were made."""
    return {s: counts[s] for s in SEVERITIES if s in counts}


def pareto(counts: Counter[str], exclude: str | None = None) -> list[tuple[str, int, float]]:
    """(key, count, cumulative share) in descending count order, ties by key."""
    items = sorted(((k, n) for k, n in counts.items() if k != exclude), key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for _, n in items)
    out, running = [], 0
    for k, n in items:
        running += n
        out.append((k, n, round(running / total, 4)))
    return out


@dataclass
class Figures:
    scope: Scope
    today: date
    months: list[str]
    defects: int
    lessons: int
    open: int
    reopened: int
    reported: dict[str, dict[str, int]]  # month -> severity -> count
    resolved: dict[str, dict[str, int]]
    backlog: dict[str, int]  # month -> defects open at the end of it
    defect_types: list[tuple[str, int, float]]
    unclassified: int
    causes: list[tuple[str, int, float]]
    phases: dict[tuple[str, str], int]  # (found, injected) -> count
    resolve_all: dict[str, Any]
    resolve_by_severity: dict[str, dict[str, Any]]
    resolve_by_product: dict[str, dict[str, Any]]
    resolve_by_month: dict[str, dict[str, Any]]
    escapes: dict[str, tuple[int, int]]  # month -> (found in production, reported)
    online: int
    lessons_by_month: dict[str, int]
    actions: dict[str, int]
    coverage_needed: int
    coverage_covered: int
    uncovered: list[str]

    @property
    def escape_rate(self) -> float | None:
        return self.online / self.defects if self.defects else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.defects if self.defects else None

    @property
    def coverage(self) -> float | None:
        return self.coverage_covered / self.coverage_needed if self.coverage_needed else None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (the `figures` object of api/stats.json; schema in docs/api-stats.md)."""
        def rate(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "scope": {"kind": self.scope.kind, "key": self.scope.key, "name": self.scope.name},
            "defects": self.defects, "lessons": self.lessons, "open": self.open,
            "reopened": self.reopened, "reopen_rate": rate(self.reopen_rate),
            "online": self.online, "escape_rate": rate(self.escape_rate),
            "months": self.months,
            "reported": self.reported, "resolved": self.resolved, "backlog": self.backlog,
            "defect_types": [{"key": k, "count": n, "cumulative": c} for k, n, c in self.defect_types],
            "unclassified": self.unclassified,
            "causes": [{"key": k, "count": n, "cumulative": c} for k, n, c in self.causes],
            "phases": [{"found": f, "injected": i, "count": n} for (f, i), n in self.phases.items()],
            "resolve_days": {"all": self.resolve_all, "by_severity": self.resolve_by_severity,
                             "by_product": self.resolve_by_product, "by_month": self.resolve_by_month},
            "escapes": {k: {"online": o, "reported": n, "rate": rate(o / n if n else None)}
                        for k, (o, n) in self.escapes.items()},
            "lessons_by_month": self.lessons_by_month,
            "actions": self.actions,
            "coverage": {"needed": self.coverage_needed, "covered": self.coverage_covered,
                         "rate": rate(self.coverage), "uncovered": self.uncovered},
        }


def lesson_linked_ids(kb: KnowledgeBase) -> set[str]:
    """Defects that have a lesson, whichever side records the link."""
    linked = {e.id for e in kb.entries if e.kind == "defect" and e.model.related_lessons}
    for e in kb.entries:
        if e.kind == "lesson":
            linked.update(e.model.source_defects)
    return linked


def departments(kb: KnowledgeBase) -> dict[str, str]:
    """Department slug -> name, for every department in the people registry."""
    out: dict[str, str] = {}
    for person in kb.registry.people.values():
        if person.department:
            out.setdefault(slug(person.department), person.department)
    return dict(sorted(out.items()))


def entry_people(entry: Entry) -> Iterable[str]:
    m = entry.model
    if entry.kind == "defect":
        return (p for p in (m.pm, m.reporter, m.assignee, m.verifier) if p)
    return (m.pm, *m.authors)


def entry_departments(entry: Entry, dept_of: dict[str, str]) -> set[str]:
    """Departments taking part in an entry: those of its PM, reporter, assignee, verifier, authors."""
    return {d for p in entry_people(entry) if (d := dept_of.get(p))}


def entry_products(entry: Entry) -> list[str]:
    return [entry.model.product] if entry.kind == "defect" else list(entry.model.products)


@dataclass
class AllFigures:
    site: Figures
    products: dict[str, Figures]
    departments: dict[str, Figures]  # by slug

    def scopes(self) -> Iterable[Figures]:
        yield self.site
        yield from self.products.values()
        yield from self.departments.values()


@dataclass
class Tally:
    """Every scope's accumulator and the figures made from them: what `update` changes when a
    few entries' facts change (the preview keeps it between rebuilds, `SiteContext.figures`)."""

    site: _Acc
    products: dict[str, _Acc]
    departments: dict[str, _Acc]
    figures: AllFigures
    registered: frozenset[str]  # products of the registry: their scopes stay, even empty

    @classmethod
    def open(cls, kb: KnowledgeBase, facts: Sequence[EntryFacts] | None = None) -> Tally:
        """The figures of every scope in one pass over the entries (or over their `facts`, if known)."""
        reg = kb.registry
        dept_names = departments(kb)
        today = kb.today
        if facts is None:
            dept_of, linked = department_of(kb), lesson_linked_ids(kb)
            facts = [entry_facts(e, dept_of, linked, today) for e in kb.entries]
        site = _Acc()
        products: dict[str, _Acc] = {key: _Acc() for key in reg.products}
        depts: dict[str, _Acc] = {key: _Acc() for key in dept_names}
        for f in facts:
            accs = [site]
            accs += [products.setdefault(p, _Acc()) for p in f.products]
            accs += [depts[d] for d in f.departments]
            if f.defect is not None:
                for acc in accs:
                    acc.add_defect(f.defect, f.linked)
            else:
                assert f.lesson is not None
                for acc in accs:
                    acc.add_lesson(f.lesson)
        figures = AllFigures(
            site=site.result(Scope("all", "", ""), today),
            products={k: a.result(Scope("product", k, reg.products[k].name if k in reg.products else k), today)
                      for k, a in products.items()},
            departments={k: a.result(Scope("department", k, dept_names[k]), today) for k, a in depts.items()},
        )
        return cls(site, products, depts, figures, frozenset(reg.products))

    def update(self, changes: Sequence[tuple[EntryFacts, EntryFacts]], today: date) -> bool:
        """Some entries' facts changed from `before` to `after` (same registry, same day, same
        lesson links): each is taken out of the scopes it was in and added to those it is in, and
        only those scopes' figures are made again. False when the set of scopes would change (a
        product outside the registry comes or goes): the tally is spoilt then; open a new one."""
        if any(p not in self.products for _, after in changes for p in after.products):
            return False
        touched: set[tuple[str, str]] = set()
        # every old fact out before any new one goes in: a pair need not be one entry's (entries
        # that moved in the list pair up by place), but together they are the same facts
        for f, add in [*((before, False) for before, _ in changes), *((after, True) for _, after in changes)]:
            scopes = [("all", ""), *(("product", p) for p in f.products), *(("department", d) for d in f.departments)]
            touched.update(scopes)
            for kind, key in scopes:
                acc = self.site if kind == "all" else self.products[key] if kind == "product" else self.departments[key]
                if f.defect is not None:
                    (acc.add_defect if add else acc.remove_defect)(f.defect, f.linked)
                else:
                    assert f.lesson is not None
                    (acc.add_lesson if add else acc.remove_lesson)(f.lesson)
        if any(kind == "product" and k not in self.registered and self.products[k].empty for kind, k in touched):
            return False
        old = self.figures

        def again(kind: str, key: str, acc: _Acc, figures: Figures) -> Figures:
            return acc.result(figures.scope, today) if (kind, key) in touched else figures

        self.figures = AllFigures(
            site=again("all", "", self.site, old.site),
            products={k: again("product", k, a, old.products[k]) for k, a in self.products.items()},
            departments={k: again("department", k, a, old.departments[k]) for k, a in self.departments.items()},
        )
        return True


def compute(kb: KnowledgeBase, facts: Sequence[EntryFacts] | None = None) -> AllFigures:
    """Figures of every scope in one pass over the entries (or over their `facts`, if known)."""
    return Tally.open(kb, facts).figures
