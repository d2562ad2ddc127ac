"""Entry tables that sort, filter and page in the browser (kb/assets/kb.js), with the state in the URL.

A table's first rows are plain HTML, so it reads fine without JavaScript. On a capped list the
script hides and reorders those rows; on an index page (`data-src`) it loads every row from
the page's JSON file (`entries_json`) and draws the page asked for, keeping the HTML's rows
while they are the JSON's first page (`data-version`) and the table is unfiltered and unsorted.
`data-page` is the number of rows per page, the one size the HTML and the script share.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from defectkb.analytics import entry_date
from defectkb.enums import DefectStatus, LessonStatus, Severity
from defectkb.knowledgebase import Entry
from defectkb.site.card import badge
from defectkb.site.context import SiteContext, esc
from defectkb.site.memo import entry_piece, kept


def _select(name: str, label: str, options: Iterable[tuple[str, str]], any_label: str) -> str:
    opts = "".join(f'<option value="{esc(v)}">{esc(text)}</option>' for v, text in options)
    return (f'<label class="kb-filter"><span>{esc(label)}</span>'
            f'<select name="{esc(name)}"><option value="">{esc(any_label)}</option>{opts}</select></label>')


def _products_of(entry: Entry) -> list[str]:
    m = entry.model
    return [m.product] if entry.kind == "defect" else list(m.products)


def entry_table(ctx: SiteContext, here: str, entries: Sequence[Entry], *, table_id: str,
                filters: bool = True, kinds: str = "defect", data_src: str | None = None,
                limit: int | None = None, more: str = "") -> str:
    """A table of entries. `kinds` is "defect", "lesson" or "mixed" and decides the columns.

    With `data_src`, the browser loads every row from that JSON file and pages through them;
    the HTML holds only the first `limit` rows. Without it, at most `limit` rows are shown and
    `more` (HTML) links to the full, filterable list.
    """
    t = ctx.t
    rows = ctx.newest_first(entries)
    if not rows:
        return f'<p class="kb-empty">{esc(t("no_entries"))}</p>'
    total = len(rows)
    if limit is not None:
        rows = rows[:limit]
    with_component = kinds == "defect"
    parts = []
    if filters:  # its choices come from every entry of the table: in the preview, kept while they are equal
        parts.append(kept(ctx, ("filters", here, table_id, kinds), lambda: ctx.facts_of("filters", entries, _filtered),
                          lambda: _filter_form(ctx, entries, table_id, kinds)))
    cols = [("id", "id", "text"), ("title", "title", "text")]
    if kinds == "mixed":
        cols.insert(0, ("kind", "kind", "text"))
    cols += [("severity", "severity", "num"), ("status", "status", "num"), ("product", "product", "text")]
    if with_component:
        cols.append(("component", "component", "text"))
    cols += [("pm", "pm", "text"), ("date", "date", "text"), ("tag", "tags", "text")]
    head = "".join(f'<th data-sort-type="{kind}" data-col="{key}" scope="col"><button type="button">'
                   f"{esc(t(label))}</button></th>" for key, label, kind in cols)
    body = [_row(ctx, here, e, kinds) for e in rows]
    data = ""
    if data_src:
        base = ctx.href(here, "index.md")
        data = (f' data-src="{esc(data_src)}" data-base="{esc("" if base == "./" else base)}"'
                f' data-columns="{" ".join(key for key, _, _ in cols)}"'
                f' data-page="{limit if limit is not None else total}"'
                f' data-version="{first_page_version(ctx, kinds, rows)}"')
    parts.append(
        # drawn only once near the view; --kb-rows sizes its box until then (kb.css)
        f'<div class="kb-table-wrap kb-deferred" style="--kb-rows:{len(rows)}">'
        f'<table class="kb-table" id="{esc(table_id)}"{data}>'
        f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )
    if data_src:
        parts.append('<nav class="kb-pager" hidden></nav>')
    elif total > len(rows) and more:
        parts.append(f'<p class="kb-more">{len(rows)} / {total} · {more}</p>')
    return "".join(parts)


# The "All defects" filter: entries written in the knowledge base vs records imported as history.
ORIGIN_LABELS = {False: ("Origin", "Written", "Imported"), True: ("来源", "撰写", "导入")}


def origin(e: Entry) -> str:
    imported = getattr(e.model, "imported", None)
    return "imported" if imported is not None and imported.mode == "history" else "written"


KEY = "__KEY__"  # placeholder in URL templates, replaced by the browser


def entries_json(ctx: SiteContext, kind: str, first_page: int) -> str:
    """All entries of a kind for the browser table: compact rows, names and labels once.

    `version` names what the table's first `first_page` rows were made from: the script keeps
    the rows of the page's HTML (which carries the same `data-version`) instead of drawing them
    again, while the table shows that first page unfiltered and unsorted."""
    entries = ctx.newest_first([e for e in ctx.kb.entries if e.kind == kind])
    rows = [_json_row(ctx, e) for e in entries]
    data = _table_data(ctx, kind)
    data["version"] = _version(data, rows[:first_page])
    data["rows"] = []  # spliced in below, each row's JSON made once per version of its entry
    # json.dumps escapes nothing dangerous for a .json file served as application/json.
    head, tail = json.dumps(data, ensure_ascii=False, separators=(",", ":")).split('"rows":[]', 1)
    return f'{head}"rows":[{",".join(rows)}]{tail}'


def first_page_version(ctx: SiteContext, kind: str, rows: Sequence[Entry]) -> str:
    """The `version` of entries_json whose first page is `rows` (the rows of the HTML)."""
    return _version(_table_data(ctx, kind), [_json_row(ctx, e) for e in rows])


def _table_data(ctx: SiteContext, kind: str) -> dict[str, object]:
    """What the browser table needs besides the rows: columns, labels and names, link patterns."""
    t = ctx.t
    reg = ctx.kb.registry
    statuses = DefectStatus if kind == "defect" else LessonStatus
    return {
        "columns": ["id", "kind", "title", "severity", "status", "product", "component", "pm", "date", "tag", "url",
                    "people", "origin"],
        "labels": {"severity": {s.value: t.enum(s) for s in Severity},
                   "status": {s.value: t.enum(s) for s in statuses}},
        "people": {pid: p.name for pid, p in reg.people.items()},
        "products": {key: p.name for key, p in reg.products.items()},
        "components": {f"{key}/{c}": comp.name for key, p in reg.products.items() for c, comp in p.components.items()},
        "urls": {"product": ctx.url(ctx.product_src(KEY)), "person": ctx.url(ctx.person_src(KEY)),
                 "tag": ctx.url(ctx.tag_src(KEY))},
    }


def _version(table_data: dict[str, object], first_rows: Sequence[str]) -> str:
    """A digest of everything a first page's rows are drawn from: the rows and the names and labels."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(json.dumps(table_data, ensure_ascii=False, sort_keys=True).encode())
    for row in first_rows:
        digest.update(b"\n" + row.encode())
    return digest.hexdigest()


