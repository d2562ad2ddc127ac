"""The Markdown body: its headings and which configured sections they are."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from defectkb.config import SectionSpec

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
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
    heading of the same or a higher level (HTML comments, as left by templates, do not count)."""
    if "<!--" in body:  # blank out comments, keeping the line count
        body = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    lines = body.split("\n")
    found: list[tuple[int, str, int]] = []  # level, text, index
    # text_before[i]: lines of text (not blank, not a heading) among lines[0:i]
    text_before = [0] * (len(lines) + 1)
    count = 0
    fence: str | None = None
    for i, line in enumerate(lines):
        text_before[i] = count
        first = line[:4].lstrip(" ")[:1]
        if not first:
            continue
        if first in "#`~":
            m = _FENCE.match(line)
            if m:
                marker = m.group(1)
                if fence is None:
                    fence = marker[0] * len(marker)
                elif marker.startswith(fence):
                    fence = None
                count += 1
                continue
            if fence is None and (h := _ATX.match(line)):
                found.append((len(h.group(1)), h.group(2).strip(), i))
                continue
        if line.strip():
            count += 1
    text_before[len(lines)] = count
    out = []
    # The next heading of the same or a higher level, for each heading: one pass with a stack
    # (scanning forward from each heading would be quadratic in thousands of headings).
    ends = [len(lines)] * len(found)
    open_: list[int] = []
    for n, (level, _, index) in enumerate(found):
        while open_ and found[open_[-1]][0] >= level:
            ends[open_.pop()] = index
        open_.append(n)
    for n, (level, text, index) in enumerate(found):
        end = ends[n]
        # Subheadings alone are not content of this section.
        content = text_before[end] - text_before[index + 1] > 0
        out.append(Heading(level, text, first_line + index, content))
    return out


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
