"""The `defectkb` MkDocs plugin: a thin adapter from MkDocs events to the `kb` package.

Per build: the knowledge base is loaded and validated once (on_config); generated pages are
added as virtual files (on_files); entry pages get their already-parsed body (no second YAML
parse), an escaped title and the metadata card; their HTML is sanitised.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import defectkb
from defectkb.authoring.similar import release_segmenter
from defectkb.cache import CACHE_DIR
from defectkb.charts import Renderer
from defectkb.config import CONFIG_NAME, Config, ConfigError, load_config
from defectkb.diagnostics import Severity
from defectkb.formatting import format_text_line
from defectkb.knowledgebase import Entry, KnowledgeBase, load
from defectkb.progress import LogProgress
from defectkb.rules.duplicates import search_ahead
from defectkb.site.card import entry_card
from defectkb.site.chrome import page_chrome
from defectkb.site.context import SiteContext
from defectkb.site.pages import GeneratedPage, data_groups, generate_groups
from defectkb.site.sanitize import UnreadableLinks, clean_html
from defectkb.vcs.history import FactsUnavailable, GitFacts, git_facts
from defectkb.visibility import AudienceError, View, audience, view_for
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_build_date

from . import devserver, incremental, reloads, watcher
from .config import DefectKBConfig
from .search import build_search_index, index_in_background, release_memory
from .spill import Spill

log = logging.getLogger("mkdocs.plugins.defectkb")

ASSETS = Path(defectkb.__file__).resolve().parent / "assets"
ASSET_URI = "assets/defectkb"
HTML_KEY = "html:"  # spill keys of rendered pages; entry bodies are keyed by their path alone
PAGE_KEY = "page:"  # spill keys of generated pages' HTML, from on_files to on_page_content


def entry_title(entry: Entry) -> str:
    """An entry page's title, escaped: MkDocs and mkdocs-material print titles unescaped."""
    return escape(f"{entry.id} {entry.model.title}")


def entry_meta(entry: Entry) -> dict[str, Any]:
    return {"title": entry_title(entry), "tags": list(entry.model.tags)}


