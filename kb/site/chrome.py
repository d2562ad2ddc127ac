"""Additions to every page's HTML that the theme has no slot for: feed links in <head> and the
header search box (Pagefind behind it). Plain string insertion at well-known markers; a theme
without the markers simply gets nothing."""

from __future__ import annotations

from defectkb.site.context import SiteContext, esc
from defectkb.site.insights import feed_links

_HEADER = 'class="md-header__inner'


def header_search(ctx: SiteContext, src: str) -> str:
    t = ctx.t
    action = ctx.href(src, f"{ctx.search_dir}/index.md")
    bundle = ctx.file_href(src, "pagefind/")
    return (f'<form class="kb-header-search" role="search" action="{esc(action)}" method="get" '
            f'data-bundle="{esc(bundle)}">'
            f'<input class="kb-header-search__input" type="search" name="q" autocomplete="off" spellcheck="false" '
            f'placeholder="{esc(t("search_placeholder"))}" aria-label="{esc(t("search"))}" '
            f'aria-keyshortcuts="/ s" title="{esc(t("search_shortcut"))}">'
            f'<kbd class="kb-header-search__key" aria-hidden="true">/</kbd>'
            f'<div class="kb-header-results" role="listbox" aria-label="{esc(t("search"))}" hidden></div></form>')


def page_chrome(ctx: SiteContext, src: str, html: str) -> str:
    links = feed_links(ctx, src)
    if links:
        # rel "alternate feed", not the bare "alternate": mkdocs-material fetches a sitemap.xml
        # next to every link[rel=alternate] (its language selector), which would 404 here.
        head = "".join(f'<link rel="alternate feed" type="application/atom+xml" title="{esc(title)}" '
                       f'href="{esc(href)}">' for title, href in links)
        html = html.replace("</head>", head + "</head>", 1)
    if ctx.search:
        start = html.find(_HEADER)
        if start != -1:
            source = html.find('<div class="md-header__source">', start)
            end = html.find("</nav>", start)
            at = source if source != -1 and (end == -1 or source < end) else end
            if at != -1:
                html = html[:at] + header_search(ctx, src) + html[at:]
    return html
