"""Retrospective digest pages: one per ISO week, month and quarter with activity, and an index.

Each page is meant to be shown as is in a review, or printed (kb.css has a print stylesheet).
"""

from __future__ import annotations

from collections.abc import Iterator

from defectkb.enums import CauseCategory, DefectType
from defectkb.insights.digests import Digest
from defectkb.insights.periods import KINDS
from defectkb.site.context import SiteContext, esc
from defectkb.site.memo import kept, made_from
from defectkb.site.tables import entry_table

# Rows per list on a digest page: five lists of 100 made a quarter's page 428 KiB at 10,000 entries;
# the index, filtered by the period, has the rest.
DIGEST_ROWS = 25
COMPARED = ("new_defects", "new_severe", "online", "resolved", "open_at_end", "median_resolve_days",
            "new_lessons", "actions_due", "actions_overdue")
LABEL_OF = {"new_defects": "new_defects", "new_severe": "new_severe", "online": "online_n",
            "resolved": "resolved_n", "open_at_end": "open_at_end", "median_resolve_days": "median_resolve",
            "new_lessons": "new_lessons", "actions_due": "actions_due", "actions_overdue": "actions_overdue_n"}


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _change(now: float | int | None, before: float | int | None) -> str:
    """▲ / ▼ with the difference; '=' when equal; '—' when either side is unknown."""
    if now is None or before is None:
        return '<span class="kb-change">—</span>'
    diff = now - before
    if abs(diff) < 1e-9:
        return '<span class="kb-change kb-change-same">=</span>'
    arrow, cls = ("▲", "up") if diff > 0 else ("▼", "down")
    text = f"{diff:+.1f}" if isinstance(diff, float) else f"{diff:+d}"
    return f'<span class="kb-change kb-change-{cls}">{arrow} {text}</span>'


def _title(ctx: SiteContext, d: Digest) -> str:
    return f"{ctx.t('digest')} {d.key}"


def digest_pages(ctx: SiteContext) -> Iterator[tuple[str, str, str]]:
    """(src, title, html) for the index and every digest."""
    yield digest_index(ctx)
    for kind in KINDS:
        ordered = ctx.digests.get(kind, [])  # newest first
        for i, d in enumerate(ordered):
            newer = ordered[i - 1] if i > 0 else None
            older = ordered[i + 1] if i + 1 < len(ordered) else None
            yield _kept_digest_page(ctx, d, older, newer)


def _kept_digest_page(ctx: SiteContext, d: Digest, older: Digest | None,
                      newer: Digest | None) -> tuple[str, str, str]:
    """A digest page, from the previous preview build when nothing it shows has changed."""
    return kept(ctx, ("digest", d.key), lambda: _digest_inputs(ctx, d, older, newer),
                lambda: digest_page(ctx, d, older, newer))


def _digest_inputs(ctx: SiteContext, d: Digest, older: Digest | None, newer: Digest | None) -> object:
    """Everything a digest page shows: its figures, its neighbours, its actions, and the versions
    of every entry it lists or links to (the lessons of its serious defects included)."""
    lessons = sorted({lid for e in d.serious for lid in e.model.related_lessons}
                     | {le.id for e in d.serious for rel, le in ctx.backlinks.get(e.id, [])
                        if rel == "related_lessons"})
    versions = ctx.entry_versions
    actions = tuple((a.item_id, a.description, a.owner, a.due, a.status, a.overdue) for a in d.actions)
    # compared with ==, never hashed: dicts and lists as they are
    return (older.key if older else None, newer.key if newer else None, d.period, d.counts, d.previous,
            d.top_types, d.top_causes, d.contributors, actions, _listed_versions(ctx, d),
            tuple((lid, versions.get(lid, -1)) for lid in lessons))


def _listed_versions(ctx: SiteContext, d: Digest) -> tuple[object, ...]:
    """The versions of every entry a digest lists. A digest the previous preview build had too (the
    very object: DigestBook keeps it, and rebind_digests keeps it while it lists that build's entry
    objects) lists entries whose versions cannot have changed: they are not looked up again."""
    return made_from(ctx.memo, ("digest versions", d.period), d, lambda: ctx.versions_of(
        [*d.new_defects, *d.resolved, *d.new_lessons, *d.serious, *(a.lesson for a in d.actions)]))


