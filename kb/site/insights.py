"""Insights pages (site, per product, per department), their charts, and the reading lists.

Figures come from defectkb.insights (computed once per build); this module only lays them out.
Every chart carries its definition as a caption and its data as a table and a CSV file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from defectkb import charts
from defectkb.analytics import PersonStats
from defectkb.enums import CauseCategory, DefectStatus, DefectType, FoundPhase, InjectedPhase, Severity
from defectkb.i18n import insight_definition
from defectkb.insights.digests import Digest
from defectkb.insights.figures import Figures
from defectkb.site.context import SiteContext, esc
from defectkb.site.jsontext import indented
from defectkb.site.memo import kept, made_from, remember, remembered

GeneratedPageT = Any  # defectkb.site.pages.GeneratedPage (imported lazily: pages imports this module)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _code(text: str) -> str:
    parts = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _tile(key: str, label: str, value: str, note: str = "") -> str:
    note_html = f'<span class="kb-fig-note">{note}</span>' if note else ""
    return (f'<div class="kb-fig" data-key="{esc(key)}"><span class="kb-fig-value">{value}</span>'
            f'<span class="kb-fig-label">{esc(label)}</span>{note_html}</div>')


# Charts drawn on product and department pages; their other figures are tables (same data, same
# CSV). Rendering costs ~50 ms a chart, and scopes multiply: this keeps charts a small share of a build.
SCOPE_CHARTS = frozenset({"flow", "types", "phases", "escapes"})


class ChartMaker:
    """Renders the charts of one page; writes each chart's CSV next to the page's other data."""

    def __init__(self, ctx: SiteContext, here: str, csv_prefix: str, only: frozenset[str] | None = None) -> None:
        self.ctx, self.here, self.csv_prefix, self.only = ctx, here, csv_prefix, only

    def __call__(self, name: str, spec: dict[str, Any] | None, *, title: str, desc: str,
                 header: Sequence[str], rows: Sequence[Sequence[object]], definition: str = "") -> str:
        if spec is None or not rows:
            return f'<p class="kb-empty">{esc(self.ctx.t("no_entries"))}</p>'
        path = f"{self.csv_prefix}-{name}.csv"
        self.ctx.extra_files[path] = charts.to_csv(header, rows)
        if self.only is not None and name not in self.only:
            return charts.table_figure(fig_id=f"fig-{name}", header=header, rows=rows,
                                       csv_href=self.ctx.file_href(self.here, path),
                                       data_label=self.ctx.t("data_table"),
                                       definition=_code(definition) if definition else "")
        return charts.figure(spec, fig_id=f"fig-{name}", title=title, desc=desc, header=header, rows=rows,
                             data_label=self.ctx.t("data_table"), csv_href=self.ctx.file_href(self.here, path),
                             definition=_code(definition) if definition else "", renderer=self.ctx.charts)


def _sev_domain(ctx: SiteContext) -> list[tuple[str, str]]:
    return [(s.value, ctx.t.enum(s)) for s in Severity]


def _label(ctx: SiteContext, enum: Any, key: str) -> str:
    try:
        return ctx.t.enum(enum(key))
    except ValueError:
        return ctx.t("unclassified") if key == "unclassified" else key


def insight_charts(ctx: SiteContext, f: Figures, here: str, csv_prefix: str) -> list[tuple[str, str, str]]:
    """(anchor, heading, figure HTML) for every chart of a scope."""
    t = ctx.t
    make = ChartMaker(ctx, here, csv_prefix, None if f.scope.kind == "all" else SCOPE_CHARTS)
    sev = {s.value: ctx.t.enum(s) for s in Severity}
    out = []

    # reported vs resolved, stacked by severity
    rep, res = t("reported_count"), t("fixed_count")
    rows = [{"x": m, "key": k, "n": n, "offset": rep} for m, c in f.reported.items() for k, n in c.items()]
    rows += [{"x": m, "key": k, "n": n, "offset": res} for m, c in f.resolved.items() for k, n in c.items()]
    # every month on the axis, even empty ones: gaps are information
    rows += [{"x": m, "key": "minor", "n": 0, "offset": rep} for m in f.months
             if m not in f.reported and m not in f.resolved]
    table = [[m, sev[s.value], f.reported.get(m, {}).get(s.value, 0), f.resolved.get(m, {}).get(s.value, 0)]
             for m in f.months for s in Severity
             if f.reported.get(m, {}).get(s.value) or f.resolved.get(m, {}).get(s.value)]
    title = t("fig_flow")
    desc = (f"{title}: {sum(sum(c.values()) for c in f.reported.values())} {rep}, "
            f"{sum(sum(c.values()) for c in f.resolved.values())} {res}, {f.months[0] if f.months else ''}–"
            f"{f.months[-1] if f.months else ''}")
    spec = charts.stacked_columns(rows, title=title, x_title=t("month"), y_title=t("defects"),
                                  color_title=t("severity"), color_domain=_sev_domain(ctx),
                                  colors=charts.SEVERITY_COLORS, offset_title="", offset_domain=[rep, res]) \
        if table else None
    out.append(("flow", title, make("flow", spec, title=title, desc=desc,
                                    header=[t("month"), t("severity"), rep, res], rows=table,
                                    definition=insight_definition(t, "flow"))))

    # open backlog
    title = t("fig_backlog")
    rows = [{"x": m, "series": t("open_defects"), "y": n} for m, n in f.backlog.items()]
    table = [[m, n] for m, n in f.backlog.items()]
    last = table[-1][1] if table else 0
    spec = charts.lines(rows, title=title, x_title=t("month"), y_title=t("open_defects"),
                        series_title="", series=[t("open_defects")]) if table else None
    when = f.months[-1] if f.months else ""
    out.append(("backlog", title, make("backlog", spec, title=title, desc=f"{title}: {last} ({when})",
                                       header=[t("month"), t("open_defects")], rows=table,
                                       definition=insight_definition(t, "backlog"))))

    # Pareto charts
    for name, items, enum, heading, label in (
        ("types", f.defect_types, DefectType, t("fig_types"), t("defect_type")),
        ("causes", f.causes, CauseCategory, t("fig_causes"), t("cause_category")),
    ):
        rows = [{"label": _label(ctx, enum, k), "n": n, "cum": c} for k, n, c in items]
        table = [[_label(ctx, enum, k), n, f"{100 * c:.0f}%"] for k, n, c in items]
        top = ", ".join(f"{r[0]} {r[1]}" for r in table[:3])
        spec = charts.pareto(rows, title=heading, x_title=label, y_title=t("count_n"),
                             cumulative_title=t("cumulative")) if rows else None
        out.append((name, heading, make(name, spec, title=heading, desc=f"{heading}: {top}",
                                        header=[label, t("count_n"), t("cumulative")], rows=table,
                                        definition=insight_definition(t, name))))

    # found x injected
    title = t("fig_phases")
    found = [p.value for p in FoundPhase if any(k[0] == p.value for k in f.phases)]
    injected = [p.value for p in InjectedPhase if any(k[1] == p.value for k in f.phases)]
    rows = [{"x": _label(ctx, FoundPhase, a), "y": _label(ctx, InjectedPhase, b), "n": n}
            for (a, b), n in f.phases.items()]
    table = [[_label(ctx, FoundPhase, a), _label(ctx, InjectedPhase, b), n] for (a, b), n in f.phases.items()]
    worst = max(f.phases.items(), key=lambda kv: kv[1], default=None)
    desc = f"{title}: " + (f"{table[[k for k in f.phases].index(worst[0])][0]} / "
                           f"{table[[k for k in f.phases].index(worst[0])][1]} {worst[1]}" if worst else "")
    spec = charts.heatmap(rows, title=title, x_title=t("found_phase"), y_title=t("injected_phase"),
                          x_order=[_label(ctx, FoundPhase, k) for k in found],
                          y_order=[_label(ctx, InjectedPhase, k) for k in injected],
                          n_title=t("count_n")) if rows else None
    out.append(("phases", title, make("phases", spec, title=title, desc=desc,
                                      header=[t("found_phase"), t("injected_phase"), t("count_n")], rows=table,
                                      definition=insight_definition(t, "phases"))))

    # time to resolve
    med, p90 = t("median"), t("p90")
    for name, heading, groups, labeler in (
        ("ttr", t("fig_ttr"), f.resolve_by_severity, lambda k: sev.get(k, k)),
        ("ttr_product", t("fig_ttr_product"), f.resolve_by_product if f.scope.kind != "product" else {},
         ctx.product_name),
    ):
        if name == "ttr_product" and len(groups) < 2:
            continue
        rows = [{"x": labeler(k), "series": s, "y": d[key]} for k, d in groups.items()
                for s, key in ((med, "median"), (p90, "p90")) if d[key] is not None]
        table = [[labeler(k), d["n"], d["median"], d["p90"]] for k, d in groups.items()]
        desc = f"{heading}: " + "; ".join(f"{r[0]} {med} {_days(r[2])}, {p90} {_days(r[3])}" for r in table)
        spec = charts.grouped_bars(rows, title=heading, x_title="", y_title=t("days"), series_title="",
                                   series=[med, p90], x_order=[labeler(k) for k in groups]) if rows else None
        out.append((name, heading, make(name, spec, title=heading, desc=desc,
                                        header=["", t("count_n"), f"{med} ({t('days')})", f"{p90} ({t('days')})"],
                                        rows=table, definition=insight_definition(t, "ttr"))))

    title = t("fig_ttr_trend")
    rows = [{"x": m, "series": s, "y": d[key]} for m, d in f.resolve_by_month.items()
            for s, key in ((med, "median"), (p90, "p90"))]
    table = [[m, d["n"], d["median"], d["p90"]] for m, d in f.resolve_by_month.items()]
    spec = charts.lines(rows, title=title, x_title=t("month"), y_title=t("days"), series_title="",
                        series=[med, p90]) if rows else None
    out.append(("ttr_trend", title, make("ttr_trend", spec, title=title,
                                         desc=f"{title}: {len(table)} {t('months')}",
                                         header=[t("month"), t("count_n"), med, p90], rows=table,
                                         definition=insight_definition(t, "ttr_trend"))))

    title = t("fig_escapes")
    rows = [{"x": m, "series": t("escape_rate"), "y": round(o / n, 4)} for m, (o, n) in f.escapes.items() if n]
    table = [[m, o, n, f"{100 * o / n:.0f}%"] for m, (o, n) in f.escapes.items() if n]
    spec = charts.lines(rows, title=title, x_title=t("month"), y_title=t("escape_rate"), series_title="",
                        series=[t("escape_rate")], percent=True) if rows else None
    out.append(("escapes", title, make("escapes", spec, title=title,
                                       desc=f"{title}: {_pct(f.escape_rate)}",
                                       header=[t("month"), t("online_n"), t("reported_count"), t("escape_rate")],
                                       rows=table, definition=insight_definition(t, "escapes"))))
    return out


def tiles(ctx: SiteContext, f: Figures) -> str:
    t = ctx.t
    overdue = (f' <span class="kb-overdue-note">({f.actions["overdue"]} {esc(t("actions_overdue"))})</span>'
               if f.actions["overdue"] else "")
    ra = f.resolve_all
    return "".join([
        _tile("defects", t("defects"), str(f.defects)),
        _tile("open", t("open_defects"), str(f.open)),
        _tile("escape_rate", t("escape_rate"), _pct(f.escape_rate), f"{f.online} / {f.defects}"),
        _tile("reopen_rate", t("reopen_rate"), _pct(f.reopen_rate), f"{f.reopened} / {f.defects}"),
        _tile("median_resolve", t("median_resolve"), f"{_days(ra['median'])} {esc(t('days'))}"),
        _tile("p90_resolve", t("p90_resolve"), f"{_days(ra['p90'])} {esc(t('days'))}"),
        _tile("lessons", t("lessons_total"), str(f.lessons)),
        _tile("actions_open", t("actions_open"), f"{f.actions['open']}{overdue}"),
        _tile("actions_done", t("actions_done"), str(f.actions["done"])),
        _tile("coverage", t("lesson_coverage"), _pct(f.coverage), f"{f.coverage_covered} / {f.coverage_needed}"),
    ])


def _scope_nav(ctx: SiteContext, here: str) -> str:
    t = ctx.t
    figs = ctx.figures
    prods = " · ".join(f'<a href="{esc(ctx.href(here, ctx.insights_src("product", k)))}">'
                       f"{esc(ctx.product_name(k))}</a>" for k in figs.products)
    depts = " · ".join(f'<a href="{esc(ctx.href(here, ctx.insights_src("department", k)))}">{esc(f.scope.name)}</a>'
                       for k, f in figs.departments.items())
    return (f'<nav class="kb-scopes" aria-label="{esc(t("insights_of"))}"><p>'
            f'<a href="{esc(ctx.href(here, ctx.insights_src()))}">{esc(t("whole_kb"))}</a> · '
            f'<a href="{esc(ctx.href(here, ctx.digest_src()))}">{esc(t("digests"))}</a></p>'
            + (f"<p><strong>{esc(t('products'))}:</strong> {prods}</p>" if prods else "")
            + (f"<p><strong>{esc(t('departments'))}:</strong> {depts}</p>" if depts else "") + "</nav>")


def insights_page(ctx: SiteContext, f: Figures) -> tuple[str, str, str]:
    """(src, title, html) of the insights page of one scope."""
    t = ctx.t
    here = ctx.insights_src(f.scope.kind, f.scope.key)
    title = t("insights") if f.scope.kind == "all" else f"{t('insights')} · {f.scope.name}"
    prefix = f"{ctx.insights_dir}/data/" + ("all" if f.scope.kind == "all" else f"{f.scope.kind}-{f.scope.key}")
    parts = [f"<h1>{esc(title)}</h1>", _scope_nav(ctx, here)]
    if f.scope.kind != "all":
        parts.append(f'<p class="kb-defs">{_code(insight_definition(t, "scope"))}</p>')
    parts.append(f'<div class="kb-figs" id="kb-insight-figures">{tiles(ctx, f)}</div>')
    for anchor, heading, html in insight_charts(ctx, f, here, prefix):
        parts.append(f'<h2 id="{anchor}">{esc(heading)}</h2>{html}')
    parts.append(f'<h2 id="coverage">{esc(t("lesson_coverage"))}: {_pct(f.coverage)}</h2>'
                 f'<p class="kb-defs">{_code(insight_definition(t, "coverage"))}</p>')
    if f.uncovered:
        items = "".join(f"<li>{ctx.id_link(here, i)}</li>" for i in f.uncovered[:ctx.listing_limit])
        more = f"<li>… +{len(f.uncovered) - ctx.listing_limit}</li>" if len(f.uncovered) > ctx.listing_limit else ""
        parts.append(f'<h3 id="uncovered">{esc(t("uncovered"))} ({len(f.uncovered)})</h3>'
                     f'<ul class="kb-uncovered">{items}{more}</ul>')
    defs = "".join(f"<li><strong>{esc(label)}</strong>: {_code(insight_definition(t, key))}</li>" for key, label in (
        ("flow", t("fig_flow")), ("backlog", t("fig_backlog")), ("types", t("fig_types")),
        ("causes", t("fig_causes")), ("phases", t("fig_phases")), ("ttr", t("fig_ttr")),
        ("ttr_trend", t("fig_ttr_trend")), ("escapes", t("escape_rate")), ("reopen", t("reopen_rate")),
        ("actions", t("action_items")), ("coverage", t("lesson_coverage")), ("scope", t("insights_of"))))
    parts.append(f'<h2 id="how-computed">{esc(t("how_computed"))}</h2><ul class="kb-defs">{defs}</ul>')
    return here, title, "".join(parts)


def insight_sources(ctx: SiteContext) -> Iterator[Figures]:
    yield from ctx.figures.scopes()


# -- charts of the home and person pages ----------------------------------------------------


def mix_chart(ctx: SiteContext, here: str, by_severity: dict[str, int], by_status: dict[str, int],
              name: str = "mix") -> str:
    """Severity and status mix as two stacked horizontal bars (one chart)."""
    t = ctx.t
    sev_g, st_g = t("severity"), t("status")
    rows = [{"group": sev_g, "key": s.value, "n": by_severity.get(s.value, 0)} for s in Severity]
    rows += [{"group": st_g, "key": s.value, "n": by_status.get(s.value, 0)} for s in DefectStatus]
    if not any(r["n"] for r in rows):
        return ""
    domain = [(s.value, t.enum(s)) for s in Severity] + [(s.value, t.enum(s)) for s in DefectStatus]
    colors = {**charts.SEVERITY_COLORS, **charts.STATUS_COLORS}
    title = t("fig_mix")
    spec = charts.share_bars(rows, title=title, y_title="", x_title=t("defects"), color_domain=domain,
                             colors=colors)
    table = [[r["group"], t.enum(Severity(r["key"])) if r["group"] == sev_g else t.enum(DefectStatus(r["key"])),
              r["n"]] for r in rows if r["n"]]
    desc = f"{title}: " + ", ".join(f"{a} {b}" for _, a, b in table)
    return charts.figure(spec, fig_id=f"fig-{name}", title=title, desc=desc,
                         header=["", t("kind"), t("count_n")], rows=table, data_label=t("data_table"),
                         renderer=ctx.charts)


def activity_chart(ctx: SiteContext, months: list[tuple[str, dict[str, int]]], *, draw: bool = True) -> str:
    """A person's monthly activity: owned defects reported and resolved, lessons written.

    `draw=False` gives the table alone (people who own nothing: their only series is lessons).
    """
    t = ctx.t
    series = [("reported", t("reported_count")), ("resolved", t("fixed_count")), ("lessons", t("lessons_written"))]
    rows = [{"x": m, "series": label, "y": c.get(key, 0)} for m, c in months for key, label in series]
    table = [[m, *(c.get(key, 0) for key, _ in series)] for m, c in months if any(c.values())]
    if not table:
        return ""
    title = t("activity")
    header = [t("month"), *(label for _, label in series)]
    definition = _code(ctx.t.definitions()["activity"])
    if not draw:
        return charts.table_figure(fig_id="fig-activity", header=header, rows=table, definition=definition,
                                   data_label=t("data_table"))
    spec = charts.grouped_bars(rows, title=title, x_title=t("month"), y_title=t("count_n"), series_title="",
                               series=[label for _, label in series], x_order=[m for m, _ in months],
                               counts=True)
    desc = f"{title}: " + "; ".join(f"{r[0]} {r[1]}/{r[2]}/{r[3]}" for r in table[-6:])
    return charts.figure(spec, fig_id="fig-activity", title=title, desc=desc, header=header, rows=table,
                         data_label=t("data_table"), definition=definition, renderer=ctx.charts)


def person_inputs(ctx: SiteContext, s: PersonStats) -> tuple[object, ...]:
    """Everything a person's page and figures are made of: lists of entries and action counts."""
    return (s.person, *(ctx.versions_of(group) for group in (s.owned, s.reported, s.assigned, s.verified, s.written,
                                                             s.reviewed)),
            s.actions_open, s.actions_overdue, s.actions_done)


