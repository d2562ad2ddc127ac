"""The figures as data: the `api/stats.json` document and `kb stats` (schema in docs/api-stats.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from defectkb.analytics import PersonStats, median, people_stats, percentile
from defectkb.enums import Role
from defectkb.insights.digests import Digest
from defectkb.insights.digests import build as build_digests
from defectkb.insights.figures import AllFigures, Figures, compute, entry_departments, entry_products, slug
from defectkb.knowledgebase import KnowledgeBase

VERSION = 1


def person_json(pid: str, s: PersonStats) -> dict[str, Any]:
    """A person's contribution figures, as on their page."""
    times = s.resolve_times()
    med, p90 = median(times), percentile(times, 90)
    esc_rate, reopen = s.escape_rate(), s.reopen_rate()
    return {
        "person": pid,
        "owned_defects": len(s.owned_defects),
        "owned_lessons": len(s.owned_lessons),
        "open_now": len(s.open_now()),
        "median_resolve_days": None if med is None else round(med, 2),
        "p90_resolve_days": None if p90 is None else round(p90, 2),
        "escape_rate": None if esc_rate is None else round(esc_rate, 4),
        "reopen_rate": None if reopen is None else round(reopen, 4),
        "lessons_written": len(s.written),
        "actions_open": s.actions_open,
        "actions_overdue": s.actions_overdue,
        "actions_done": s.actions_done,
        "severity": dict(sorted(s.severity_mix().items())),
        "status": dict(sorted(s.status_mix().items())),
        "monthly": {k: dict(sorted(v.items())) for k, v in sorted(s.monthly_activity().items())},
    }


def stats_document(kb: KnowledgeBase, figures: AllFigures | None = None,
                   digests: dict[str, list[Digest]] | None = None,
                   people: dict[str, PersonStats] | None = None,
                   person_doc: Callable[[str, PersonStats], dict[str, Any]] = person_json,
                   json_of: Callable[[Figures | Digest], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything behind the insights, digest and PM pages, as one JSON-ready object.

    `person_doc` makes a person's part and `json_of` a scope's or a digest's (the preview passes
    ones that reuse the parts of what an edit left as it was).
    """
    part = json_of or (lambda made: made.as_json())
    figures = figures or compute(kb)
    digests = digests if digests is not None else build_digests(kb)
    people = people or people_stats(kb)
    pms = [pid for pid, p in kb.registry.people.items() if Role.pm in p.roles]
    return {
        "version": VERSION,
        "as_of": kb.today.isoformat(),
        "figures": {
            "all": part(figures.site),
            "products": {k: part(f) for k, f in figures.products.items()},
            "departments": {k: part(f) for k, f in figures.departments.items()},
        },
        "people": {pid: person_doc(pid, people[pid]) for pid in pms if pid in people},
        "digests": {kind: [part(d) for d in ds] for kind, ds in digests.items()},
    }


def scoped(kb: KnowledgeBase, *, product: str | None = None, department: str | None = None,
           pm: str | None = None) -> KnowledgeBase:
    """The same knowledge base with only the entries of a product, a department and/or a PM.

    `department` is matched by name or by its URL slug. Links still resolve (by_id is kept).
    """
    dept_of = {pid: slug(p.department) for pid, p in kb.registry.people.items() if p.department}
    want = slug(department) if department else None
    entries = [e for e in kb.entries
               if (product is None or product in entry_products(e))
               and (pm is None or e.model.pm == pm)
               and (want is None or want in entry_departments(e, dept_of))]
    return dataclasses.replace(kb, entries=entries)