def digest_index(ctx: SiteContext) -> tuple[str, str, str]:
    """The list of every digest with its three counts; in the preview, kept while they are equal."""
    return kept(ctx, ("digest index",), lambda: tuple(
        (d.key, d.counts["new_defects"], d.counts["resolved"], d.counts["new_lessons"])
        for kind in ("quarter", "month", "week") for d in ctx.digests.get(kind, [])), lambda: _digest_index(ctx))


def _digest_index(ctx: SiteContext) -> tuple[str, str, str]:
    t = ctx.t
    here = ctx.digest_src()
    parts = [f"<h1>{esc(t('digests'))}</h1>", f'<p class="kb-defs">{esc(_plain(t, "digest"))}</p>']
    for kind, label in (("quarter", "quarters"), ("month", "months"), ("week", "weeks")):
        items = "".join(
            f'<li><a href="{esc(ctx.href(here, ctx.digest_src(d.key)))}">{esc(d.key)}</a> '
            f'<span class="kb-muted">{d.counts["new_defects"]} {esc(t("new_defects"))} · '
            f'{d.counts["resolved"]} {esc(t("resolved_n"))} · {d.counts["new_lessons"]} {esc(t("new_lessons"))}'
            f"</span></li>" for d in ctx.digests.get(kind, []))
        if items:
            parts.append(f'<h2 id="{kind}s">{esc(t(label))}</h2><ul class="kb-digest-list">{items}</ul>')
    return here, t("digests"), "".join(parts)


def _plain(t: object, key: str) -> str:
    from defectkb.i18n import insight_definition

    return insight_definition(t, key).replace("`", "")  # type: ignore[arg-type]


