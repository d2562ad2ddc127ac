"""The generated pages: home, indexes, products, tags and people.

Each page is a `GeneratedPage` with a source path (where it would live in the content folder),
a title and its body as HTML. The MkDocs plugin turns them into virtual files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from defectkb.analytics import PersonStats, entry_date, is_open, median, month, overview_facts, percentile
from defectkb.enums import Role
from defectkb.ingest.export import api_files, api_record, compact_json
from defectkb.knowledgebase import Entry
from defectkb.registry import Product
from defectkb.site.card import fmt_time
from defectkb.site.context import SiteContext, esc
from defectkb.site.digests import digest_pages
from defectkb.site.insights import (
    activity_chart,
    insight_files,
    insight_sources,
    insights_page,
    mix_chart,
    person_inputs,
    reading_inputs,
    reading_list,
    uncovered_inputs,
)
from defectkb.site.memo import entry_piece, kept
from defectkb.site.tables import entries_json, entry_table

# Rows in the HTML of an index page and per page the browser shows (the table's data-page): a 100-row
# page took a second reloaded beside two other tabs at 10,000 entries, 50 rows about 0.75 s.
PAGE_ROWS = 50
# Rows per table on a person page: six tables at 100 rows made a PM page 388 KiB at 10,000 entries.
# The full lists are one click away (the index, filtered by the person).
PERSON_ROWS = 25


@dataclass
class GeneratedPage:
    src: str
    title: str  # plain text; escaped when it reaches HTML
    html: str
    search: bool = True  # include in the search index
    # mkdocs-material `hide`; the HTML skips Markdown, so there is no TOC to show
    hide: list[str] = field(default_factory=lambda: ["toc"])
    markdown_suffix: str = ""  # Markdown appended after the HTML (tag listings)


def _h1(title: str) -> str:
    return f"<h1>{esc(title)}</h1>"


def _figure(key: str, label: str, value: str, note: str = "") -> str:
    note_html = f'<span class="kb-fig-note">{note}</span>' if note else ""
    return (f'<div class="kb-fig" data-key="{esc(key)}"><span class="kb-fig-value">{value}</span>'
            f'<span class="kb-fig-label">{esc(label)}</span>{note_html}</div>')


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


# The groups of generated pages, in the order they are listed, and of data files (named after the
# group of pages that loads them; "api" is for readers outside the site). A build may make some
# groups later than the rest (`later`): the preview's first pass does (plugins/reloads.py).
PAGE_GROUPS = ("home", "indexes", "products", "tags", "people", "insights", "digests", "search")
DATA_GROUPS = ("indexes", "insights", "api")


def generate_groups(ctx: SiteContext, later: frozenset[str] = frozenset()
                    ) -> Iterator[tuple[str, Iterator[GeneratedPage] | None]]:
    """Each group of generated pages with its pages, made one by one as they are taken (a build
    parks each page's HTML before the next is made), or None for a group in `later`, which is
    not made (its pages' inputs are not even worked out)."""
    # The insights pages are made first (a few dozen) and listed in their place: in the preview,
    # the worker draws their charts, the ones an edit most often changes, while the rest is made.
    insights = None if "insights" in later else list(insight_pages(ctx))

    def one(make: Callable[[], GeneratedPage], wanted: bool = True) -> Iterator[GeneratedPage]:
        if wanted:
            yield make()

    makers: dict[str, Callable[[], Iterator[GeneratedPage]]] = {
        "home": lambda: one(lambda: home(ctx), ctx.home_is_generated),
        "indexes": lambda: (index_page(ctx, kind) for kind in ("defect", "lesson")),
        "products": lambda: product_pages(ctx),
        "tags": lambda: tag_pages(ctx),
        "people": lambda: people_pages(ctx),
        "insights": lambda: iter(insights or ()),
        "digests": lambda: (GeneratedPage(src, title, html, search=False) for src, title, html in digest_pages(ctx)),
        "search": lambda: one(lambda: search_page(ctx), ctx.search),
    }
    for group in PAGE_GROUPS:
        yield group, None if group in later else makers[group]()


def data_groups(ctx: SiteContext, later: frozenset[str] = frozenset()
                ) -> Iterator[tuple[str, dict[str, str] | None]]:
    """Non-page files, after the pages are generated, by group (None for a group in `later`):
    the rows of the index tables; the charts' CSVs, the stats API and the feeds; the entries API."""
    makers = {
        "indexes": lambda: {data_src(ctx, kind): entries_json(ctx, kind, PAGE_ROWS) for kind in ("defect", "lesson")},
        "insights": lambda: insight_files(ctx),
        # api/entries.json (+ one file per kind): the documented, versioned data of the site (docs/api.md)
        "api": lambda: api_files(ctx.kb, lambda e: ctx.url(e.rel_path), record_json=lambda e: _api_json(ctx, e)),
    }
    for group in DATA_GROUPS:
        yield group, None if group in later else makers[group]()


def _api_json(ctx: SiteContext, e: Entry) -> str:
    """An entry's record in api/*.json; in the preview, kept while the entry is unchanged."""
    return entry_piece(ctx, ("api", e.id, ""), e.id, lambda: compact_json(api_record(e, ctx.url(e.rel_path))))


def insight_pages(ctx: SiteContext) -> Iterator[GeneratedPage]:
    """Insights per scope; their charts' CSV files land in ctx.extra_files."""
    scopes = (tuple(ctx.figures.products), tuple((k, f.scope.name) for k, f in ctx.figures.departments.items()))
    for figures in insight_sources(ctx):
        # Figures hold counts and ids only: equal figures and equal listed entries make an equal page
        src, title, html = kept(ctx, ("insights", figures.scope),
                                lambda f=figures: (f, scopes, uncovered_inputs(ctx, f)),
                                lambda f=figures: insights_page(ctx, f))
        yield GeneratedPage(src, title, html, search=False)


def feed_link(ctx: SiteContext, here: str, kind: str = "all", key: str = "") -> str:
    """A visible link to a feed (the page head links it too); nothing when feeds are off."""
    if not ctx.site_url:
        return ""
    return (f'<p class="kb-feed-link"><a href="{esc(ctx.file_href(here, ctx.feed_path(kind, key)))}" '
            f'type="application/atom+xml">{esc(ctx.t("feed"))}</a></p>')


def search_page(ctx: SiteContext) -> GeneratedPage:
    src = f"{ctx.search_dir}/index.md"
    bundle = ctx.href(src, "index.md").removeprefix("./") + "pagefind/"
    html = (_h1(ctx.t("search")) + f'<div id="kb-search" data-bundle="{esc(bundle)}"></div>'
            f'<noscript>{esc(ctx.t("search_needs_js"))}</noscript>')
    return GeneratedPage(src, ctx.t("search"), html, search=False, hide=["toc", "navigation"])


def home(ctx: SiteContext) -> GeneratedPage:
    t, s, here = ctx.t, ctx.summary, "index.md"
    figs = "".join([
        _figure("defects", t("defects"), str(s.defects)),
        _figure("lessons", t("lessons"), str(s.lessons)),
        _figure("open_defects", t("open_defects"), str(s.open_defects)),
        _figure("median_resolve", t("median_resolve"), f"{_days(s.median_resolve_days)} {esc(t('days'))}"),
        _figure("p90_resolve", t("p90_resolve"), f"{_days(s.p90_resolve_days)} {esc(t('days'))}"),
        _figure("escape_rate", t("escape_rate"), _pct(s.escape_rate)),
    ])
    reading = "".join(
        f'<details class="kb-reading-product"{" open" if i == 0 else ""}><summary>{esc(ctx.product_name(key))}'
        f"</summary>{reading_list(ctx, here, key, size=3, heading_level=3)}</details>"
        for i, key in enumerate(k for k in ctx.kb.registry.products if reading_list(ctx, here, k)))
    html = [
        f'<div class="kb-figs" id="kb-summary">{figs}</div>',
        f'<h2 id="by-severity">{esc(t("fig_mix"))}</h2>',
        mix_chart(ctx, here, dict(s.by_severity), dict(s.by_status)),
        f'<p class="kb-links"><a href="{esc(ctx.href(here, ctx.insights_src()))}">{esc(t("insights"))} →</a> · '
        f'<a href="{esc(ctx.href(here, ctx.digest_src()))}">{esc(t("digests"))} →</a></p>',
        f'<h2 id="open-severe">{esc(t("open_severe"))}</h2>',
        entry_table(ctx, here, s.open_severe, table_id="kb-open-severe", filters=False, limit=ctx.listing_limit,
                    more=_more(ctx, here, "severity=serious")),
        f'<h2 id="latest">{esc(t("latest"))}</h2>',
        entry_table(ctx, here, s.latest, table_id="kb-latest", filters=False, kinds="mixed"),
        f'<h2 id="reading-list">{esc(t("reading_list"))}</h2>{reading}' if reading else "",
        f'<p class="kb-links"><a class="md-button md-button--primary" href="{esc(ctx.href(here, "defects/index.md"))}">'
        f'{esc(t("all_defects"))}</a> <a class="md-button" href="{esc(ctx.href(here, "lessons/index.md"))}">'
        f'{esc(t("all_lessons"))}</a></p>',
    ]
    html.append(feed_link(ctx, here))
    return GeneratedPage("index.md", t("home"), "".join(html), hide=["toc"])


def data_src(ctx: SiteContext, kind: str) -> str:
    return f"{ctx.assets_dir}/{kind}s.json"


def index_page(ctx: SiteContext, kind: str) -> GeneratedPage:
    t = ctx.t
    folder = ctx.kb.config.kind(kind).folder
    src = f"{folder}/index.md"
    entries = ctx.kb.defects if kind == "defect" else ctx.kb.lessons
    title = t("all_defects") if kind == "defect" else t("all_lessons")
    data = ctx.href(src, "index.md").removeprefix("./") + data_src(ctx, kind)
    html = _h1(title) + entry_table(ctx, src, entries, table_id=f"kb-{kind}s", kinds=kind, data_src=data,
                                    limit=PAGE_ROWS)
    return GeneratedPage(src, title, html, search=False, hide=["toc"])


def _more(ctx: SiteContext, here: str, query: str) -> str:
    """Links to the full lists, filtered: the index tables read their filter from the URL."""
    t = ctx.t
    return " · ".join(
        f'<a href="{esc(ctx.href(here, ctx.kb.config.kind(kind).folder + "/index.md"))}?{esc(query)}">'
        f'{esc(t("all_defects") if kind == "defect" else t("all_lessons"))} →</a>' for kind in ("defect", "lesson"))


def product_pages(ctx: SiteContext) -> Iterator[GeneratedPage]:
    t = ctx.t
    reg = ctx.kb.registry
    by_product: dict[str, list[Entry]] = {key: [] for key in reg.products}
    for e in ctx.kb.entries:
        products = [e.model.product] if e.kind == "defect" else e.model.products
        for p in products:
            by_product.setdefault(p, []).append(e)
    index_src = f"{ctx.products_dir}/index.md"
    rows = []
    for key, product in reg.products.items():
        entries = by_product.get(key, [])
        defects = [e for e in entries if e.kind == "defect"]
        open_count = sum(1 for e in defects if is_open(e))
        rows.append(
            f'<tr><td><a href="{esc(ctx.href(index_src, ctx.product_src(key)))}">{esc(product.name)}</a></td>'
            f"<td>{esc(product.description)}</td><td data-sort=\"{len(defects)}\">{len(defects)}</td>"
            f'<td data-sort="{open_count}">{open_count}</td>'
            f'<td data-sort="{len(entries) - len(defects)}">{len(entries) - len(defects)}</td>'
            f"<td>{', '.join(ctx.person_link(index_src, p) for p in product.pms)}</td></tr>"
        )
    head = "".join(f'<th data-sort-type="{k}"><button type="button">{esc(label)}</button></th>' for label, k in [
        (t("product"), "text"), (t("description"), "text"), (t("defects"), "num"), (t("open_defects"), "num"),
        (t("lessons"), "num"), (t("pms"), "text")])
    yield GeneratedPage(index_src, t("products"), _h1(t("products")) +
                        f'<div class="kb-table-wrap"><table class="kb-table" id="kb-products"><thead><tr>{head}'
                        f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>', hide=["toc"])
    for key, product in reg.products.items():
        entries = by_product.get(key, [])
        yield from kept(ctx, ("product", key),
                        lambda k=key, es=entries: (k, ctx.versions_of(es), reading_inputs(ctx, k)),
                        lambda k=key, p=product, es=entries: list(_product_pages(ctx, k, p, es)))


def _product_pages(ctx: SiteContext, key: str, product: Product, entries: list[Entry]) -> Iterator[GeneratedPage]:
    """A product's page and its components' pages."""
    t = ctx.t
    src = ctx.product_src(key)
    comps = []
    for ckey, comp in product.components.items():
        count = sum(1 for e in entries if e.kind == "defect" and e.model.component == ckey)
        comps.append(f'<li><a href="{esc(ctx.href(src, ctx.product_src(key, ckey)))}">{esc(comp.name)}</a>'
                     f" ({count})</li>")
    html = [
        _h1(product.name),
        f"<p>{esc(product.description)}</p>" if product.description else "",
        f"<p><strong>{esc(t('pms'))}:</strong> {', '.join(ctx.person_link(src, p) for p in product.pms)}</p>",
        f'<h2 id="components">{esc(t("components"))}</h2><ul class="kb-components">{"".join(comps)}</ul>'
        if comps else "",
        f'<p class="kb-links"><a href="{esc(ctx.href(src, ctx.insights_src("product", key)))}">'
        f'{esc(t("insights"))} →</a></p>',
        (f'<h2 id="reading-list">{esc(t("reading_list"))}</h2>' + rl) if (rl := reading_list(
            ctx, src, key, heading_level=3)) else "",
        f'<h2 id="entries">{esc(t("defects"))} · {esc(t("lessons"))}</h2>',
        entry_table(ctx, src, entries, table_id=f"kb-product-{key}", kinds="mixed", limit=ctx.listing_limit,
                    more=_more(ctx, src, f"product={key}")),
    ]
    html.append(feed_link(ctx, src, "products", key))
    yield GeneratedPage(src, product.name, "".join(html))
    for ckey, comp in product.components.items():
        csrc = ctx.product_src(key, ckey)
        centries = [e for e in entries if e.kind == "defect" and e.model.component == ckey]
        html_c = (_h1(f"{product.name} / {comp.name}") +
                  (f"<p>{esc(comp.description)}</p>" if comp.description else "") +
                  f'<p><a href="{esc(ctx.href(csrc, src))}">← {esc(product.name)}</a></p>' +
                  entry_table(ctx, csrc, centries, table_id=f"kb-component-{key}-{ckey}",
                              limit=ctx.listing_limit, more=_more(ctx, csrc, f"product={key}&component={ckey}")))
        yield GeneratedPage(csrc, f"{product.name} / {comp.name}", html_c)


def tag_pages(ctx: SiteContext) -> Iterator[GeneratedPage]:
    t = ctx.t
    by_tag: dict[str, list[Entry]] = {}
    for e in ctx.kb.entries:
        for tag in e.model.tags:
            by_tag.setdefault(tag, []).append(e)
    counts = {tag: len(entries) for tag, entries in by_tag.items()}
    src = f"{ctx.tags_dir}/index.md"
    rows = "".join(
        f'<tr><td><a class="kb-tag" href="{esc(ctx.href(src, ctx.tag_src(key)))}">#{esc(key)}</a></td>'
        f"<td>{esc(tag.zh or '')}</td><td>{esc(tag.description)}</td>"
        f'<td data-sort="{counts.get(key, 0)}">{counts.get(key, 0)}</td></tr>'
        for key, tag in sorted(ctx.kb.registry.tags.items())
    )
    head = "".join(f'<th data-sort-type="{k}"><button type="button">{esc(label)}</button></th>' for label, k in [
        (t("tag"), "text"), ("中文", "text"), (t("description"), "text"), (t("count"), "num")])
    yield GeneratedPage(src, t("tags"), _h1(t("tags")) +
                        f'<div class="kb-table-wrap"><table class="kb-table" id="kb-tags"><thead><tr>{head}</tr>'
                        f"</thead><tbody>{rows}</tbody></table></div>", hide=["toc"])
    for key, tag in ctx.kb.registry.tags.items():
        title = f"#{key}" + (f" · {tag.zh}" if tag.zh else "")
        here = ctx.tag_src(key)
        entries = by_tag.get(key, [])
        # Newest first and capped like every other list: a tag can carry thousands of entries
        # (mkdocs-material's own tag listing would print every one of them).
        html = kept(ctx, ("tag", key), lambda k=key, es=entries: (k, ctx.versions_of(es)),
                    lambda k=key, h=here, es=entries, tt=title, tg=tag: (
                        _h1(tt) + f'<p class="kb-tag-description">{esc(tg.description)}</p>'
                        f'<p><a href="{esc(ctx.href(h, src))}">← {esc(t("tags"))}</a></p>'
                        + entry_table(ctx, h, es, table_id=f"kb-tag-{k}", filters=False, kinds="mixed",
                                      limit=ctx.listing_limit, more=_more(ctx, h, f"tag={k}"))))
        yield GeneratedPage(here, title, html, hide=["toc"])


def people_pages(ctx: SiteContext) -> Iterator[GeneratedPage]:
    yield people_index(ctx)
    kb_median = ctx.summary.median_resolve_days
    for pid in ctx.kb.registry.people:
        yield kept(ctx, ("person", pid), lambda p=pid: (kb_median, person_inputs(ctx, ctx.stats[p])),
                   lambda p=pid: person_page(ctx, p, kb_median))


def people_index(ctx: SiteContext) -> GeneratedPage:
    # Made only of these facts of the entries: in the preview, a title or body edit keeps it.
    src = f"{ctx.people_dir}/index.md"
    html = kept(ctx, ("people index",), lambda: ctx.facts_of("people index", ctx.kb.entries, overview_facts),
                lambda: _people_index_html(ctx, src))
    return GeneratedPage(src, ctx.t("people"), html, hide=["toc"])


def _people_index_html(ctx: SiteContext, src: str) -> str:
    t = ctx.t
    reg = ctx.kb.registry
    rows = []
    for pid, person in reg.people.items():
        if Role.pm not in person.roles:
            continue
        s = ctx.stats[pid]
        times = s.resolve_times()
        med = median(times)
        esc_rate, reopen = s.escape_rate(), s.reopen_rate()
        cells = [
            f'<td><a href="{esc(ctx.href(src, ctx.person_src(pid)))}">{esc(person.name)}</a></td>',
            f"<td>{esc(person.team or '')}</td>",
            _num(len(s.owned_defects)), _num(len(s.open_now())),
            _num(med, _days(med)), _num(esc_rate, _pct(esc_rate)), _num(reopen, _pct(reopen)),
            _num(len(s.written)), _num(s.actions_open),
        ]
        rows.append(f'<tr data-person="{esc(pid)}">{"".join(cells)}</tr>')
    head = "".join(f'<th data-sort-type="{k}"><button type="button">{esc(label)}</button></th>' for label, k in [
        (t("pm"), "text"), (t("team"), "text"), (t("owned"), "num"), (t("open_now"), "num"),
        (t("median_resolve"), "num"), (t("escape_rate"), "num"), (t("reopen_rate"), "num"),
        (t("written"), "num"), (t("actions_open"), "num")])
    others = [f'<li><a href="{esc(ctx.href(src, ctx.person_src(pid)))}">{esc(p.name)}</a>'
              f' <span class="kb-muted">{esc(p.team or "")}</span></li>'
              for pid, p in reg.people.items() if Role.pm not in p.roles]
    return (_h1(t("people")) + f'<h2 id="pms">{esc(t("pms"))}</h2>'
            f'<div class="kb-table-wrap"><table class="kb-table" id="kb-people"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>'
            f'<h2 id="everyone">{esc(t("everyone"))}</h2><ul class="kb-people-list">{"".join(others)}</ul>'
            + _definitions(ctx))


def _num(value: float | int | None, text: str | None = None) -> str:
    sort = "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)
    return f'<td data-sort="{sort}">{esc(text if text is not None else value)}</td>'


def _definitions(ctx: SiteContext) -> str:
    items = "".join(f"<li><strong>{esc(key)}</strong>: {_code(text)}</li>"
                    for key, text in ctx.t.definitions().items())
    return f'<h2 id="how-computed">{esc(ctx.t("how_computed"))}</h2><ul class="kb-defs">{items}</ul>'


def _code(text: str) -> str:
    """Escape, then turn `x` into <code>x</code>."""
    parts = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _months(stats: PersonStats, today: date) -> list[tuple[str, Counter[str]]]:
    activity = stats.monthly_activity()
    if not activity:
        return []
    first = min(activity)
    y, m = int(first[:4]), int(first[5:])
    last = month(today)
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        out.append((key, activity.get(key, Counter())))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[-24:]


def person_page(ctx: SiteContext, pid: str, kb_median: float | None) -> GeneratedPage:
    t = ctx.t
    person = ctx.kb.registry.people[pid]
    s = ctx.stats[pid]
    src = ctx.person_src(pid)
    times = s.resolve_times()
    med, p90 = median(times), percentile(times, 90)
    roles = ", ".join(esc(t.enum(r)) for r in person.roles)
    info = " · ".join(x for x in (esc(person.team or ""), esc(person.department or ""), roles) if x)
    overdue = f' <span class="kb-overdue-note">({s.actions_overdue} {esc(t("actions_overdue"))})</span>' \
        if s.actions_overdue else ""
    figs = "".join([
        _figure("owned", t("owned"), str(len(s.owned_defects)), f"+ {len(s.owned_lessons)} {esc(t('lessons'))}"),
        _figure("open_now", t("open_now"), str(len(s.open_now()))),
        _figure("median_resolve", t("median_resolve"), f"{_days(med)} {esc(t('days'))}",
                f"{esc(t('kb_median'))}: {_days(kb_median)}"),
        _figure("p90_resolve", t("p90_resolve"), f"{_days(p90)} {esc(t('days'))}"),
        _figure("escape_rate", t("escape_rate"), _pct(s.escape_rate())),
        _figure("reopen_rate", t("reopen_rate"), _pct(s.reopen_rate())),
        _figure("written", t("written"), str(len(s.written))),
        _figure("actions_open", t("actions_open"), f"{s.actions_open}{overdue}"),
    ])
    months = _months(s, ctx.kb.today)
    chart = activity_chart(ctx, [(m, dict(c)) for m, c in months], draw=Role.pm in person.roles) if months else ""
    sections = [
        _h1(person.name),
        f'<p class="kb-person-info">{info}</p>' if info else "",
        f'<div class="kb-figs" id="kb-person-figures" data-person="{esc(pid)}">{figs}</div>',
    ]
    if s.owned_defects:
        sections += [
            f'<h2 id="by-severity">{esc(t("fig_mix"))}</h2>',
            mix_chart(ctx, src, dict(s.severity_mix()), dict(s.status_mix())),
        ]
    if chart:
        sections += [f'<h2 id="activity">{esc(t("activity"))}</h2>', chart]
    recent = s.involved()[:10]
    if recent:
        items = "".join(f"<li>{esc(entry_date(e).isoformat())} {ctx.entry_link(src, e)}</li>" for e in recent)
        sections.append(f'<h2 id="recent">{esc(t("recent"))}</h2><ul class="kb-recent">{items}</ul>')
    groups = [("owned", s.owned, "mixed"), ("reported_by", s.reported, "defect"),
              ("assigned_to", s.assigned, "defect"), ("verified_by", s.verified, "defect"),
              ("written", s.written, "lesson"), ("reviewed_by", s.reviewed, "lesson")]
    for key, entries, kinds in groups:
        if entries:
            sections.append(f'<h2 id="{key}">{esc(t(key))} ({len(entries)})</h2>')
            query = f"pm={pid}" if key == "owned" else f"q={pid}"
            sections.append(entry_table(ctx, src, entries, table_id=f"kb-person-{key}", filters=False,
                                        kinds=kinds, limit=min(ctx.listing_limit, PERSON_ROWS),
                                        more=_more(ctx, src, query)))
    sections.append(_definitions(ctx))
    if Role.pm in person.roles:
        sections.append(feed_link(ctx, src, "people", pid))
    return GeneratedPage(src, person.name, "".join(sections))


__all__ = ["GeneratedPage", "data_groups", "fmt_time", "generate_groups"]
