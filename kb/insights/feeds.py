"""Atom feeds of new and updated entries: site-wide, per product and per PM.

Links are absolute (from `site_url`). Nothing depends on the build time: an entry's `updated`
is the latest date in its front matter, and a feed's `updated` is that of its newest entry,
so two builds of the same content write the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from defectkb.analytics import moment
from defectkb.enums import Role
from defectkb.knowledgebase import Entry, KnowledgeBase
from feedgen.feed import FeedGenerator

FEED_SIZE = 50  # newest entries per feed


def published(entry: Entry) -> datetime:
    m = entry.model
    return moment(m.reported_at if entry.kind == "defect" else m.created_at)


def updated(entry: Entry) -> datetime:
    """The latest date in the front matter: the last thing known to have happened to the entry."""
    m = entry.model
    if entry.kind == "defect":
        dates = [m.reported_at, m.resolved_at, m.verified_at, m.closed_at]
    else:
        dates = [m.created_at, m.reviewed_at, m.published_at]
    return max(moment(d) for d in dates if d is not None)


def atom(entries: Iterable[Entry], *, feed_id: str, title: str, home: str, self_url: str,
         entry_url: Callable[[Entry], str], summary: Callable[[Entry], str], language: str,
         people: dict[str, str]) -> bytes:
    """One Atom document of the newest `FEED_SIZE` entries (by updated, then id)."""
    ordered = sorted(entries, key=lambda e: (updated(e), e.id), reverse=True)[:FEED_SIZE]
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.link(href=home, rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.language(language)
    fg.generator("DefectKB")
    fg.updated(updated(ordered[0]) if ordered else datetime(1970, 1, 1, tzinfo=UTC))
    for e in ordered:
        url = entry_url(e)
        fe = fg.add_entry(order="append")
        fe.id(url)
        fe.title(f"{e.id} {e.model.title}")
        fe.link(href=url, rel="alternate")
        fe.published(published(e))
        fe.updated(updated(e))
        fe.summary(summary(e))
        authors = [e.model.reporter] if e.kind == "defect" else list(e.model.authors)
        for pid in authors:
            fe.author(name=people.get(pid, pid))
        for tag in e.model.tags:
            fe.category(term=tag)
    return fg.atom_str(pretty=True)


def feed_groups(kb: KnowledgeBase, newest_first: Iterable[Entry], size: int) -> dict[tuple[str, str], list[Entry]]:
    """("all", ""), ("products", key), ("people", pm id) -> the `size` newest entries of each, from
    the entries `newest_first`, in one pass that stops once every group is full."""
    groups: dict[tuple[str, str], list[Entry]] = {("all", ""): []}
    for key in kb.registry.products:
        groups[("products", key)] = []
    for pid, person in kb.registry.people.items():
        if Role.pm in person.roles:
            groups[("people", pid)] = []
    full, every = 0, len(groups)

    def add(group: list[Entry], e: Entry) -> int:
        """Put `e` in `group` if it has room; 1 when that fills it."""
        if len(group) < size:
            group.append(e)
            return len(group) == size
        return 0

    for e in newest_first:
        full += add(groups[("all", "")], e)
        products = [e.model.product] if e.kind == "defect" else e.model.products
        for p in dict.fromkeys(products):
            if (g := groups.get(("products", p))) is not None:
                full += add(g, e)
        if (g := groups.get(("people", e.model.pm))) is not None:
            full += add(g, e)
        if full == every:
            break
    return groups
