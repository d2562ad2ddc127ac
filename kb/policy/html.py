"""The HTML policy, decided by the sanitiser (nh3), shared by `kb validate` and the build.

Two layers: raw HTML an author writes in Markdown must pass the small allowlist in kb.yml
(`html.allowed_tags`, ...); the HTML the build produces (Markdown's own tags plus that allowlist)
is cleaned with the wider site policy. Whatever the validator accepts, the build therefore keeps.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

import nh3

# Tags Markdown and the site's extensions produce; raw HTML is held to HtmlPolicy instead.
SITE_TAGS = (set(nh3.ALLOWED_TAGS) | {"details", "summary", "figure", "figcaption", "input", "label", "mark", "kbd",
                                      "sub", "sup", "br"}) - {"svg", "path"}
SITE_ATTRIBUTES: dict[str, set[str]] = {
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


@dataclass(frozen=True, slots=True)
class HtmlPolicy:
    """Raw HTML in entry bodies (kb.yml `html:`)."""

    tags: frozenset[str]
    attributes: tuple[tuple[str, frozenset[str]], ...]  # tag ("*" = any) -> attributes
    url_schemes: frozenset[str]

    def attribute_map(self) -> dict[str, set[str]]:
        return {tag: set(attrs) for tag, attrs in self.attributes}


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the sanitiser would remove: which tag, attribute or URL, and why."""

    what: str  # "tag" | "attribute" | "url"
    tag: str
    name: str = ""  # the attribute
    value: str = ""  # the URL


class _Tags(HTMLParser):
    """Start tags with their attributes and positions (the stdlib parser, as tolerant as a browser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]], tuple[int, int]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs, self.getpos()))

    handle_startendtag = handle_starttag


def start_tags(fragment: str) -> list[tuple[str, list[tuple[str, str | None]], tuple[int, int]]]:
    """Every start tag in `fragment` with its attributes and (line, column) from 1."""
    parser = _Tags()
    try:
        parser.feed(fragment)
        parser.close()
    except Exception:
        return parser.found
    return [(tag, attrs, (line, col + 1)) for tag, attrs, (line, col) in parser.found]


def _kept(tag: str, attrs: list[tuple[str, str | None]], policy: HtmlPolicy) -> tuple[bool, set[str]]:
    """Clean one element with nh3 and read back which of its attributes survived."""
    element = f"<{tag}" + "".join(f' {n}="{escape(v or "", quote=True)}"' for n, v in attrs) + ">x"
    cleaned = _clean_cached(element, policy)
    back = start_tags(cleaned)
    if not back or back[0][0] != tag:
        return False, set()
    return True, {n for n, _ in back[0][1]}


@functools.lru_cache(maxsize=4096)
def _clean_cached(element: str, policy: HtmlPolicy) -> str:
    return nh3.clean(element, tags=set(policy.tags), attributes=policy.attribute_map(),
                     url_schemes=set(policy.url_schemes), link_rel=None, strip_comments=True)


def judge_tag(tag: str, attrs: list[tuple[str, str | None]], policy: HtmlPolicy) -> list[Finding]:
    """What the sanitiser removes from this raw start tag."""
    kept, kept_attrs = _kept(tag, attrs, policy)
    if not kept:
        return [Finding("tag", tag)]
    out = []
    for name, value in attrs:
        if name in kept_attrs:
            continue
        allowed = policy.attribute_map()
        is_allowed_name = name in allowed.get(tag, set()) | allowed.get("*", set())
        # An allowed attribute that was removed anyway lost its URL: the scheme is not allowed.
        out.append(Finding("url", tag, name, value or "") if is_allowed_name else Finding("attribute", tag, name))
    return out


def judge_url(url: str, policy: HtmlPolicy, image: bool = False) -> bool:
    """Whether a Markdown link (or image) target survives the sanitiser, scheme normalised by it."""
    tag, attr = ("img", "src") if image else ("a", "href")
    probe = HtmlPolicy(policy.tags | {tag}, ((tag, frozenset({attr})),), policy.url_schemes)
    kept, kept_attrs = _kept(tag, [(attr, url)], probe)
    return kept and attr in kept_attrs


def clean_site_html(html: str, policy: HtmlPolicy) -> str:
    """The build's cleaner: Markdown's tags plus what kb.yml allows in raw HTML."""
    attributes = {tag: set(attrs) for tag, attrs in SITE_ATTRIBUTES.items()}
    for tag, attrs in policy.attributes:
        attributes.setdefault(tag, set()).update(attrs)
    return nh3.clean(html, tags=SITE_TAGS | set(policy.tags), attributes=attributes,
                     url_schemes=set(policy.url_schemes), link_rel="noopener nofollow ugc", strip_comments=True)