def _json_row(ctx: SiteContext, e: Entry) -> str:
    """One entry's row of the index JSON; in the preview, kept while the entry is unchanged."""
    return entry_piece(ctx, ("json", e.id, ""), e.id, lambda: _render_json_row(ctx, e))


def _render_json_row(ctx: SiteContext, e: Entry) -> str:
    m = e.model
    people = [m.pm, *(p for p in (getattr(m, f, None) for f in ("reporter", "assignee", "verifier")) if p),
              *getattr(m, "authors", [])]
    row = [e.id, e.kind, m.title, m.severity.value, m.status.value, " ".join(_products_of(e)),
           getattr(m, "component", None) or "", m.pm, entry_date(e).isoformat(), list(m.tags),
           ctx.url(e.rel_path), " ".join(dict.fromkeys(people)), origin(e)]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


_SEV_RANK = {s.value: i for i, s in enumerate(Severity)}
_STATUS_RANK = {s.value: i for i, s in enumerate([*DefectStatus, *LessonStatus])}


def _row(ctx: SiteContext, here: str, e: Entry, kinds: str) -> str:
    """One table row. Rows differ between pages only by the link prefix (the page's depth),
    so each is rendered once per prefix and reused: an entry appears on many lists."""
    key = (ctx.href(here, "index.md"), e.id, kinds)
    cached = ctx.row_cache.get(key)
    if cached is not None:
        return cached
    # in the preview, rows of unchanged entries come from the previous build
    html = ctx.row_cache[key] = entry_piece(ctx, key, e.id, lambda: _render_row(ctx, here, e, kinds))
    return html


