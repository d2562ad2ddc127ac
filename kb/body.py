"""The Markdown body: its headings and which configured sections they are."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.config import SectionSpec

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based line in the file
    has_content: bool


def headings(body: str, first_line: int) -> list[Heading]:
    """ATX headings outside fenced code, each with whether text follows it before the next
    heading of the same or a higher level (HTML comments, as left by templates, do not count)."""
    lines = body.split("\n")
    found: list[tuple[int, str, int]] = []  # level, text, index
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None:
            h = _ATX.match(line)
            if h:
                found.append((len(h.group(1)), h.group(2).strip(), i))
    out = []
    for n, (level, text, index) in enumerate(found):
        end = len(lines)
        for later_level, _, later_index in found[n + 1 :]:
            if later_level <= level:
                end = later_index
                break
        chunk = _COMMENT.sub("", "\n".join(lines[index + 1 : end]))
        # Subheadings alone are not content of this section.
        content = any(line.strip() and not _ATX.match(line) for line in chunk.split("\n"))
        out.append(Heading(level, text, first_line + index, content))
    return out


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
        whole = _norm(heading.text)
        parts = {whole, *(_norm(p) for p in re.split(r"\s*[/／|]\s*", heading.text) if p.strip())}
        for key, options in names.items():
            if key not in result and parts & options:
                result[key] = heading
                break
    return result
