"""The Markdown body: its headings and which configured sections they are."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from defectkb.config import SectionSpec

_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*)")  # the text's closing #s are cut by _heading_text
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# Where a line may open or close a fence or be a heading: Python looks only at those lines.
_CANDIDATE = re.compile(r"\n {0,3}[#`~]")
_TEXT = re.compile(r"\S")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based line in the file
    has_content: bool


class FlatSections(Mapping[str, Heading]):
    """An entry's sections as places in its flat heading tuple (level, text, line, has_content per
    heading, as the validation cache keeps them), made into Headings only when asked for: `kb
    validate` holds no heading objects for its 100,000 entries, and its index is shared by every
    entry whose sections sit alike."""

    __slots__ = ("_flat", "_index")

    def __init__(self, flat: tuple[object, ...], index: dict[str, int]) -> None:
        self._flat, self._index = flat, index

    def __getitem__(self, key: str) -> Heading:
        i = 4 * self._index[key]
        return Heading(*self._flat[i:i + 4])  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def headings(body: str, first_line: int) -> list[Heading]:
    """ATX headings outside fenced code, each with whether text follows it before the next
    heading of the same or a higher level (HTML comments, as left by templates, do not count).

    Text is any line with more than white space that is not one of these headings: fence lines,
    code and headings inside a fence count. A regular expression finds the lines that may start a
    heading or a fence, so Python looks only at those, not at every line of a long body."""
    if "<!--" in body:  # blank out comments, keeping the line count
        body = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    found: list[tuple[int, str, int, int]] = []  # level, text, where the line starts, where it ends
    fence: str | None = None
    scan = "\n" + body  # every line, the first too, follows a line end; offsets are one past the body's
    for m in _CANDIDATE.finditer(scan):
        start = m.start() + 1
        end = scan.find("\n", start)
        row = scan[start:end if end >= 0 else None]
        if f := _FENCE.match(row):
            marker = f.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
        elif fence is None and (h := _ATX.match(row)):
            found.append((len(h.group(1)), _heading_text(h.group(2)), start - 1, start - 1 + len(row)))
    if not found:
        return []
    # texts[k]: how many of headings 0..k-1 are followed by text before the next heading.
    texts = [0]
    for k, (_, _, _, line_end) in enumerate(found):
        stop = found[k + 1][2] if k + 1 < len(found) else len(body)
        texts.append(texts[-1] + (_TEXT.search(body, line_end, stop) is not None))
    # The next heading of the same or a higher level, for each heading: one pass with a stack
    # (scanning forward from each heading would be quadratic in thousands of headings).
    ends = [len(found)] * len(found)
    open_: list[int] = []
    for n, (level, _, _, _) in enumerate(found):
        while open_ and found[open_[-1]][0] >= level:
            ends[open_.pop()] = n
        open_.append(n)
    out = []
    number, at = first_line, 0
    for n, (level, title, start, _) in enumerate(found):
        number += body.count("\n", at, start)
        at = start
        # Subheadings alone are not content of this section.
        out.append(Heading(level, title, number, texts[ends[n]] - texts[n] > 0))
    return out


def _heading_text(rest: str) -> str:
    """A heading's text without an optional closing sequence (`## Title ##`): what
    `(.*?)(?:[ \t]+#+)?[ \t]*$` leaves in the group, then stripped. Cut by hand, since that lazy
    group tries the rest of the pattern at every character of the title."""
    text = rest.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and bare[-1:] in (" ", "\t"):
        text = bare
    return text.strip()


@functools.lru_cache(maxsize=4096)  # the same few headings recur in every entry
def _norm(text: str) -> str:
    text = text.replace("＆", "&").replace("：", ":").strip().rstrip(":").strip()
    return re.sub(r"\s+", " ", text).casefold()


def section_names(spec: SectionSpec) -> set[str]:
    return {_norm(n) for n in (spec.en, spec.zh, spec.heading, *spec.aliases)}


def section_table(sections: dict[str, SectionSpec]) -> dict[str, set[str]]:
    """Normalised names of each section; computed once per run, not once per entry."""
    return {key: section_names(spec) for key, spec in sections.items()}


def match_sections(found: list[Heading], names: dict[str, set[str]]) -> dict[str, Heading]:
    """Map section keys to the heading that provides them.

    A heading matches when it is the English name, the Chinese name, or both joined by `/`
    (in either order), or a configured alias. `names` comes from `section_table`.
    """
    result: dict[str, Heading] = {}
    for heading in found:
        for key, options in names.items():
            if key not in result and _parts(heading.text) & options:
                result[key] = heading
                break
    return result


@functools.lru_cache(maxsize=4096)
def _parts(text: str) -> frozenset[str]:
    return frozenset({_norm(text), *(_norm(p) for p in re.split(r"\s*[/／|]\s*", text) if p.strip())})