def uncovered_inputs(ctx: SiteContext, f: Figures) -> tuple[tuple[str, int], ...]:
    """The versions of the entries an insights page links by title (its uncovered defects)."""
    versions = ctx.entry_versions
    return tuple((i, versions.get(i, -1)) for i in f.uncovered[:ctx.listing_limit])


def reading_inputs(ctx: SiteContext, product: str) -> object:
    """What a product's reading list shows: its entries, their citations, the lessons its defects link to."""
    rl = ctx.reading.get(product)
    if rl is None:
        return None
    versions = ctx.entry_versions
    return (tuple((e.id, versions.get(e.id, -1), n) for e, n in rl.lessons), ctx.versions_of(rl.defects),
            tuple((lid, versions.get(lid, -1)) for e in rl.defects for lid in e.model.related_lessons))


# -- reading list ---------------------------------------------------------------------------


def reading_list(ctx: SiteContext, here: str, product: str, size: int = 5, heading_level: int = 2) -> str:
    t = ctx.t
    rl = ctx.reading.get(product)
    if rl is None or (not rl.lessons and not rl.defects):
        return ""
    h = f"h{heading_level}"
    lessons = "".join(f'<li>{ctx.entry_link(here, e)} <span class="kb-muted">({n} {esc(t("citations"))})</span></li>'
                      for e, n in rl.lessons[:size])
    defects = []
    for e in rl.defects[:size]:
        lessons_of = ", ".join(ctx.id_link(here, lid) for lid in e.model.related_lessons)
        defects.append(f'<li><span class="kb-badge kb-severity-{esc(e.model.severity.value)}">'
                       f"{esc(t.enum(e.model.severity))}</span> {ctx.entry_link(here, e)}"
                       + (f' <span class="kb-muted">→ {lessons_of}</span>' if lessons_of else "") + "</li>")
    parts = []
    if lessons:
        parts.append(f'<{h}>{esc(t("most_cited"))}</{h}><ol class="kb-reading">{lessons}</ol>')
    if defects:
        parts.append(f'<{h}>{esc(t("most_severe_closed"))}</{h}><ol class="kb-reading">{"".join(defects)}</ol>')
    return f'<div class="kb-reading-list" data-product="{esc(product)}">{"".join(parts)}</div>'


