"""Fast, correct preview rebuilds.

`mkdocs serve` rebuilds the whole site on every save; at a few thousand entries that takes
tens of seconds. `kb serve` runs it with `--dirty`, where MkDocs rebuilds only pages whose
source is newer than their output, which alone would leave other pages stale. This module
makes the dirty rebuild correct for a knowledge base:

- entries are re-parsed only when their file changed (kb.loader.SourceCache; the first build
  takes unchanged files from the on-disk validation cache, .kb_cache, as `kb validate` does);
- an entry page is rebuilt when it changed or when an entry it shows (a related lesson, the
  original of a duplicate, a back-link) changed;
- a generated page (index, person, product, tag page) is rebuilt when its content changed,
  and a tag page when an entry with that tag changed (its listing is filled in later by
  mkdocs-material's tags plugin);
- pages that are not rebuilt are still handed to the tags plugin, so tag listings stay whole.

Whether MkDocs reuses plugin objects between the rebuilds of `serve` is not part of its API, so
the state that must survive from one build to the next lives here, keyed by the docs folder.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from defectkb.knowledgebase import Entry, KnowledgeBase
from defectkb.loader import SourceCache
from defectkb.site import memo
from defectkb.site.pages import DATA_GROUPS, PAGE_GROUPS, GeneratedPage
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import reuse

# What a first pass may leave for later: every group but the tag pages, whose listings
# mkdocs-material's tags plugin fills in from the pages of the same build, and the search page.
LATER_GROUPS = frozenset(PAGE_GROUPS) - {"tags", "search"} | {"api"}

_enabled = False
_serving = False
_states: dict[str, PreviewState] = {}


def enable(serving: bool, dirty: bool) -> None:
    global _enabled, _serving
    _serving = serving
    _enabled = serving and dirty
    if _enabled:
        reuse.install()  # the docs folder's and the theme's files kept between rebuilds
    else:
        collector.stop()
        reuse.stop()
    memo.keep(_enabled)  # generated HTML of unchanged inputs is reused between dirty rebuilds


def serving() -> bool:
    return _serving


def state_for(docs_dir: str) -> PreviewState | None:
    if not _enabled:
        return None
    state = _states.setdefault(docs_dir, PreviewState())
    if not state.first:
        collector.pause()  # a rebuild: collections wait until the preview is idle (Collector)
    return state


def build_done(second_pass: bool = False) -> None:
    """Called when a preview build has been written: collect its garbage once the preview is idle
    (soon after a second pass: the open tabs reloaded before it, `reloads.TwoPass`)."""
    if _enabled:
        collector.settle_later(collector.SOON if second_pass else collector.IDLE)


class Collector:
    """The cyclic garbage collector in a preview: paused during each rebuild, run while idle.

    A full collection walks every object of the process: at 10,000 entries the parsed entries and
    the kept pieces of HTML make it take a second or more, and one ran in most rebuilds, between
    the save and the reload. So a rebuild runs without collections, and IDLE seconds after a build
    was written (once the browser has reloaded) one full collection frees the cycles the builds
    left (MkDocs' pages and files refer to each other) and freezes the survivors (gc.freeze), so
    that the collections between rebuilds walk only what is new. After MAX_UNSETTLED rebuilds in a
    row without an idle moment the collection runs at once, so memory stays bounded.

    After a second pass (`reloads`) the open tabs have reloaded already, so the collection runs
    SOON seconds after it is written: three seconds later it would often be under way when the
    next save comes, and a collection cannot be stopped.
    """

    IDLE = 3.0
    SOON = 0.5
    MAX_UNSETTLED = 3

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self.unsettled = 0  # builds written since the last collection
        self.settled = 0  # collections run (read by tests and bench/profile_preview.py)
        self.seconds = 0.0  # how long the last one took

    def pause(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            gc.disable()

    def settle_later(self, idle: float | None = None) -> None:
        with self.lock:
            self.unsettled += 1
            if self.timer is not None:
                self.timer.cancel()
            if self.unsettled > self.MAX_UNSETTLED:
                self.timer = None
                self._settle()
                return
            self.timer = threading.Timer(self.IDLE if idle is None else idle, self._settle_if_current)
            self.timer.daemon = True
            self.timer.start()

    def stop(self) -> None:
        """Back to the collector's usual ways: nothing pending, nothing frozen."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.unsettled or self.settled:
                gc.unfreeze()
                gc.enable()
            self.unsettled = 0

    def _settle_if_current(self) -> None:
        with self.lock:
            if threading.current_thread() is not self.timer:
                return  # cancelled by a rebuild that started meanwhile
            self.timer = None
            self._settle()

    def _settle(self) -> None:
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        gc.enable()
        self.unsettled = 0
        self.settled += 1
        self.seconds = time.perf_counter() - started


collector = Collector()


class _MemoryClient:
    """The get/set client jinja2's MemcachedBytecodeCache expects, kept in this process."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None:
        self.data[key] = value


_bytecode: Any = None


def bytecode_cache() -> Any:
    """MkDocs makes a new Jinja environment per build, which compiles every theme template
    again; while serving, keep the compiled templates between builds."""
    global _bytecode
    if _bytecode is None:
        import jinja2

        _bytecode = jinja2.MemcachedBytecodeCache(_MemoryClient(), prefix="defectkb/")
    return _bytecode


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _fingerprint(entry: Entry) -> tuple[Any, ...]:
    """What other pages show of an entry: if this is unchanged, its neighbours need no rebuild."""
    m = entry.model
    return (m.title, m.severity, m.status, tuple(m.tags), m.pm, entry.rel_path)


def _neighbours(entry: Entry) -> set[str]:
    m = entry.model
    if entry.kind == "defect":
        return {*m.related_lessons, *([m.duplicate_of] if m.duplicate_of else [])}
    return {*m.source_defects, *(x for x in (m.supersedes, m.superseded_by) if x)}


@dataclass
class PreviewState:
    cache: SourceCache = field(default_factory=SourceCache)
    generated: dict[str, str] = field(default_factory=dict)  # src -> digest of the last content
    contents: dict[str, tuple[str, str]] = field(default_factory=dict)  # src -> the last (HTML, Markdown)
    # id -> (the entry, what other pages show of it: _fingerprint)
    fingerprints: dict[str, tuple[Entry, tuple[Any, ...]]] = field(default_factory=dict)
    tags_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    first: bool = True
    context: tuple[Any, ...] | None = None  # what every page may show besides entries: registries, config
    # What the last build that was written in full wrote (data files, sitemap, pages on disk) ...
    data: dict[str, str] = field(default_factory=dict)  # data file -> its content
    sitemap: tuple[Any, ...] | None = None  # the day, the site's address and every page
    on_disk: frozenset[str] = frozenset()  # output paths of its pages
    # ... and what this build is writing, which becomes the above once it is written in full.
    next_data: dict[str, str] = field(default_factory=dict)
    next_sitemap: tuple[Any, ...] | None = None
    pages: tuple[tuple[str, str], ...] = ()  # this build's pages: source and output paths
    # The groups of generated pages and data files (kb.site.pages) as they were last made: what a
    # first pass leaves for later (`later`) it takes from here.
    group_pages: dict[str, list[GeneratedPage]] = field(default_factory=dict)
    group_urls: dict[str, frozenset[str]] = field(default_factory=dict)  # each group's pages (reloads.page_key)
    group_data: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each group's data files

    def keep_data(self, file: File, content: str) -> bool:
        """A data file (`api/`, index rows, chart CSV) whose content the last written build wrote
        is not written again (at 10,000 entries they hold megabytes). Whether it is written."""
        self.next_data[file.src_uri] = content
        last = self.data.get(file.src_uri)
        if last is not None and (last is content or last == content):
            _force(file, False)  # still written if it is missing
            return False
        return True

    def made(self, group: str, pages: list[GeneratedPage], urls: frozenset[str]) -> None:
        self.group_pages[group], self.group_urls[group] = pages, urls

    def later(self, kb: KnowledgeBase, open_pages: frozenset[str]) -> frozenset[str]:
        """The groups of generated pages and data files this rebuild may leave for a second pass
        (`reloads.TwoPass`): those no open page belongs to, as last made. None of them when anything but
        entries changed (kb.yml, registries, the day), when an entry was added, removed or given
        another id (the pages themselves may change), and on the first build."""
        if self.first or not self.cache.changed or self.context != (kb.registry, kb.config, kb.today):
            return frozenset()
        if len(kb.entries) != len(self.fingerprints) or any(
                e.id not in self.fingerprints for e in kb.entries if e.source.path in self.cache.changed):
            return frozenset()
        later = set()
        for group in LATER_GROUPS:
            if group in PAGE_GROUPS and (group not in self.group_pages or self.group_urls[group] & open_pages):
                continue
            if group in DATA_GROUPS and (group not in self.group_data
                                         or any(p not in self.data for p in self.group_data[group])):
                continue
            later.add(group)
        return frozenset(later) if not later.isdisjoint(PAGE_GROUPS) else frozenset()

    def keep_sitemap(self, day: str, site_url: str | None) -> bool:
        """Whether the sitemap the last written build wrote is this build's: the same pages at the
        same addresses on the same day (its entries are the pages' addresses and the build's day)."""
        self.next_sitemap = (day, site_url, self.pages)
        return self.sitemap_kept(day, site_url)

    def sitemap_kept(self, day: str, site_url: str | None) -> bool:
        """Whether this build will keep the last written sitemap (`keep_sitemap`), asked before the
        pages are read: only then may pages be left out of the build (`PreviewFiles`)."""
        return self.sitemap is not None and self.sitemap == (day, site_url, self.pages)

    def written(self) -> None:
        """The build was written in full: what it wrote is what the next build compares with."""
        self.data, self.sitemap = self.next_data, self.next_sitemap
        self.on_disk = frozenset(dest for _src, dest in self.pages)
        self.next_data, self.next_sitemap = {}, None

    def failed(self) -> None:
        """A build stopped halfway: anything may be on disk, so the next build writes it all."""
        self.data, self.sitemap, self.on_disk = {}, None, frozenset()
        self.next_data, self.next_sitemap = {}, None
        self.group_pages, self.group_urls, self.group_data = {}, {}, {}

    def plan(self, kb: KnowledgeBase, generated: dict[str, tuple[str, str]], pages: list[File], tags_dir: str) -> None:
        """Decide, for every page, whether this dirty build must render it again."""
        context = (kb.registry, kb.config, kb.today)
        if self.context is None or self.context != context:
            self.first = True  # a renamed person or product shows on entry pages too: render them all
        self.context = context
        # An entry the loader took as it was (the very same object as last time) shows the same;
        # only the others are compared.
        changed = {e.id for e in kb.entries if e.source.path in self.cache.changed}
        fingerprints: dict[str, tuple[Any, ...]] = {}
        for e in kb.entries:
            kept = self.fingerprints.get(e.id)
            fingerprints[e.id] = kept if kept is not None and kept[0] is e else (e, _fingerprint(e))
        changed |= {eid for eid, (e, fp) in self.fingerprints.items()
                    if eid not in fingerprints or (fingerprints[eid][0] is not e and fingerprints[eid][1] != fp)}
        affected = set(changed)
        for eid in changed:
            if eid in kb.by_id:
                affected |= _neighbours(kb.by_id[eid])
        if changed:  # entries showing a changed one (a back-link, a related lesson)
            affected |= {e.id for e in kb.entries if not changed.isdisjoint(_neighbours(e))}
        changed_tags = {t for eid in changed for t in (*self.tags_of.get(eid, ()),
                                                        *(kb.by_id[eid].model.tags if eid in kb.by_id else ()))}

        self.pages = tuple((f.src_uri, f.dest_uri) for f in pages)
        by_path = {e.rel_path: e for e in kb.entries}
        for file in pages:
            entry = by_path.get(file.src_uri)
            if entry is not None:
                # Unaffected: unchanged on disk too (a change makes it re-read, hence affected), so
                # one look at the output replaces MkDocs' three stats per check, two checks per page;
                # none when the last build written in full wrote or kept it.
                _force(file, entry.id in affected or self.first, self.on_disk)
                continue
            content = generated.get(file.src_uri)
            if content is None:
                continue
            # A page kept by defectkb.site.memo has the very same HTML string as last time: no need
            # to join and hash it (at 10,000 entries the generated pages hold tens of megabytes).
            html, suffix = content
            last = self.contents.get(file.src_uri)
            same = last is not None and last[0] is html and last[1] == suffix
            digest = self.generated.get(file.src_uri, "") if same else _digest(html + suffix)
            self.contents[file.src_uri] = content
            tag = _tag_of(file.src_uri, tags_dir)
            rebuild = (self.first or self.generated.get(file.src_uri) != digest
                       or (tag is not None and tag in changed_tags))
            self.generated[file.src_uri] = digest
            _force(file, rebuild, self.on_disk)
        self.fingerprints = fingerprints
        self.tags_of = {eid: tuple(e.model.tags) for eid, (e, _) in fingerprints.items()}
        self.first = False


class PreviewFiles(Files):
    """A dirty rebuild's files with the pages it need not render left out of `documentation_pages()`.

    MkDocs makes a `Page` for every documentation page of a build and runs its read, render and
    anchor steps over all of them, even in a dirty build that skips their work: at 10,000 entries
    about half a second of each rebuild, for the three or four pages an edit changes. Pages the
    plan left unmodified (`plan`, `_force`) are still in the collection, so links to them resolve
    as before, and their output from the last build stays on disk; MkDocs just never looks at
    them. Used only when the sitemap (which lists every page) is kept from the last build.
    """

    def __init__(self, files: Iterable[File], skipped: frozenset[str]) -> None:
        super().__init__(files)
        self.skipped = skipped
        self._pages: list[File] | None = None

    def documentation_pages(self, *, inclusion: Callable[[InclusionLevel], bool] = InclusionLevel.is_included
                            ) -> Sequence[File]:
        if self._pages is None:
            self._pages = [f for f in self if f.is_documentation_page() and f.src_uri not in self.skipped]
        return [f for f in self._pages if inclusion(f.inclusion)]

    def all_documentation_pages(self) -> Sequence[File]:
        """Every documentation page, the skipped ones too."""
        return super().documentation_pages()

    def append(self, file: File) -> None:
        super().append(file)
        self._pages = None

    def remove(self, file: File) -> None:
        super().remove(file)
        self._pages = None


def unrendered(pages: list[File]) -> frozenset[str]:
    """The pages this dirty build will not render (their `is_modified` set by `plan`)."""
    return frozenset(f.src_uri for f in pages if f.is_modified is _no)


def _tag_of(src: str, tags_dir: str) -> str | None:
    prefix = tags_dir.strip("/") + "/"
    if src.startswith(prefix) and src.endswith("/index.md"):
        return src[len(prefix):-len("/index.md")] or None
    return None


def _yes() -> bool:
    return True


def _no() -> bool:
    return False


def _force(file: File, modified: bool, on_disk: frozenset[str] = frozenset()) -> None:
    """Override MkDocs' mtime check for this build (a new File object is made per build); a file
    not known to be on disk (`on_disk`, output paths) is written if it is missing."""
    modified = modified or (file.dest_uri not in on_disk and not os.path.exists(file.abs_dest_path))
    file.is_modified = _yes if modified else _no  # type: ignore[method-assign]


def feed_tags_plugin(config: Any, files: Files, processed: set[str], entries: dict[str, Entry],
                     meta: Callable[[Entry], dict[str, Any]]) -> None:
    """Give mkdocs-material's tags plugin the tags of entry pages this dirty build skipped."""
    tags_plugin = next((p for p in config.plugins.values() if type(p).__module__.startswith("material.plugins.tags")),
                       None)
    if tags_plugin is None or not getattr(tags_plugin.config, "enabled", True):
        return
    listings = getattr(tags_plugin, "listings", None)
    if (listings is not None and not getattr(tags_plugin.config, "export", False)
            and next(iter(listings), None) is None):
        return  # no page of this build lists tags and none are exported: the skipped pages' tags go unused
    pages = files.all_documentation_pages() if isinstance(files, PreviewFiles) else files.documentation_pages()
    for file in pages:
        entry = entries.get(file.src_uri)
        if entry is None or file.src_uri in processed:
            continue
        if file.page is None:  # left out of this build (PreviewFiles): MkDocs made no Page for it
            Page(None, file, config)
            assert file.page is not None
        if file.page.markdown is None:
            file.page.markdown = ""  # Page.title is None until the page has been read
        file.page.meta = meta(entry)
        tags_plugin.mappings.add(file.page, "")
