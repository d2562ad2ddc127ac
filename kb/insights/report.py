"""`kb stats`: the same figures as api/stats.json, for a scope and optionally one period,
as JSON or as readable tables (rich) on a terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from defectkb.analytics import people_stats
from defectkb.insights.api import VERSION, person_json, scoped
from defectkb.insights.digests import build as build_digests
from defectkb.insights.figures import compute, departments, slug
from defectkb.insights.periods import Period, PeriodError
from defectkb.knowledgebase import KnowledgeBase
from rich.console import Console
from rich.table import Table


class StatsError(ValueError):
    """A filter names nothing in the knowledge base; the message says what exists."""


@dataclass
class Filters:
    pm: str | None = None
    product: str | None = None
    department: str | None = None
    period: str | None = None


def _check(kb: KnowledgeBase, f: Filters) -> Period | None:
    reg = kb.registry
    if f.pm and f.pm not in reg.people:
        raise StatsError(f"unknown person `{f.pm}`; people: {', '.join(sorted(reg.pms()))} (PMs)")
    if f.product and f.product not in reg.products:
        raise StatsError(f"unknown product `{f.product}`; products: {', '.join(reg.products)}")
    if f.department:
        known = departments(kb)
        if slug(f.department) not in known:
            raise StatsError(f"unknown department `{f.department}`; departments: {', '.join(known.values())}")
    if f.period:
        try:
            return Period.parse(f.period)
        except PeriodError as exc:
            raise StatsError(str(exc)) from None
    return None


def stats(kb: KnowledgeBase, f: Filters) -> dict[str, Any]:
    """The figures of the filtered entries; with a period, that period's digest as well."""
    period = _check(kb, f)
    sub = scoped(kb, product=f.product, department=f.department, pm=f.pm)
    figures = compute(sub).site.as_json()
    figures["scope"] = {"kind": "filtered" if any((f.pm, f.product, f.department)) else "all",
                        "key": "", "name": ""}
    out: dict[str, Any] = {
        "version": VERSION, "as_of": kb.today.isoformat(),
        "filters": {"pm": f.pm, "product": f.product, "department": f.department, "period": f.period},
        "figures": figures,
    }
    if f.pm:
        out["person"] = person_json(f.pm, people_stats(kb)[f.pm])
    if period is not None:
        found = [d for d in build_digests(sub, (period.kind,))[period.kind] if d.period == period]
        out["digest"] = found[0].as_json() if found else None
    return out


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def print_text(data: dict[str, Any], console: Console | None = None) -> None:
    """Readable tables: the headline figures, Pareto tops, per-month flow, and the digest if any."""
    console = console or Console()
    fig = data["figures"]
    filters = ", ".join(f"{k}={v}" for k, v in data["filters"].items() if v) or "whole knowledge base"
    head = Table(title=f"DefectKB figures ({filters}), as of {data['as_of']}", show_header=True,
                 title_justify="left")
    head.add_column("figure")
    head.add_column("value", justify="right")
    ttr = fig["resolve_days"]["all"]
    cov = fig["coverage"]
    rows = [
        ("defects", fig["defects"]), ("open", fig["open"]), ("lessons", fig["lessons"]),
        ("production escape rate", f"{_pct(fig['escape_rate'])} ({fig['online']}/{fig['defects']})"),
        ("reopen rate", f"{_pct(fig['reopen_rate'])} ({fig['reopened']}/{fig['defects']})"),
        ("time to resolve, median (days)", _fmt(ttr["median"])), ("time to resolve, p90 (days)", _fmt(ttr["p90"])),
        ("action items open / overdue / done",
         f"{fig['actions']['open']} / {fig['actions']['overdue']} / {fig['actions']['done']}"),
        ("lesson coverage", f"{_pct(cov['rate'])} ({cov['covered']}/{cov['needed']})"),
    ]
    for name, value in rows:
        head.add_row(name, _fmt(value))
    console.print(head)
    for key, title in (("defect_types", "defect types (Pareto)"), ("causes", "root causes of lessons (Pareto)")):
        if fig[key]:
            t = Table(title=title, title_justify="left")
            for col, just in (("value", "left"), ("count", "right"), ("cumulative", "right")):
                t.add_column(col, justify=just)  # type: ignore[arg-type]
            for item in fig[key][:10]:
                t.add_row(item["key"], str(item["count"]), _pct(item["cumulative"]))
            console.print(t)
    if fig["months"]:
        t = Table(title="per month (last 12)", title_justify="left")
        for col in ("month", "reported", "resolved", "open at end", "escape rate"):
            t.add_column(col, justify="left" if col == "month" else "right")
        for m in fig["months"][-12:]:
            rep = sum(fig["reported"].get(m, {}).values())
            res = sum(fig["resolved"].get(m, {}).values())
            esc = fig["escapes"].get(m)
            t.add_row(m, str(rep), str(res), str(fig["backlog"].get(m, 0)), _pct(esc["rate"]) if esc else "—")
        console.print(t)
    if "person" in data:
        p = data["person"]
        t = Table(title=f"PM {p['person']}", title_justify="left")
        t.add_column("figure")
        t.add_column("value", justify="right")
        for k in ("owned_defects", "owned_lessons", "open_now", "median_resolve_days", "p90_resolve_days",
                  "lessons_written", "actions_open", "actions_overdue"):
            t.add_row(k.replace("_", " "), _fmt(p[k]))
        t.add_row("escape rate", _pct(p["escape_rate"]))
        t.add_row("reopen rate", _pct(p["reopen_rate"]))
        console.print(t)
    if "digest" in data:
        d = data["digest"]
        if d is None:
            console.print(f"period {data['filters']['period']}: no activity")
            return
        t = Table(title=f"digest {d['period']} ({d['start']} – {d['end']})", title_justify="left")
        for col in ("figure", "this period", "previous", "change"):
            t.add_column(col, justify="left" if col == "figure" else "right")
        for k, v in d["counts"].items():
            before = d["previous"][k]
            change = "—" if v is None or before is None else (
                "=" if v == before else f"{'▲' if v > before else '▼'} {v - before:+.4g}")
            t.add_row(k.replace("_", " "), _fmt(v), _fmt(before), change)
        console.print(t)
        for key in ("serious", "new_defects", "resolved", "new_lessons"):
            if d[key]:
                console.print(f"{key.replace('_', ' ')}: {', '.join(d[key])}")
