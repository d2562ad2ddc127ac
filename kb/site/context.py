"""What every generated page needs: the knowledge base, figures computed once, labels, URLs."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from typing import TYPE_CHECKING, Any, TypeVar

from defectkb.analytics import (
    PersonStats,
    Summary,
    SummaryTally,
    entry_date,
    people_facts,
    people_stats,
    rebind_people,
    rebind_summary,
    summary,
    summary_facts,
)
from defectkb.i18n import Labels
from defectkb.insights.digests import Digest, DigestBook, digest_facts, rebind_digests
from defectkb.insights.feeds import updated
from defectkb.insights.figures import (
    AllFigures,
    Tally,
    compute,
    department_of,
    entry_facts,
    lesson_linked_ids,
)
from defectkb.insights.reading import ReadingList, reading_facts, reading_lists, rebind_reading
from defectkb.knowledgebase import Entry, KnowledgeBase
from defectkb.site.memo import Store, store_for

T = TypeVar("T")

if TYPE_CHECKING:  # the charts need the `site` extra (vl-convert); the context does not
    from defectkb.charts import Renderer


def esc(value: object) -> str:
    """HTML-escape anything that came from front matter or a registry."""
    return escape("" if value is None else str(value), quote=True)


def src_to_url(src: str, directory_urls: bool = True) -> str:
    """MkDocs' mapping of a source path to its URL."""
    stem = src[:-3] if src.endswith(".md") else src
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