# -- data files: chart CSVs, api/stats.json, Atom feeds ------------------------------------

API_STATS = "api/stats.json"


def insight_files(ctx: SiteContext) -> dict[str, str]:
    """Files next to the pages: the charts' CSVs (after the pages are generated), the stats API, feeds."""
    from defectkb.insights.api import person_json, stats_document

    def person_doc(pid: str, s: PersonStats) -> dict[str, Any]:
        return kept(ctx, ("person.json", pid), lambda: person_inputs(ctx, s), lambda: person_json(pid, s))

    def json_of(made: Figures | Digest) -> dict[str, Any]:
        # figures and digests an edit left as they were are the very objects of the last build
        key = ("as_json", made.scope.id) if isinstance(made, Figures) else ("as_json", made.key)
        return made_from(ctx.memo, key, made, made.as_json)

    files = dict(sorted(ctx.extra_files.items()))
    doc = stats_document(ctx.kb, ctx.figures, ctx.digests, ctx.stats, person_doc, json_of)
    # Indented JSON is written by Python's slow encoder: in the preview, the text of the parts
    # that are as they were is reused (an edit changes a few figures, a person, a digest).
    parts = ctx.memo.parts.setdefault(API_STATS, {}) if ctx.memo is not None else None
    # Its parts are never changed once made: what an edit left as it was is the very same object.
    files[API_STATS] = indented(doc, parts, same_objects=True) + "\n"
    if ctx.site_url:
        files.update(feeds(ctx))
    return files


