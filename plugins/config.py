"""Options of the `defectkb` MkDocs plugin (everything else lives in kb.yml)."""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config


class DefectKBConfig(Config):
    # kb.yml; by default the one next to mkdocs.yml, if any
    config_file = opt.Optional(opt.Type(str))
    # labels of generated pages: "en" or "zh"; by default the theme's language
    language = opt.Optional(opt.Choice(("en", "zh")))
    # where generated pages live in the site
    people_dir = opt.Type(str, default="people")
    products_dir = opt.Type(str, default="products")
    tags_dir = opt.Type(str, default="tags")
    # set the sidebar navigation (index pages only) when mkdocs.yml has no `nav`
    nav = opt.Type(bool, default=True)
    # full-text search: "pagefind" (a chunked static index, loaded piece by piece) or "none"
    search = opt.Choice(("pagefind", "none"), default="pagefind")
    # entry pages per Pagefind run (search shard): bounds the indexer's memory; the browser merges
    # shards. 0: chosen from the number of entry pages (plugins/search.py `shard_size`)
    search_shard_pages = opt.Type(int, default=0)
    # rows per list on home, product and person pages; the full lists are the index tables
    listing_limit = opt.Type(int, default=100)
    # first added / last updated per entry from git; by default kb.yml's `git_facts` (false)
    git_facts = opt.Optional(opt.Type(bool))
    # who the site is for: "public" leaves internal entries out of every output; the environment
    # variable DEFECTKB_AUDIENCE wins over this (so CI can build both from one mkdocs.yml)
    audience = opt.Optional(opt.Choice(("internal", "public")))
