"""Text clean-up shared by the readers: HTML to plain text, headings neutralised."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "ul", "ol", "table"}
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (ZenTao steps, Jira XML descriptions); plain text passes through."""
    if not _TAG.search(value):
        return unescape(value) if "&" in value else value
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    return tidy(text)


def tidy(text: str) -> str:
    """Line ends normalised, trailing spaces and runs of blank lines removed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)", re.MULTILINE)
_FENCE = re.compile(r"^( {0,3})(---+|\.\.\.)\s*$", re.MULTILINE)


def as_markdown(text: str) -> str:
    """Source text placed in an entry body: a `#` at a line start would become a heading (and
    could pose as a section), so it is escaped."""
    text = _HEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _FENCE.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