def feeds(ctx: SiteContext) -> dict[str, str]:
    from defectkb.insights.feeds import FEED_SIZE, atom, feed_groups

    t = ctx.t
    site_name = ctx.site_name or "DefectKB"
    people = {pid: p.name for pid, p in ctx.kb.registry.people.items()}

    def summary(e: Any) -> str:
        m = e.model
        product = ctx.product_name(m.product) if e.kind == "defect" else ", ".join(
            ctx.product_name(p) for p in m.products)
        return f"{t.enum(m.severity)} · {t.enum(m.status)} · {product} · {t('pm')}: {ctx.person_name(m.pm)}"

    out = {}
    for (kind, key), entries in feed_groups(ctx.kb, ctx.feed_order, FEED_SIZE).items():
        path = ctx.feed_path(kind, key)
        # A feed shows its newest entries (atom() orders them the same way), their names and
        # labels: all in these versions. An edit of an older entry leaves the feed as it was.
        inputs = (ctx.context_version, ctx.versions_of(entries)) if ctx.memo is not None else None
        if (kept := remembered(ctx.memo, path, inputs)) is not None:
            out[path] = kept
            continue
        if kind == "all":
            title, home = f"{site_name} · {t('feed_all')}", ctx.absolute("")
        elif kind == "products":
            title, home = f"{site_name} · {ctx.product_name(key)}", ctx.absolute(ctx.url(ctx.product_src(key)))
        else:
            title, home = f"{site_name} · {ctx.person_name(key)}", ctx.absolute(ctx.url(ctx.person_src(key)))
        out[path] = atom(entries, feed_id=ctx.absolute(path), title=title, home=home, self_url=ctx.absolute(path),
                         entry_url=lambda e: ctx.absolute(ctx.url(e.rel_path)), summary=summary,
                         language="zh" if t.zh else "en", people=people).decode("utf-8")
        remember(ctx.memo, path, inputs, out[path])
    return out


def feed_links(ctx: SiteContext, src: str) -> list[tuple[str, str]]:
    """(title, absolute href) of the feeds a page announces in its head: the site's, plus its own."""
    if not ctx.site_url:
        return []
    site_name = ctx.site_name or "DefectKB"
    links = [(f"{site_name} · {ctx.t('feed_all')}", ctx.absolute(ctx.feed_path()))]
    parts = src.split("/")
    if len(parts) == 3 and parts[2] == "index.md":
        if parts[0] == ctx.products_dir and parts[1] in ctx.kb.registry.products:
            links.append((f"{site_name} · {ctx.product_name(parts[1])}",
                          ctx.absolute(ctx.feed_path("products", parts[1]))))
        elif parts[0] == ctx.people_dir and parts[1] in ctx.pm_ids:
            links.append((f"{site_name} · {ctx.person_name(parts[1])}",
                          ctx.absolute(ctx.feed_path("people", parts[1]))))
    return links