class DefectKBPlugin(BasePlugin[DefectKBConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.ctx: SiteContext | None = None
        self.entries: dict[str, Entry] = {}
        self.generated: dict[str, GeneratedPage] = {}
        self.kb_config_path: Path | None = None
        self.state: incremental.PreviewState | None = None
        self.view = View(None)  # type: ignore[arg-type]  # set in on_config
        self.processed: set[str] = set()
        self.unfilled: set[str] = set()
        self.later: frozenset[str] = frozenset()  # groups of pages left for a second pass (reloads)
        self.written: set[str] = set()  # pages written by this build, and pages shown from files it wrote
        self.git_facts: dict[str, GitFacts] = {}
        self.git_facts_warned = False  # `serve` reuses this object: warn once, not per rebuild
        self.search_pages: list[str] = []  # entry pages' output paths: what the search index holds
        self.progress = LogProgress(log)  # "rendered 2000 of 10151 pages" in long builds
        # Entry pages' HTML waits on disk from rendering until written, and in a build (not the
        # preview, which reuses them between rebuilds) the entry bodies from loading until rendered.
        self.spill: Spill | None = None
        self.parking = False  # a build (not the preview): bodies and generated pages wait in the spill too

    # -- configuration and loading ----------------------------------------------------------
    def on_startup(self, *, command: str, dirty: bool) -> None:
        incremental.enable(serving=command == "serve", dirty=dirty)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path or ".").resolve().parent
        cfg_path = Path(self.config.config_file) if self.config.config_file else base / CONFIG_NAME
        if not cfg_path.is_absolute():
            cfg_path = base / cfg_path
        self.kb_config_path = cfg_path if cfg_path.is_file() else None
        try:
            kb_config = load_config(self.kb_config_path)
        except ConfigError as exc:
            raise PluginError(f"{exc.path}:{exc.line}:{exc.column}: KB602 {exc.message}") from None
        theme_language = str(config.theme.get("language") or "en")
        language = self.config.language or ("zh" if theme_language.startswith("zh") else "en")

        self.processed = set()  # MkDocs may reuse this plugin object for the next build of `serve`
        self.unfilled = set()  # generated pages whose charts are filled in on_page_context (the preview)
        self.written = set()
        self.state = incremental.state_for(config.docs_dir)
        # The on-disk cache is kb validate's (.kb_cache next to kb.yml); while serving, the in-memory
        # cache also skips reading unchanged files between rebuilds.
        cache_home = (self.kb_config_path.parent if self.kb_config_path else Path(config.docs_dir).parent) / CACHE_DIR
        self.kb = load(Path(config.docs_dir), kb_config, display_base=Path.cwd(),
                       cache=self.state.cache if self.state else None, disk_cache=cache_home,
                       progress=self.progress)
        self._report(self.kb)
        try:
            self.view = view_for(self.kb, audience(self.config.audience))
        except AudienceError as exc:
            raise PluginError(str(exc)) from None
        self.kb = self.view.kb  # everything below sees only what this audience may see
        if self.view.public:
            log.info(f"defectkb: public build: {len(self.view.hidden_ids)} internal entries left out")
        self.entries = {e.rel_path: e for e in self.kb.entries}
        self._start_spill()
        enabled = self.config.git_facts if self.config.git_facts is not None else kb_config.git_facts
        self.git_facts = self._git_facts(Path(config.docs_dir), kb_config) if enabled else {}

        self.ctx = SiteContext(self.kb, language=language, directory_urls=config.use_directory_urls,
                               people_dir=self.config.people_dir, products_dir=self.config.products_dir,
                               tags_dir=self.config.tags_dir, search=self.config.search == "pagefind",
                               listing_limit=self.config.listing_limit, assets_dir=ASSET_URI,
                               site_url=config.site_url or None, site_name=config.site_name or "",
                               charts=Renderer(keep_worker=incremental.serving()))
        if not config.site_url:
            log.info("defectkb: no `site_url` in mkdocs.yml, so no Atom feeds (they need absolute links)")
        config.extra_css.append(f"{ASSET_URI}/kb.css")
        config.extra_javascript.append(f"{ASSET_URI}/kb.js")
        # Pasted output such as `expected:<http://[host/path]>` is text, not a crashed build.
        config.markdown_extensions.append(UnreadableLinks(hidden=self.view.hidden_paths))
        self.html_policy = kb_config.html.policy()
        if self.config.nav and config.nav is None:
            t = self.ctx.t
            config.nav = [
                {t("home"): "index.md"},
                {t("defects"): f"{kb_config.defect.folder}/index.md"},
                {t("lessons"): f"{kb_config.lesson.folder}/index.md"},
                {t("products"): f"{self.config.products_dir}/index.md"},
                {t("tags"): f"{self.config.tags_dir}/index.md"},
                {t("people"): f"{self.config.people_dir}/index.md"},
                {t("insights"): self.ctx.insights_src()},
                {t("digests"): self.ctx.digest_src()},
            ]
            if self.ctx.search:
                config.nav.append({t("search"): f"{self.ctx.search_dir}/index.md"})
        return config

    def _start_spill(self) -> None:
        """A new spill file for this build's rendered entry pages. In a build (not the preview,
        which reuses them between rebuilds) the bodies wait there too: validation is done, and
        each body is read back once, when its page is rendered."""
        if self.spill is not None:
            self.spill.close()
        self.spill = Spill()
        self.parking = self.state is None and not incremental.serving() and self.kb is not None
        if not self.parking or self.kb is None:  # (the second test for the type checker)
            return
        self.kb.shed()
        release_segmenter()  # the near-duplicate check has run: its dictionary is the largest thing left
        release_memory()  # before the chart worker starts beside this process
        for rel, entry in self.entries.items():
            self.spill.put(rel, entry.source.body)
            entry.source.body = ""

    def _git_facts(self, content: Path, kb_config: Config) -> dict[str, GitFacts]:
        """First added / last updated per entry from one `git log`; off, with one warning, without history."""
        try:
            return git_facts(content, [kb_config.defect.folder, kb_config.lesson.folder])
        except FactsUnavailable as exc:
            if not self.git_facts_warned:
                self.git_facts_warned = True
                log.warning(f"git_facts is off for this build: {exc}")
            return {}

    def _report(self, kb: KnowledgeBase) -> None:
        """Print the diagnostics exactly as `kb validate` does; errors stop the build."""
        report = kb.report()
        for d in report.sorted():
            text = format_text_line(d)
            if d.severity is Severity.ERROR:
                log.error(text)
            else:
                log.info(text)  # content warnings must not fail `mkdocs build --strict`
        if report.errors:
            raise PluginError(
                f"the knowledge base has {report.errors} error{'s' * (report.errors != 1)} "
                "(listed above; `kb validate` prints the same report)"
            )

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        if self.kb_config_path is not None:
            server.watch(str(self.kb_config_path))  # kb.yml changes rebuild the site too
        log.info(f"defectkb: watching for changes with {watcher.use_native(server, Path(config.docs_dir))}")
        # a reload of several tabs: no dropped connections, files fetched only if changed, the
        # theme's content-named files not at all (not the user's own: they may still edit them)
        own = [config.docs_dir, config.theme.custom_dir or ""]
        theme_dirs = [d for d in config.theme.dirs if d not in own]
        # the open pages first, the rest after their tabs reloaded; a tab reloads when its page changed
        devserver.prepare(server, devserver.content_named(theme_dirs, own),
                          reloads.install(server, watcher.changed.take))
        return server

    # -- files -------------------------------------------------------------------------------
    def _later(self) -> frozenset[str]:
        """Groups of generated pages this preview rebuild leaves for a second pass: the ones no
        open tab shows (`reloads`, `PreviewState.later`)."""
        if self.state is None or self.kb is None:
            return frozenset()
        open_pages = reloads.first_pass_open()
        return self.state.later(self.kb, open_pages) if open_pages else frozenset()

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.kb is not None and self.ctx is not None
        data_prefix = self.kb.config.data_dir.strip("/") + "/"
        for file in list(files):
            # Registries may hold e-mail addresses: read by the build, never published.
            if file.src_uri.startswith(data_prefix) or file.src_uri in self.view.hidden_paths:
                files.remove(file)
        self.ctx.home_is_generated = files.get_file_from_path("index.md") is None
        self.search_pages = [f.dest_uri for f in files if f.src_uri in self.entries]
        self.generated = {}
        self.later = self._later()
        state = self.state
        for group, making in generate_groups(self.ctx, self.later):
            pages: Iterable[GeneratedPage]
            kept: list[GeneratedPage] | None = None  # the preview keeps them, for a first pass to reuse
            if making is None:  # left for later (only in the preview): as the last build made them
                assert state is not None
                pages = state.group_pages[group]
            elif state is None:
                pages = making  # one by one: each page's HTML is parked before the next is made
            else:
                pages = kept = list(making)
            urls = set()
            for page in pages:
                if files.get_file_from_path(page.src) is not None:
                    continue  # a hand-written page of the same path wins
                if self.parking and self.spill is not None:
                    self.spill.put(PAGE_KEY + page.src, page.html)  # read back once, when the page renders
                    page = replace(page, html="")
                self.generated[page.src] = page
                # The HTML is added after Markdown (on_page_content): Python-Markdown would spend most
                # of the build re-parsing large HTML blocks it has nothing to do with.
                file = File.generated(config, page.src, content=page.markdown_suffix or "\n")
                files.append(file)
                urls.add(reloads.page_key(file.url))
            if kept is not None and state is not None:
                state.made(group, kept, frozenset(urls))
        for group, data in data_groups(self.ctx, self.later):
            if data is None:  # left for later (only in the preview): as the last build wrote it
                assert state is not None
                data = {path: state.data[path] for path in state.group_data[group]}
            elif state is not None:
                state.group_data[group] = tuple(data)
            for path, content in data.items():
                file = File.generated(config, path, content=content)
                if state is not None and state.keep_data(file, content):
                    self.written |= state.group_urls.get(group, frozenset())  # their pages load it
                files.append(file)
        self.ctx.row_cache.clear()  # table rows are shared while pages are generated, not after
        if self.ctx.charts is not None:
            self.ctx.charts.start()  # charts render in a worker while MkDocs renders the entry pages
        pages = files.documentation_pages()  # listed once: 10,000 and more files to look through
        self.progress.start("rendering", len(pages), "pages")
        for asset in ("kb.css", "kb.js"):
            files.append(File.generated(config, f"{ASSET_URI}/{asset}", abs_src_path=str(ASSETS / asset)))
        if self.state is not None:
            contents = {src: (page.html, page.markdown_suffix) for src, page in self.generated.items()}
            self.state.plan(self.kb, contents, pages, self.config.tags_dir)
            skipped = incremental.unrendered(pages)
            if skipped and self.state.sitemap_kept(get_build_date(), config.site_url):
                return incremental.PreviewFiles(files, skipped)  # MkDocs looks only at the pages it renders
        return files

    # -- pages -------------------------------------------------------------------------------
    def on_page_read_source(self, page: Page, config: MkDocsConfig) -> str | None:
        entry = self.entries.get(page.file.src_uri)
        if entry is None:
            return None
        # The front matter is already parsed by kb: MkDocs gets the body alone, no second YAML parse.
        parked = self.spill.get(entry.rel_path) if self.spill is not None else None
        return parked if parked is not None else entry.source.body

    @event_priority(100)  # before mkdocs-material's tags plugin reads page.meta["tags"]
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        self.processed.add(page.file.src_uri)
        entry = self.entries.get(page.file.src_uri)
        if entry is not None:
            page.meta = entry_meta(entry)
            return markdown
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            meta: dict[str, Any] = {"title": escape(generated.title)}
            if generated.hide:
                meta["hide"] = list(generated.hide)
            if not generated.search:
                meta["search"] = {"exclude": True}
            page.meta = meta
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            note = (f'<p class="kb-audience-note">{escape(self.ctx.t("public_note"))}</p>'
                    if self.view.public and self.ctx is not None else "")
            # (`is not None`: a Spill has a length, and an empty one is falsy)
            parked = self.spill.pop(PAGE_KEY + page.file.src_uri) if self.parking and self.spill is not None else None
            body = generated.html if parked is None else parked
            charts = self.ctx.charts
            if charts is not None and charts.keep_worker:
                # The preview fills its charts in as late as it can (on_page_context), after every
                # page's Markdown: the worker draws meanwhile, and the build seldom waits for it.
                self.unfilled.add(page.file.src_uri)
            elif charts is not None:
                body = charts.fill(body)
            content = note + body + html
            # Like an entry page's, its HTML waits on disk until written; not a page with a tag
            # listing, which mkdocs-material's tags plugin fills in between the two (on_env).
            if not self.parking or self.spill is None or generated.markdown_suffix:
                return content
            self.spill.put(HTML_KEY + page.file.src_uri, content)
            return ""
        entry = self.entries.get(page.file.src_uri)
        if entry is None or self.ctx is None:
            return html
        # Only entries are indexed for search: listing pages would drown the results.
        content = (f'<div data-pagefind-body><span data-pagefind-meta="title" hidden>{entry_title(entry)}</span>'
                   f"{entry_card(self.ctx, entry, self.git_facts.get(entry.rel_path))}"
                   f"{clean_html(html, self.html_policy)}</div>")
        # MkDocs renders every page's Markdown before it writes the first one, so all entry
        # pages' HTML would be held at once (gigabytes at 100,000 entries); it waits compressed
        # (about a fifth) until its page is written (on_page_context).
        if self.spill is None:
            return content
        self.spill.put(HTML_KEY + page.file.src_uri, content)
        page.markdown = ""  # kept by MkDocs to the end, but rendered; None would lose the title
        return ""

    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if self.spill is not None:
            parked = self.spill.pop(HTML_KEY + page.file.src_uri)
            if parked is not None:
                page.content = parked
        if page.file.src_uri in self.unfilled and self.ctx is not None and self.ctx.charts is not None:
            self.unfilled.discard(page.file.src_uri)
            page.content = self.ctx.charts.fill(page.content or "")
        return context

    @event_priority(110)  # before the tags plugin fills its listings (priority 100)
    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        if self.ctx is not None and self.ctx.charts is not None and not self.ctx.charts.keep_worker:
            self.ctx.charts.close()  # every chart is filled in by now: free the worker for the rest of the build
        if incremental.serving() and env.bytecode_cache is None:
            env.bytecode_cache = incremental.bytecode_cache()
        if self.state is not None:
            incremental.feed_tags_plugin(config, files, self.processed, self.entries, entry_meta)
            if self.state.keep_sitemap(get_build_date(), config.site_url) and \
                    os.path.exists(os.path.join(config.site_dir, "sitemap.xml")):
                config.theme.static_templates.discard("sitemap.xml")  # 10,000 addresses, as written
        return env

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Feed links in the head and the search box in the header: HTML the theme has no slot for."""
        self.progress.advance()
        self.written.add(reloads.page_key(page.url))
        if self.ctx is None:
            return output
        output = page_chrome(self.ctx, page.file.src_uri, output)
        # MkDocs writes the page next and never reads its HTML again, yet keeps it on the Page until
        # the build ends; dropped here, the memory can go back before the search indexer starts.
        page.content = None
        return output

    def on_post_build(self, config: MkDocsConfig) -> None:
        self.progress.finish(f"rendered {self.progress.stage.count} pages")
        incremental.build_done(second_pass=reloads.second_pass())
        if self.state is not None:
            self.state.written()
            reloads.built(reloads.Built(later=bool(self.later), pages=frozenset(self.written),
                                        docs_dir=os.path.abspath(config.docs_dir)))
        if self.ctx is not None and self.ctx.charts is not None:
            self.ctx.charts.close()
        if self.spill is not None:
            self.spill.close()
            self.spill = None
        if incremental.serving() and self.kb is not None:
            search_ahead(self.kb)  # the next save's near-duplicate search, ready before it
        if self.ctx is None or not self.ctx.search:
            return
        language, pages = self.ctx.language, list(self.search_pages)
        if incremental.serving():
            # In the preview the page must not wait for the search index: index in the background.
            index_in_background(Path(config.site_dir), language, pages, self.config.search_shard_pages)
        else:
            # The indexer's memory adds to this process's: drop the knowledge base and the pages'
            # data first (the build is written) and give back what is free.
            self._forget()
            release_memory()
            build_search_index(Path(config.site_dir), language, pages, self.config.search_shard_pages)

    def on_build_error(self, *, error: Exception) -> None:
        incremental.build_done()  # a failed rebuild's garbage is collected like a written one's
        self.unfilled.clear()
        if self.ctx is not None and self.ctx.charts is not None:
            self.ctx.charts.close()
        if self.state is not None:
            self.state.failed()

    def _forget(self) -> None:
        self.kb = self.ctx = None
        self.entries, self.generated, self.git_facts = {}, {}, {}
        self.view = View(None)  # type: ignore[arg-type]
        self.search_pages = []