def _render_row(ctx: SiteContext, here: str, e: Entry, kinds: str) -> str:
    t = ctx.t
    m = e.model
    products = _products_of(e)
    people = [m.pm, *(getattr(m, f, None) or "" for f in ("reporter", "assignee", "verifier"))]
    people += list(getattr(m, "authors", []))
    text = " ".join([e.id, m.title, *products, *(ctx.person_name(p) for p in people if p), *m.tags]).lower()
    attrs = {
        "data-id": e.id, "data-severity": m.severity.value, "data-status": m.status.value,
        "data-product": " ".join(products), "data-pm": m.pm, "data-tag": " ".join(m.tags),
        "data-date": entry_date(e).isoformat(), "data-kind": e.kind, "data-text": text,
        "data-origin": origin(e),
    }
    if e.kind == "defect":
        attrs["data-component"] = m.component or ""
    href = esc(ctx.href(here, e.rel_path))
    cells = []
    if kinds == "mixed":
        cells.append(f'<td>{esc(t("defects") if e.kind == "defect" else t("lessons"))}</td>')
    cells += [
        f'<td class="kb-nowrap"><a href="{href}">{esc(e.id)}</a></td>',
        f'<td class="kb-title"><a href="{href}">{esc(m.title)}</a></td>',
        f'<td data-sort="{_SEV_RANK[m.severity.value]}">{badge(ctx, "severity", m.severity)}</td>',
        f'<td data-sort="{_STATUS_RANK.get(m.status.value, 99)}">{badge(ctx, "status", m.status)}</td>',
        "<td>" + ", ".join(f'<a href="{esc(ctx.href(here, ctx.product_src(p)))}">{esc(ctx.product_name(p))}</a>'
                           for p in products) + "</td>",
    ]
    if kinds == "defect":
        cells.append(f"<td>{esc(ctx.component_name(m.product, m.component)) if m.component else ''}</td>")
    cells += [
        f"<td>{ctx.person_link(here, m.pm)}</td>",
        f'<td class="kb-nowrap">{esc(entry_date(e).isoformat())}</td>',
        "<td>" + " ".join(f'<a class="kb-tag" href="{esc(ctx.href(here, ctx.tag_src(tag)))}">#{esc(tag)}</a>'
                          for tag in m.tags) + "</td>",
    ]
    attr_text = " ".join(f'{k}="{esc(v)}"' for k, v in attrs.items())
    return f"<tr {attr_text}>{''.join(cells)}</tr>"


def _filtered(e: Entry) -> tuple[object, ...]:
    """Everything `_filter_form` reads of an entry (a title edit changes none of it)."""
    m = e.model
    return (e.kind, m.severity, m.status, tuple(_products_of(e)), m.component if e.kind == "defect" else None,
            m.pm, tuple(m.tags), origin(e))


def _filter_form(ctx: SiteContext, rows: Sequence[Entry], table_id: str, kinds: str) -> str:
    t = ctx.t
    any_label = t("any")
    present = {
        "severity": {e.model.severity.value for e in rows},
        "status": {e.model.status.value for e in rows},
        "product": {p for e in rows for p in _products_of(e)},
        "component": {f"{e.model.component}" for e in rows if e.kind == "defect" and e.model.component},
        "pm": {e.model.pm for e in rows},
        "tag": {tag for e in rows for tag in e.model.tags},
    }
    sev = [(s.value, t.enum(s)) for s in Severity if s.value in present["severity"]]
    statuses = [(s.value, t.enum(s)) for s in [*DefectStatus, *LessonStatus] if s.value in present["status"]]
    products = sorted(((p, ctx.product_name(p)) for p in present["product"]), key=lambda x: x[1])
    components = sorted(present["component"])
    pms = sorted(((p, ctx.person_name(p)) for p in present["pm"]), key=lambda x: x[1])
    tags = sorted((tag, tag) for tag in present["tag"])
    controls = [
        _select("severity", t("severity"), sev, any_label),
        _select("status", t("status"), statuses, any_label),
        _select("product", t("product"), products, any_label),
    ]
    if kinds == "defect" and components:
        controls.append(_select("component", t("component"), [(c, c) for c in components], any_label))
    if kinds == "mixed":
        controls.insert(0, _select("kind", t("kind"), [("defect", t("defects")), ("lesson", t("lessons"))],
                                   any_label))
    if kinds == "defect" and any(origin(e) == "imported" for e in rows):
        label = ORIGIN_LABELS[ctx.language == "zh"]
        controls.append(_select("origin", label[0], [("written", label[1]), ("imported", label[2])], any_label))
    controls += [
        _select("pm", t("pm"), pms, any_label),
        _select("tag", t("tag"), tags, any_label),
        f'<label class="kb-filter"><span>{esc(t("from"))}</span><input type="date" name="from"></label>',
        f'<label class="kb-filter"><span>{esc(t("to"))}</span><input type="date" name="to"></label>',
        f'<label class="kb-filter kb-filter-text"><span>{esc(t("search_text"))}</span>'
        f'<input type="search" name="q" autocomplete="off"></label>',
        f'<button type="reset" class="md-button kb-reset">{esc(t("reset"))}</button>',
    ]
    return (f'<form class="kb-filters" data-table="{esc(table_id)}" data-shown="{esc(t("shown"))}" '
            f'data-of="{esc(t("of"))}" role="search">{"".join(controls)}'
            f'<output class="kb-count" aria-live="polite"></output></form>')
