"""The metadata card shown above an entry's write-up. Every value is escaped."""

from __future__ import annotations

import re
from datetime import date, datetime

from defectkb.analytics import day, resolve_days
from defectkb.enums import LabeledEnum
from defectkb.knowledgebase import Entry
from defectkb.site.context import SiteContext, esc
from defectkb.vcs.history import GitFacts

_URL = re.compile(r"^https?://", re.IGNORECASE)


def fmt_time(value: date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %z").replace(" +0000", " UTC")
    return value.isoformat()


def badge(ctx: SiteContext, field: str, value: LabeledEnum | None) -> str:
    if value is None:
        return ""
    return (f'<span class="kb-badge kb-{esc(field)}-{esc(value.value)}" title="{esc(value.value)}">'
            f"{esc(ctx.t.enum(value))}</span>")


def link_or_text(ref: str) -> str:
    """http(s) references become links; anything else (a SHA, a key, a path) stays text."""
    if _URL.match(ref):
        return f'<a href="{esc(ref)}" rel="noopener nofollow ugc">{esc(ref)}</a>'
    return f"<code>{esc(ref)}</code>"


def _row(label: str, value: str) -> str:
    return f"<dt>{esc(label)}</dt><dd>{value}</dd>" if value else ""


def _fact(when: date, author: str) -> str:
    """A date and an author from git (the author name is untrusted text)."""
    return f'<time datetime="{esc(when.isoformat())}">{esc(when.strftime("%Y-%m-%d"))}</time> · {esc(author)}'


def entry_card(ctx: SiteContext, entry: Entry, facts: GitFacts | None = None) -> str:
    t = ctx.t
    m = entry.model
    here = entry.rel_path
    kind_label = t("defects") if entry.kind == "defect" else t("lessons")
    head = [f'<span class="kb-badge kb-kind-{esc(entry.kind)}">{esc(kind_label)}</span>',
            f'<span class="kb-id">{esc(entry.id)}</span>',
            badge(ctx, "severity", m.severity),
            badge(ctx, "status", m.status)]
    rows: list[str] = []
    if entry.kind == "defect":
        head.append(badge(ctx, "priority", m.priority))
        if m.online:
            head.append(f'<span class="kb-badge kb-online">{esc(t("online"))}</span>')
        product = (f'<a href="{esc(ctx.href(here, ctx.product_src(m.product)))}">'
                   f"{esc(ctx.product_name(m.product))}</a>")
        if m.component:
            product += (f' / <a href="{esc(ctx.href(here, ctx.product_src(m.product, m.component)))}">'
                        f"{esc(ctx.component_name(m.product, m.component))}</a>")
        days = resolve_days(entry)
        rows += [
            _row(t("product"), product),
            _row(t("pm"), ctx.person_link(here, m.pm)),
            _row(t("reporter"), ctx.person_link(here, m.reporter)),
            _row(t("assignee"), ctx.person_link(here, m.assignee)),
            _row(t("verifier"), ctx.person_link(here, m.verifier)),
            _row(t("occurred"), esc(fmt_time(m.occurred_at))),
            _row(t("reported"), esc(fmt_time(m.reported_at))),
            _row(t("resolved"), esc(fmt_time(m.resolved_at)) if m.resolved_at else ""),
            _row(t("verified"), esc(fmt_time(m.verified_at)) if m.verified_at else ""),
            _row(t("closed"), esc(fmt_time(m.closed_at)) if m.closed_at else ""),
            _row(t("time_to_resolve"), f"{days:.1f} {esc(t('days'))}" if days is not None else ""),
            _row(t("impact"), esc(t.enum(m.impact_scope))),
            _row(t("reproducibility"), esc(t.enum(m.reproducibility))),
            _row(t("found_phase"), esc(t.enum(m.found_phase))),
            _row(t("injected_phase"), esc(t.enum(m.injected_phase)) if m.injected_phase else ""),
            _row(t("defect_type"), esc(t.enum(m.defect_type)) if m.defect_type else ""),
            _row(t("resolution"), esc(t.enum(m.resolution)) if m.resolution else ""),
            _row(t("environment"), esc(m.environment)),
            _row(t("affected_versions"), ", ".join(f"<code>{esc(v)}</code>" for v in m.affected_versions)),
            _row(t("fixed_version"), f"<code>{esc(m.fixed_version)}</code>" if m.fixed_version else ""),
            _row(t("deferred_to"), esc(m.deferred_to) if m.deferred_to else ""),
            _row(t("reopen_count"), str(m.reopen_count) if m.reopen_count else ""),
            _row(t("duplicate_of"), ctx.id_link(here, m.duplicate_of) if m.duplicate_of else ""),
        ]
        links = m.links
        if links.tracker:
            rows.append(_row(t("tracker"), link_or_text(links.tracker)))
        for name in ("commits", "merge_requests", "test_cases"):
            refs = getattr(links, name)
            if refs:
                rows.append(_row(t(name), " ".join(link_or_text(r) for r in refs)))
        rows.append(_row(t("related_lessons"), _list(ctx, here, m.related_lessons)))
        if m.imported is not None:
            rows += imported_rows(ctx, entry)
    else:
        rows += [
            _row(t("source_type"), esc(t.enum(m.source_type))),
            _row(t("cause_category"), esc(t.enum(m.cause_category))),
            _row(t("products"), ", ".join(
                f'<a href="{esc(ctx.href(here, ctx.product_src(p)))}">{esc(ctx.product_name(p))}</a>'
                for p in m.products)),
            _row(t("pm"), ctx.person_link(here, m.pm)),
            _row(t("authors"), ", ".join(ctx.person_link(here, p) for p in m.authors)),
            _row(t("reviewers"), ", ".join(ctx.person_link(here, p) for p in m.reviewers)),
            _row(t("event_date"), esc(fmt_time(m.event_date))),
            _row(t("created"), esc(fmt_time(m.created_at))),
            _row(t("reviewed"), esc(fmt_time(m.reviewed_at)) if m.reviewed_at else ""),
            _row(t("published"), esc(fmt_time(m.published_at)) if m.published_at else ""),
            _row(t("source_defects"), _list(ctx, here, m.source_defects)),
            _row(t("supersedes"), ctx.id_link(here, m.supersedes) if m.supersedes else ""),
            _row(t("superseded_by"), ctx.id_link(here, m.superseded_by) if m.superseded_by else ""),
        ]
    back = [(rel, e) for rel, e in ctx.backlinks.get(entry.id, [])
            if not _already_shown(entry, rel, e)]
    if back:
        rows.append(_row(t("backlinks"), "<br>".join(
            f"{esc(t(rel))}: {ctx.entry_link(here, e)}" for rel, e in back)))
    if facts is not None:
        rows.append(_row(t("first_added"), _fact(facts.first_date, facts.first_author)))
        rows.append(_row(t("last_updated"), _fact(facts.last_date, facts.last_author)))
    if m.tags:
        rows.append(_row(t("tags"), " ".join(
            f'<a class="kb-tag" href="{esc(ctx.href(here, ctx.tag_src(tag)))}">#{esc(tag)}</a>' for tag in m.tags)))
    card = (f'<div class="kb-card kb-card-{esc(entry.kind)}"><div class="kb-card-head">{"".join(head)}</div>'
            f'<dl class="kb-meta">{"".join(rows)}</dl></div>')
    if entry.kind == "lesson" and m.action_items:
        card += action_table(ctx, entry)
    return card


def _already_shown(entry: Entry, relation: str, other: Entry) -> bool:
    """Back-links that the card already lists from the entry's own fields."""
    m = entry.model
    if relation == "source_defects":
        return other.id in getattr(m, "source_defects", [])
    if relation == "related_lessons":
        return other.id in getattr(m, "related_lessons", [])
    if relation == "superseded_by":
        return getattr(m, "superseded_by", None) == other.id
    return False


def _list(ctx: SiteContext, here: str, ids: list[str]) -> str:
    return "<br>".join(ctx.id_link(here, i) for i in ids)


def action_table(ctx: SiteContext, entry: Entry) -> str:
    t = ctx.t
    rows = []
    for item in entry.model.action_items:
        overdue = item.status.value in ("todo", "in_progress") and day(item.due) < ctx.kb.today
        link = f" {link_or_text(item.link)}" if item.link else ""
        rows.append(
            f'<tr class="{"kb-overdue" if overdue else ""}"><td>{esc(item.id)}</td>'
            f"<td>{esc(item.description)}{link}</td>"
            f"<td>{esc(t.enum(item.type))}</td><td>{ctx.person_link(entry.rel_path, item.owner)}</td>"
            f"<td>{esc(fmt_time(item.due))}</td><td>{badge(ctx, 'action', item.status)}</td></tr>"
        )
    head = "".join(f"<th>{esc(t(k))}</th>" for k in ("id", "description", "type", "owner", "due", "status"))
    return (f'<div class="kb-actions"><h4>{esc(t("action_items"))}</h4>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


_IMPORTED = {False: ("Imported from", "Assumed (not in the source)", "Source labels", "Sections still to write"),
             True: ("导入自", "推定字段（来源无此值）", "来源标签", "尚待撰写的章节")}


def missing_sections(ctx: SiteContext, entry: Entry) -> list[str]:
    """Headings the entry's status asks of a write-up that this imported record lacks."""
    cfg = ctx.kb.config.kind(entry.kind)
    return [cfg.sections[key].heading for key in cfg.required_sections.get(entry.model.status.value, [])
            if key in cfg.sections and (key not in entry.sections or not entry.sections[key].has_content)]


def imported_rows(ctx: SiteContext, entry: Entry) -> list[str]:
    imp = entry.model.imported
    labels = _IMPORTED[ctx.language == "zh"]
    source = f"{esc(imp.system)} " + (link_or_text(imp.url) if imp.url else f"<code>{esc(imp.key)}</code>")
    if imp.url:
        source = f"{esc(imp.system)} <code>{esc(imp.key)}</code> " + link_or_text(imp.url)
    rows = [_row(labels[0], f"{source} · {esc(fmt_time(imp.imported_at))}")]
    if imp.assumed:
        rows.append(_row(labels[1], ", ".join(f"<code>{esc(a)}</code>" for a in imp.assumed)))
    if imp.labels:
        rows.append(_row(labels[2], ", ".join(esc(label) for label in imp.labels)))
    missing = missing_sections(ctx, entry) if imp.mode == "history" else []
    if missing:
        rows.append(f'<dt>{esc(labels[3])}</dt><dd class="kb-missing-sections">'
                    + ", ".join(esc(h) for h in missing) + "</dd>")
    return rows
