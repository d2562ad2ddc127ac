"""Where raw HTML and link targets are in a Markdown body, with their lines and columns.

markdown-it-py (a CommonMark parser) tells code from HTML and links; its link validation is
switched off so that `javascript:` and `data:` targets are reported rather than hidden as text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from defectkb.policy.html import start_tags
from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class Found:
    kind: str  # "tag" | "link" | "image" | "definition" | "autolink"
    line: int  # 1-based, in the body
    column: int  # 1-based
    tag: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()
    url: str = ""


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # report unsafe targets instead of dropping them
    md.normalizeLink = lambda url: url  # keep the target as written (entities decoded)
    return md


def _locate(lines: list[str], start: int, end: int, needle: str, after: tuple[int, int]) -> tuple[int, int]:
    """The first occurrence of `needle` in lines[start:end] at or after `after` (0-based line, col)."""
    for i in range(max(start, after[0]), min(end, len(lines))):
        col = lines[i].find(needle, after[1] if i == after[0] else 0)
        if col >= 0:
            return i, col
    return start, 0


def scan(body: str) -> Iterator[Found]:
    """Raw HTML start tags, link and image targets and reference definitions, in body order."""
    if "<" not in body and "](" not in body and "]:" not in body:
        return  # nothing to find: most plain write-ups stop here
    env: dict = {}
    lines = body.split("\n")
    tokens = _parser().parse(body, env)
    for token in tokens:
        if token.map is None:
            continue
        start, end = token.map
        if token.type == "html_block":
            for tag, attrs, (line, col) in start_tags(token.content):
                yield Found("tag", start + line, col, tag, tuple(attrs))
        elif token.type == "inline":
            yield from _inline(token, lines, start, end)
    for ref in env.get("references", {}).values():
        start = ref.get("map", [0, 1])[0]
        line, col = _locate(lines, start, start + 1, ref["href"][:20], (start, 0))
        yield Found("definition", line + 1, col + 1, url=ref["href"])


def _inline(token: Token, lines: list[str], start: int, end: int) -> Iterator[Found]:
    cursor = (start, 0)
    for child in token.children or []:
        if child.type == "html_inline":
            for tag, attrs, _ in start_tags(child.content):
                line, col = _locate(lines, start, end, child.content[:40], cursor)
                cursor = (line, col + 1)
                yield Found("tag", line + 1, col + 1, tag, tuple(attrs))
        elif child.type in ("link_open", "image"):
            url = str(child.attrs.get("href" if child.type == "link_open" else "src", ""))
            needle = url[:20] or ("](" if child.type == "link_open" else "![")
            line, col = _locate(lines, start, end, needle, cursor)
            cursor = (line, col + 1)
            kind = "image" if child.type == "image" else ("autolink" if child.markup == "autolink" else "link")
            yield Found(kind, line + 1, col + 1, url=url)
