"""The body's headings (defectkb.body.headings): found with one regular expression over the
whole body, they must be what reading it line by line finds."""

from __future__ import annotations

import random
import re

from defectkb.body import Heading, headings

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def by_lines(body: str, first_line: int) -> list[Heading]:
    """The plain reading: every line in turn, a fence state, a count of text lines."""
    body = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), body, flags=re.DOTALL)
    lines = body.split("\n")
    found, text_before, count, fence = [], [], 0, None
    for i, line in enumerate(lines):
        text_before.append(count)
        if m := _FENCE.match(line):
            marker = m.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            count += 1
        elif fence is None and (h := _ATX.match(line)):
            found.append((len(h.group(1)), h.group(2).strip(), i))
        elif line.strip():
            count += 1
    text_before.append(count)
    out = []
    for n, (level, text, i) in enumerate(found):
        end = next((j for lv, _, j in found[n + 1:] if lv <= level), len(lines))
        out.append(Heading(level, text, first_line + i, text_before[end] - text_before[i + 1] > 0))
    return out


PIECES = ["# Title", "## Root cause / 根因", "### Sub", "#### Deep ###", "   ## Indented heading", "    ## code",
          "#notaheading", "##", "# ", "```", "```python", "````", "~~~", "~~~~ text", "  ```", "text", "",
          "   ", "    indented code", "\t tab", "<!-- a comment -->", "<!--", "-->", "- item", "中文内容",
          "\u3000", "| a | b |", "#\tTabbed", "## Closing ##   ", "x # y", "# ##", "## ## ##", "# a#", "# a # b ##", "### \t ###", "# #a #",
          "#  two  spaces  #  ", "# 标题 ＃", "# x\t#\t"]


def test_headings_are_what_a_line_by_line_reading_finds() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        body = "\n".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        first = rng.randint(1, 40)
        assert headings(body, first) == by_lines(body, first), body


def test_a_section_with_only_indented_code_has_content() -> None:
    found = headings("## Steps\n\n    make test\n\n## Fix\n\n", 5)
    assert [(h.text, h.line, h.has_content) for h in found] == [("Steps", 5, True), ("Fix", 9, False)]