@dataclass
class SiteContext:
    kb: KnowledgeBase
    language: str = "en"
    directory_urls: bool = True
    people_dir: str = "people"
    products_dir: str = "products"
    tags_dir: str = "tags"
    home_is_generated: bool = True
    assets_dir: str = "assets/defectkb"
    search_dir: str = "search"
    search: bool = True  # a Pagefind search page
    listing_limit: int = 100  # rows per list on product, person and home pages; the rest via the index
    insights_dir: str = "insights"
    digests_dir: str = "digests"
    site_url: str | None = None  # absolute base of feed links; no feeds without it
    site_name: str = ""
    feeds_dir: str = "feeds"
    # files the pages refer to besides themselves (chart CSVs), filled while pages are generated
    extra_files: dict[str, str] = field(default_factory=dict, repr=False)
    # set by the build to render charts in a worker process; None renders them on the spot
    charts: Renderer | None = field(default=None, repr=False)
    _prefixes: dict[str, str] = field(default_factory=dict, repr=False)
    row_cache: dict[tuple[str, str, str], str] = field(default_factory=dict, repr=False)
    _pending: dict[str, tuple[object, ...]] = field(default_factory=dict, repr=False)  # see _facts

    @cached_property
    def t(self) -> Labels:
        return Labels(self.language)

    @cached_property
    def stats(self) -> dict[str, PersonStats]:
        return self._kept_result("people", people_facts, people_stats, rebind_people)

    @cached_property
    def summary(self) -> Summary:
        """The home page's figures. In the preview, counted again only for the entries whose
        facts changed, and the previous build's lists while none did."""
        if self.memo is None:
            return summary(self.kb)
        facts, kept, changes = self._facts("summary", None, summary_facts)
        if kept is not None and not changes:
            tally, last = kept
            return self._keep("summary", (tally, rebind_summary(last, self.kb.by_id)))[1]
        if kept is None:
            tally = SummaryTally.open(facts)
        else:
            tally = kept[0]
            del self.memo.pages["summary"]  # updated in place: never kept half-done
            tally.update(changes)
        return self._keep("summary", (tally, tally.summary(self.kb.by_id)))[1]

    @cached_property
    def pm_ids(self) -> frozenset[str]:
        return frozenset(self.kb.registry.pms())

    @cached_property
    def figures(self) -> AllFigures:
        if self.memo is None:
            return compute(self.kb)
        return self._kept_figures()

    def _kept_figures(self) -> AllFigures:
        """The previous build's figures when every entry's facts are as they were (an edited title
        or body changes none); when a few changed, those figures updated for them alone."""
        kb = self.kb
        dept_of, linked = department_of(kb), lesson_linked_ids(kb)  # linked: lessons link defects
        facts, tally, changes = self._facts("figures", linked, lambda e: entry_facts(e, dept_of, linked, kb.today))
        if tally is not None and changes:
            del self.memo.pages["figures"]  # updated in place: never kept half-done
            if not tally.update(changes, kb.today):
                tally = None
        return self._keep("figures", tally if tally is not None else Tally.open(kb, facts)).figures

    def _facts(self, name: str, key: object, fact: Callable[[Entry], Any]) -> tuple[list[Any], Any | None, list[Any]]:
        """`fact` of every entry, worked out again only for entries whose version changed since the
        previous preview build; that build's result for `name` if `key` (and the context) are as
        they were then; and the facts that changed since, as (before, after) pairs (none: the
        result still holds). `_keep` stores this build's result."""
        assert self.memo is not None
        versions = self.versions_of(self.kb.entries)
        last = self.memo.pages.get(name)
        changes: list[tuple[Any, Any]] = []
        if last is None or last[0] != (self.context_version, key) or len(last[1]) != len(versions):
            facts = [fact(e) for e in self.kb.entries]
            last = None
        else:
            facts = list(last[2])
            for i, (before, now) in enumerate(zip(last[1], versions, strict=True)):
                if before != now:
                    found = fact(self.kb.entries[i])
                    if found != facts[i]:
                        changes.append((facts[i], found))
                    facts[i] = found
        self._pending[name] = ((self.context_version, key), versions, facts)
        return facts, (last[3] if last is not None else None), changes

    def _keep(self, name: str, result: T) -> T:
        assert self.memo is not None
        self.memo.pages[name] = (*self._pending.pop(name), result)
        return result

    def _kept_result(self, name: str, fact: Callable[[Entry], object], make: Callable[[KnowledgeBase], T],
                     rebind: Callable[[T, dict[str, Entry]], T]) -> T:
        """`make(kb)`. In the preview, the previous build's result while every entry's `fact` is as
        it was (a title or body edit changes none), pointed at this build's entries by `rebind`."""
        if self.memo is None:
            return make(self.kb)
        _, last, changes = self._facts(name, None, fact)
        kept = last is not None and not changes
        return self._keep(name, rebind(last, self.kb.by_id) if kept else make(self.kb))

    @cached_property
    def feed_order(self) -> list[Entry]:
        """Every entry, newest (updated, then id) first: the order the feeds take their entries
        in. In the preview, the previous build's order while no entry's (updated, id) changed
        (the entries keep their places in the list then), else sorted again from facts worked
        out again only for the entries whose version changed."""
        def fact(e: Entry) -> tuple[Any, str]:
            return updated(e), e.id

        entries = self.kb.entries
        if self.memo is None:
            facts: list[Any] = [fact(e) for e in entries]
            return [entries[i] for i in sorted(range(len(entries)), key=facts.__getitem__, reverse=True)]
        facts, last, changes = self._facts("feed order", None, fact)
        order = last if last is not None and not changes else \
            sorted(range(len(entries)), key=facts.__getitem__, reverse=True)
        return [entries[i] for i in self._keep("feed order", order)]

    @cached_property
    def digests(self) -> dict[str, list[Digest]]:
        """Every digest. In the preview, the previous build's, updated for the entries whose
        facts changed (`DigestBook.update`) and pointed at this build's entries."""
        if self.memo is None:
            return DigestBook.open(self.kb).digests
        facts, book, changes = self._facts("digests", None, digest_facts)
        if book is None:
            book = DigestBook.open(self.kb, facts)
        elif changes:
            del self.memo.pages["digests"]  # updated in place: never kept half-done
            book.update(changes, self.kb.by_id)
        book.digests = rebind_digests(book.digests, self.kb.by_id)
        return self._keep("digests", book).digests

    @cached_property
    def reading(self) -> dict[str, ReadingList]:
        return self._kept_result("reading", reading_facts, reading_lists, rebind_reading)

    @cached_property
    def backlinks(self) -> dict[str, list[tuple[str, Entry]]]:
        """id -> (relation, entry) for references that point at it, built in one pass."""
        out: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
        for e in self.kb.entries:
            m = e.model
            if e.kind == "defect":
                if m.duplicate_of:
                    out[m.duplicate_of].append(("duplicates", e))
                for lid in m.related_lessons:
                    out[lid].append(("source_defects", e))
            else:
                for did in m.source_defects:
                    out[did].append(("related_lessons", e))
                if m.supersedes:
                    out[m.supersedes].append(("superseded_by", e))
        return out

    # -- memos kept between preview rebuilds (defectkb.site.memo) ----------------------------
    @cached_property
    def memo(self) -> Store | None:
        return store_for(str(self.kb.root.resolve()))

    @cached_property
    def context_version(self) -> int:
        """Changes whenever anything but the entries' own fields could change a generated page."""
        if self.memo is None:
            return 0
        settings = (self.kb.config, self.kb.registry, self.kb.today, frozenset(self.kb.by_id), self.language,
                    self.directory_urls, self.people_dir, self.products_dir, self.tags_dir, self.home_is_generated,
                    self.assets_dir, self.search_dir, self.search, self.listing_limit, self.insights_dir,
                    self.digests_dir, self.site_url, self.site_name, self.feeds_dir, self.charts is None)
        return self.memo.versions.of("context", settings)

    @cached_property
    def entry_versions(self) -> dict[str, int]:
        """id -> a version that changes whenever the entry's fields or path change."""
        if self.memo is None:
            return {}
        of = self.memo.versions.of
        return {e.id: of(("entry", e.id), (e.rel_path, e.model)) for e in self.kb.entries}

    @cached_property
    def _versions_by_object(self) -> dict[int, int]:
        versions = self.entry_versions  # empty without memos: versions_of then compares fields
        return {id(e): versions[e.id] for e in self.kb.entries if e.id in versions}

    def versions_of(self, entries: list[Entry]) -> tuple[object, ...]:
        """What a list of entries is, for a memo: their versions in order.

        A version number is never given twice, so it names the entry too. Looked up by object
        identity (the entries of this build are alive while it runs): no Python call per entry.
        """
        try:
            return tuple(map(self._versions_by_object.__getitem__, map(id, entries)))
        except KeyError:  # not an entry of this build's knowledge base: its id and fields, compared
            return tuple((e.id, e.rel_path, e.model) for e in entries)

    def facts_of(self, name: str, entries: Sequence[Entry], fact: Callable[[Entry], object]) -> tuple[object, ...]:
        """`fact` of each entry, for a memo whose page shows only those facts of its entries (the
        choices of a filter form: no title). In the preview each entry's fact is remembered under
        its version, so an edit that leaves the facts as they were leaves the memo's inputs equal."""
        if self.memo is None:
            return tuple(map(fact, entries))
        versions = self.versions_of(list(entries))
        if versions and not isinstance(versions[0], int):  # not this build's entries (versions_of)
            return tuple(map(fact, entries))
        table = self.memo.facts.setdefault(name, {})
        if len(table) > 2 * len(self.kb.entries) + 64:  # versions of entries edited away: start afresh
            table.clear()
        try:
            return tuple(map(table.__getitem__, versions))
        except KeyError:
            found = []
            for version, entry in zip(versions, entries, strict=True):
                known = table.get(version, table)  # (the table itself: no fact yet)
                if known is table:
                    known = table[version] = fact(entry)
                found.append(known)
            return tuple(found)

    @cached_property
    def _date_rank(self) -> dict[int, int]:
        """Every entry's place in the newest-first order of the tables (date, then id), by object
        identity: worked out once per build, from keys kept per entry version in the preview."""
        entries = self.kb.entries
        keys = self.facts_of("date", entries, lambda e: (entry_date(e), e.id))
        order = sorted(range(len(entries)), key=keys.__getitem__, reverse=True)
        return {id(entries[i]): rank for rank, i in enumerate(order)}

    def newest_first(self, entries: Sequence[Entry]) -> list[Entry]:
        """`entries` sorted by date, then id, newest first, as every table lists them."""
        try:
            ranks = list(map(self._date_rank.__getitem__, map(id, entries)))
        except KeyError:  # not this build's entries
            return sorted(entries, key=lambda e: (entry_date(e), e.id), reverse=True)
        return [entries[i] for i in sorted(range(len(ranks)), key=ranks.__getitem__)]

    # -- URLs ------------------------------------------------------------------------------
    def url(self, src: str) -> str:
        return src_to_url(src, self.directory_urls)

    def href(self, from_src: str, to_src: str) -> str:
        """A relative link from one page to another (up to the site root, then down).

        Computed with string operations: this runs tens of thousands of times per build.
        """
        prefix = self._prefixes.get(from_src)
        if prefix is None:
            here = self.url(from_src)
            depth = here.count("/") if here.endswith("/") or here == "" else posixpath.dirname(here).count("/") + (
                1 if "/" in here else 0)
            prefix = self._prefixes[from_src] = "../" * depth
        there = self.url(to_src)
        return (prefix + there) or "./"

    def entry_src(self, entry: Entry) -> str:
        return entry.rel_path

    def person_src(self, pid: str) -> str:
        return f"{self.people_dir}/{pid}/index.md"

    def product_src(self, key: str, component: str | None = None) -> str:
        return f"{self.products_dir}/{key}/{component}/index.md" if component else f"{self.products_dir}/{key}/index.md"

    def tag_src(self, tag: str) -> str:
        return f"{self.tags_dir}/{tag}/index.md"

    def insights_src(self, kind: str = "all", key: str = "") -> str:
        if kind == "all":
            return f"{self.insights_dir}/index.md"
        folder = "products" if kind == "product" else "departments"
        return f"{self.insights_dir}/{folder}/{key}/index.md"

    def digest_src(self, key: str | None = None) -> str:
        return f"{self.digests_dir}/{key}/index.md" if key else f"{self.digests_dir}/index.md"

    def feed_path(self, kind: str = "all", key: str = "") -> str:
        """Where a feed lives in the site: feeds/all.xml, feeds/products/<key>.xml, feeds/people/<id>.xml."""
        return f"{self.feeds_dir}/all.xml" if kind == "all" else f"{self.feeds_dir}/{kind}/{key}.xml"

    def absolute(self, path: str) -> str:
        """An absolute URL from `site_url` and a site path (no leading slash)."""
        assert self.site_url is not None
        return self.site_url.rstrip("/") + "/" + path

    def file_href(self, from_src: str, path: str) -> str:
        """A relative link from a page to a non-page file of the site (a CSV, a feed)."""
        return self.href(from_src, "index.md").removeprefix("./") + path

    # -- names -----------------------------------------------------------------------------
    def person_name(self, pid: str | None) -> str:
        if not pid:
            return "—"
        person = self.kb.registry.people.get(pid)
        return person.name if person else pid

    def product_name(self, key: str) -> str:
        product = self.kb.registry.products.get(key)
        return product.name if product else key

    def component_name(self, product: str, component: str | None) -> str:
        if not component:
            return "—"
        p = self.kb.registry.products.get(product)
        c = p.components.get(component) if p else None
        return c.name if c else component

    def person_link(self, from_src: str, pid: str | None) -> str:
        if not pid:
            return "—"
        if pid not in self.kb.registry.people:
            return esc(pid)
        return f'<a href="{esc(self.href(from_src, self.person_src(pid)))}">{esc(self.person_name(pid))}</a>'

    def entry_link(self, from_src: str, entry: Entry, *, with_title: bool = True) -> str:
        href = esc(self.href(from_src, self.entry_src(entry)))
        text = f"{esc(entry.id)} · {esc(entry.model.title)}" if with_title else esc(entry.id)
        return f'<a href="{href}">{text}</a>'

    def id_link(self, from_src: str, entry_id: str) -> str:
        target = self.kb.by_id.get(entry_id)
        return self.entry_link(from_src, target) if target else esc(entry_id)
