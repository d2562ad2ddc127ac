"""Write-ups come from many people by pull request: their HTML is cleaned before it is published.

Markdown lets authors write raw HTML; nh3 (ammonia) keeps the formatting tags MkDocs and
mkdocs-material produce and drops scripts, event handlers, styles and unsafe URLs.
"""

from __future__ import annotations

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) | {"details", "summary", "figure", "figcaption", "input", "label", "mark", "svg",
                                 "path"}
_TAGS -= {"svg", "path"}  # inline SVG can carry scripts; icons come from the theme, not from entries
_ATTRS: dict[str, set[str]] = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "type"},
    "details": {"open"},
    "input": {"type", "checked", "disabled"},  # task lists
    "label": {"for"},
    "code": {"data-lang"},
}


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow ugc",
        strip_comments=True,
    )