def digest_page(ctx: SiteContext, d: Digest, older: Digest | None, newer: Digest | None) -> tuple[str, str, str]:
    t = ctx.t
    here = ctx.digest_src(d.key)
    p = d.period
    nav = [f'<a href="{esc(ctx.href(here, ctx.digest_src()))}">{esc(t("all_digests"))}</a>']
    if older:
        nav.insert(0, f'<a rel="prev" href="{esc(ctx.href(here, ctx.digest_src(older.key)))}">← {esc(older.key)}</a>')
    if newer:
        nav.append(f'<a rel="next" href="{esc(ctx.href(here, ctx.digest_src(newer.key)))}">{esc(newer.key)} →</a>')
    rows = "".join(
        f'<tr data-key="{k}"><th scope="row">{esc(t(LABEL_OF[k]))}</th><td>{_fmt(d.counts[k])}</td>'
        f"<td>{_fmt(d.previous[k])}</td><td>{_change(d.counts[k], d.previous[k])}</td></tr>" for k in COMPARED)
    parts = [
        f"<h1>{esc(_title(ctx, d))}</h1>",
        f'<p class="kb-digest-range">{esc(t(p.kind))}: {p.start.isoformat()} – {p.end.isoformat()}</p>',
        f'<p class="kb-digest-nav">{" · ".join(nav)}</p>',
        f'<div class="kb-table-wrap"><table class="kb-data-table kb-digest-figures" id="kb-digest-figures">'
        f'<thead><tr><th scope="col"></th><th scope="col">{esc(t("this_period"))}</th>'
        f'<th scope="col">{esc(t("previous_period"))} ({esc(p.previous().key)})</th>'
        f'<th scope="col">{esc(t("change"))}</th></tr></thead><tbody>{rows}</tbody></table></div>',
    ]
    rows_cap = min(ctx.listing_limit, DIGEST_ROWS)
    # the serious ones first, with the lessons drawn from them
    parts.append(f'<h2 id="serious">{esc(t("serious_with_lessons"))} ({len(d.serious)})</h2>')
    if d.serious:
        items = []
        for e in d.serious[:rows_cap]:
            lessons = [ctx.id_link(here, lid) for lid in e.model.related_lessons]
            lessons += [ctx.entry_link(here, le) for rel, le in ctx.backlinks.get(e.id, [])
                        if rel == "related_lessons" and le.id not in e.model.related_lessons]
            items.append(f'<li><span class="kb-badge kb-severity-{esc(e.model.severity.value)}">'
                         f"{esc(t.enum(e.model.severity))}</span> {ctx.entry_link(here, e)} "
                         f'<span class="kb-badge kb-status-{esc(e.model.status.value)}">{esc(t.enum(e.model.status))}'
                         "</span>" + (f"<ul><li>{' · '.join(lessons)}</li></ul>" if lessons else "") + "</li>")
        parts.append(f'<ul class="kb-serious">{"".join(items)}</ul>')
    else:
        parts.append(f'<p class="kb-empty">{esc(t("nothing"))}</p>')
    span = f"from={p.start.isoformat()}&to={p.end.isoformat()}"
    defects_index = ctx.href(here, ctx.kb.config.kind("defect").folder + "/index.md")
    lessons_index = ctx.href(here, ctx.kb.config.kind("lesson").folder + "/index.md")
    for anchor, label, entries, kinds, more in (
        ("new", "new_defects", d.new_defects, "defect", f'<a href="{esc(defects_index)}?{esc(span)}">'
                                                         f'{esc(t("all_defects"))} →</a>'),
        ("resolved", "resolved_n", d.resolved, "defect", ""),
        ("lessons", "new_lessons", d.new_lessons, "lesson", f'<a href="{esc(lessons_index)}?{esc(span)}">'
                                                             f'{esc(t("all_lessons"))} →</a>'),
    ):
        parts.append(f'<h2 id="{anchor}">{esc(t(label))} ({len(entries)})</h2>')
        parts.append(entry_table(ctx, here, entries, table_id=f"kb-digest-{anchor}", filters=False, kinds=kinds,
                                 limit=rows_cap, more=more if len(entries) > rows_cap else ""))
    parts.append(f'<h2 id="actions">{esc(t("actions_due"))} ({len(d.actions)})</h2>')
    if d.actions:
        rows = "".join(
            f'<tr class="{"kb-overdue" if a.overdue else ""}"><td>{ctx.entry_link(here, a.lesson, with_title=False)}'
            f" {esc(a.item_id)}</td><td>{esc(a.description)}</td><td>{ctx.person_link(here, a.owner)}</td>"
            f'<td class="kb-nowrap">{a.due.isoformat()}</td><td><span class="kb-action-{esc(a.status)}">'
            f"{esc(a.status.replace('_', ' '))}</span>{' · ' + esc(t('actions_overdue')) if a.overdue else ''}"
            "</td></tr>" for a in d.actions[:rows_cap])
        parts.append(f'<div class="kb-table-wrap"><table class="kb-data-table" id="kb-digest-actions"><thead><tr>'
                     f'<th scope="col">{esc(t("item"))}</th><th scope="col">{esc(t("description"))}</th>'
                     f'<th scope="col">{esc(t("owner"))}</th><th scope="col">{esc(t("due"))}</th>'
                     f'<th scope="col">{esc(t("status"))}</th></tr></thead><tbody>{rows}</tbody></table></div>')
    else:
        parts.append(f'<p class="kb-empty">{esc(t("nothing"))}</p>')
    causes = [f"{esc(_enum(t, DefectType, k))} ({n})" for k, n in d.top_types]
    roots = [f"{esc(_enum(t, CauseCategory, k))} ({n})" for k, n in d.top_causes]
    parts.append(f'<h2 id="causes">{esc(t("top_causes"))}</h2><ul class="kb-causes">'
                 f'<li><strong>{esc(t("defect_type"))}:</strong> {", ".join(causes) or "—"}</li>'
                 f'<li><strong>{esc(t("cause_category"))}:</strong> {", ".join(roots) or "—"}</li></ul>')
    parts.append(f'<h2 id="contributors">{esc(t("contributors"))} ({len(d.contributors)})</h2>')
    if d.contributors:
        rows = "".join(f"<tr><td>{ctx.person_link(here, pid)}</td><td>{c['reported']}</td><td>{c['resolved']}</td>"
                       f"<td>{c['lessons']}</td></tr>" for pid, c in d.contributors)
        parts.append(f'<div class="kb-table-wrap"><table class="kb-data-table" id="kb-digest-contributors"><thead>'
                     f'<tr><th scope="col">{esc(t("people"))}</th><th scope="col">{esc(t("reported_count"))}</th>'
                     f'<th scope="col">{esc(t("fixed_count"))}</th><th scope="col">{esc(t("lessons_n"))}</th></tr>'
                     f"</thead><tbody>{rows}</tbody></table></div>")
    parts.append(f'<p class="kb-defs">{esc(_plain(t, "digest"))}</p>')
    return here, _title(ctx, d), "".join(parts)


def _enum(t: object, enum: type, key: str) -> str:
    try:
        return t.enum(enum(key))  # type: ignore[attr-defined]
    except ValueError:
        return key
