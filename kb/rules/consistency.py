"""Cross-field rules inside one entry: time order, versions, escapes, duties, action items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from defectkb.diagnostics import Diagnostic, Severity
from defectkb.enums import ActionStatus, FoundPhase, ImpactScope, Priority
from defectkb.enums import Severity as Sev
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase

DEFECT_CLOCK = ("occurred_at", "reported_at", "resolved_at", "verified_at", "closed_at")
LESSON_CLOCK = ("event_date", "created_at", "reviewed_at", "published_at")


def as_day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def before(a: date, b: date) -> bool:
    """a < b, comparing calendar days when either side has no time of day."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a < b
    return as_day(a) < as_day(b)


def check_consistency(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    horizon = kb.today + timedelta(days=1)  # a day of slack for time zones ahead of UTC
    for entry in kb.entries:
        clock = DEFECT_CLOCK if entry.kind == "defect" else LESSON_CLOCK
        yield from _time_order(entry, clock, horizon)
        if entry.kind == "defect":
            yield from _defect(entry)
        else:
            yield from _lesson(kb, entry)


def _time_order(entry: Entry, clock: tuple[str, ...], horizon: date) -> Iterator[Diagnostic]:
    last: tuple[str, date] | None = None
    for name in clock:
        value = getattr(entry.model, name)
        if value is None:
            continue
        if as_day(value) > horizon:
            yield entry.diag("KB302", entry.pos(name), f"`{name}` is in the future: {value}",
                             "correct the date")
        if last and before(value, last[1]):
            yield entry.diag("KB301", entry.pos(name),
                             f"`{name}` ({value}) is before `{last[0]}` ({last[1]})",
                             f"the order is {' ≤ '.join(clock)}")
        last = (name, value)


def _defect(entry: Entry) -> Iterator[Diagnostic]:
    d = entry.model
    if d.fixed_version:
        if d.fixed_version in d.affected_versions:
            yield entry.diag("KB303", entry.pos("fixed_version"),
                             f"fixed version `{d.fixed_version}` is also listed as affected",
                             "the fixed version is the first release that contains the fix")
        else:
            try:
                fixed = Version(d.fixed_version)
                highest = max(Version(v) for v in d.affected_versions)
            except InvalidVersion:
                pass  # free-form versions ("2025.06 hotfix") are not ordered
            else:
                if fixed <= highest:
                    yield entry.diag("KB303", entry.pos("fixed_version"),
                                     f"fixed version `{d.fixed_version}` is not after the highest "
                                     f"affected version `{highest}`",
                                     "the fixed version is the first release that contains the fix")
    production = d.found_phase is FoundPhase.production
    if d.online != production:
        yield entry.diag("KB304", entry.pos("online"),
                         f"`online: {str(d.online).lower()}` but `found_phase: {d.found_phase.value}`",
                         "a defect is online exactly when it was found in production")
    if d.online and d.impact_scope is ImpactScope.internal:
        yield entry.diag("KB304", entry.pos("impact_scope"),
                         "an online defect reached users; its impact cannot be `internal`",
                         "use single, partial or all")
    if d.priority and not d.priority_rationale:
        if d.severity is Sev.fatal and d.priority in (Priority.p2, Priority.p3):
            yield entry.diag("KB305", entry.pos("priority"),
                             f"a fatal defect at priority {d.priority.value}", "raise it to p0 or p1, or give "
                             "`priority_rationale`", Severity.WARNING)
        if d.severity is Sev.minor and d.priority is Priority.p0:
            yield entry.diag("KB305", entry.pos("priority"), "a minor defect at priority p0",
                             "lower it, or give `priority_rationale`", Severity.WARNING)
    if d.verifier and d.verifier == d.assignee:
        severe = d.severity in (Sev.fatal, Sev.serious)
        yield entry.diag("KB306", entry.pos("verifier"),
                         f"`{d.verifier}` both fixed and verified this defect",
                         "have someone else verify the fix", Severity.ERROR if severe else Severity.WARNING)
    if (d.resolution is not None and d.resolution.value == "duplicate") != (d.duplicate_of is not None):
        if d.duplicate_of is None:
            yield entry.diag("KB309", entry.pos("resolution"), "resolution `duplicate` needs `duplicate_of`",
                             "name the original defect: `duplicate_of: DEF-0001`")
        else:
            yield entry.diag("KB309", entry.pos("duplicate_of"),
                             "`duplicate_of` is set but the resolution is not `duplicate`",
                             "set `resolution: duplicate` (status rejected) or remove duplicate_of")


def _lesson(kb: KnowledgeBase, entry: Entry) -> Iterator[Diagnostic]:
    les = entry.model
    both = sorted(set(les.authors) & set(les.reviewers))
    if both:
        yield entry.diag("KB306", entry.pos("reviewers"),
                         f"{', '.join(f'`{p}`' for p in both)} both wrote and reviewed this lesson",
                         "a lesson is reviewed by someone who did not write it")
    seen: set[str] = set()
    for i, item in enumerate(les.action_items):
        if item.id in seen:
            yield entry.diag("KB307", entry.pos("action_items", i, "id"), f"action item id `{item.id}` repeats",
                             "number action items A1, A2, ...")
        seen.add(item.id)
        if before(item.due, les.created_at):
            yield entry.diag("KB307", entry.pos("action_items", i, "due"),
                             f"action item {item.id} is due ({item.due}) before the lesson was created "
                             f"({les.created_at})", "give a due date after created_at")
        if item.status in (ActionStatus.todo, ActionStatus.in_progress) and as_day(item.due) < kb.today:
            yield entry.diag("KB308", entry.pos("action_items", i, "due"),
                             f"action item {item.id} ({item.owner}) was due {item.due} and is still "
                             f"{item.status.value}", "finish it, move the date, or mark it wont_do",
                             Severity.WARNING)
