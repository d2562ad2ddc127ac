"""Resource bounds of an entry body: what keeps `mkdocs build` fast on hostile Markdown.

Python-Markdown (the build's parser) is quadratic or recursive on some inputs: every inline
element of a paragraph copies the paragraph again, an unclosed `[` or `](` is scanned to the end
of its paragraph by each link pattern, nested lists and emphasis recurse. One linear pass over
the body measures exactly those costs, conservatively (a paragraph here is any run of non-blank
lines, so the build's real blocks are never larger), and reports what exceeds the limits.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

# Characters that start an inline pattern in Python-Markdown: each match re-copies its paragraph.
MARKUP = ("*", "_", "`", "[", "<", "&", "\\")
_RUN_CHARS = "*_`[]()<>\\&~"
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*\.?[\w#.+-]*[ \t]*$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_LIST = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_BRACKETS = re.compile(r"[\[\]()\"']")
_EMPHASIS = re.compile(r"\*+|_+")


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_line_chars: int = 20_000
    max_nesting: int = 16
    max_emphasis_nesting: int = 32
    max_marker_run: int = 100
    max_headings: int = 300
    max_list_items: int = 3_000
    max_table_rows: int = 3_000
    max_code_blocks: int = 500
    max_rules: int = 500
    max_inline_work: int = 200_000_000
    max_bracket_scan: int = 1_000_000


@dataclass(frozen=True, slots=True)
class Excess:
    code: str
    line: int  # 0-based in the body
    column: int  # 1-based
    message: str
    hint: str


@functools.cache
def _run_pattern(limit: int) -> re.Pattern[str]:
    return re.compile("|".join(f"{re.escape(c)}{{{limit + 1},}}" for c in _RUN_CHARS))


def _has_run(text: str, limit: int) -> bool:
    """Whether `text` holds a run longer than `limit` of one marker character: a substring test per
    character, which is C's memchr-speed search, where the alternation above tries every position."""
    return any(c * (limit + 1) in text for c in _RUN_CHARS)


@functools.cache
def _table_test() -> object:
    """Python-Markdown's own test for a table block, so the two never disagree."""
    import markdown
    from markdown.extensions.tables import TableProcessor

    md = markdown.Markdown()
    return TableProcessor(md.parser, {"use_align_attribute": False})


def _is_table(lines: list[str]) -> bool:
    if len(lines) < 2 or "|" not in lines[0] or not _SEPARATOR.match(lines[1]):
        return False
    proc = _table_test()
    try:
        return bool(proc.test(None, lines[0] + "\n" + lines[1]))  # type: ignore[attr-defined]
    except Exception:  # not a table, then: the paragraph is measured as a whole
        return False


def _fences(lines: list[str]) -> tuple[list[bool], set[int]]:
    """Which lines are inside (or delimit) a closed fenced code block, and where each opens.
    An unclosed fence is text (the build shows it as text)."""
    code = [False] * len(lines)
    starts: set[int] = set()
    closers: dict[str, list[int]] = {}  # fence -> lines that can close it, ascending
    openers: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if line[:4].lstrip(" ")[:1] in ("`", "~") and (m := _FENCE_OPEN.match(line)):
            openers.append((i, m.group(2)))
            if _FENCE_CLOSE.match(line):
                closers.setdefault(m.group(2), []).append(i)
    after = -1
    for i, fence in openers:
        if i <= after:
            continue
        candidates = closers.get(fence, [])
        k = bisect.bisect_right(candidates, i)
        if k < len(candidates):
            end = candidates[k]
            starts.add(i)
            for j in range(i, end + 1):
                code[j] = True
            after = end
    return code, starts


def _nesting(line: str) -> int:
    """Containers a line opens: `>` and list markers, plus one per four columns of indentation."""
    depth, pos, n = 0, 0, len(line)
    indent = len(line) - len(line.lstrip(" \t"))
    depth += (len(line[:indent].expandtabs(4))) // 4
    pos = indent
    while pos < n:
        if line[pos] == ">":
            depth += 1
            pos += 1
        elif m := _LIST.match(line, pos):
            depth += 1
            pos = m.end()
        else:
            break
        while pos < n and line[pos] in " \t":
            pos += 1
    return depth


def _bracket_scan(text: str) -> tuple[int, int]:
    """Characters Python-Markdown's link patterns read for this paragraph, and where the worst
    `[` (or `](`) starts: each `[` is scanned to its `]`, each `](` to its `)`; unclosed ones,
    and link targets holding a quote (titles switch the matching off), to the paragraph's end."""
    end = len(text)
    squares: list[int] = []
    parens: list[tuple[int, bool]] = []  # position, opens a link target
    quotes: list[int] = []
    total, worst, worst_at = 0, -1, 0
    for m in _BRACKETS.finditer(text):
        c, p = m.group(), m.start()
        if c == "[":
            squares.append(p)
        elif c == "]":
            if squares:
                q = squares.pop()
                total += p - q
                if p - q > worst:
                    worst, worst_at = p - q, q
        elif c == "(":
            parens.append((p, p > 0 and text[p - 1] == "]"))
        elif c == ")":
            if parens:
                q, target = parens.pop()
                if target:
                    k = bisect.bisect_right(quotes, q)
                    cost = (end - q) if k < len(quotes) and quotes[k] < p else p - q
                    total += cost
                    if cost > worst:
                        worst, worst_at = cost, q
        else:
            quotes.append(p)
    for q in squares + [q for q, target in parens if target]:
        total += end - q
        if end - q > worst:
            worst, worst_at = end - q, q
    return total, worst_at


@functools.cache
def _deep_prefix(limit: int) -> re.Pattern[str]:
    """A line start of more than `limit` characters that can open containers (indentation, `>`,
    list markers): every level of nesting (see _nesting) takes at least one of them."""
    return re.compile(rf"(?m)^[ \t>*+\-0-9.)]{{{limit + 1}}}")


def clearly_within(body: str, lines: list[str], limits: BodyLimits) -> bool:
    """Upper bounds, each one pass in C, under every limit: then the line-by-line measure below
    cannot find anything, and a typical write-up skips it. Each bound counts over the whole body
    what the measure counts per line or per paragraph outside code."""
    if len(lines) > min(limits.max_headings, limits.max_list_items, limits.max_table_rows,
                        limits.max_code_blocks, limits.max_rules):
        return False  # each element is counted at most once per line
    if max(map(len, lines)) > limits.max_line_chars or _has_run(body, limits.max_marker_run):
        return False
    if sum(body.count(c) for c in MARKUP) * len(body) > limits.max_inline_work:
        return False  # paragraphs' markup times their length, summed, is at most this
    if body.count("*") + body.count("_") > limits.max_emphasis_nesting:
        return False  # each level of emphasis takes at least one of them
    if (body.count("[") + body.count("(")) * len(body) > limits.max_bracket_scan:
        return False  # each bracket is scanned at most to its paragraph's end
    return not _deep_prefix(limits.max_nesting).search(body)


def check_body(body: str, limits: BodyLimits) -> Iterator[Excess]:
    """Every limit the body exceeds, each once, at the line where it is exceeded."""
    lines = body.split("\n")
    if clearly_within(body, lines, limits):
        return
    yield from measure_body(lines, limits)


def measure_body(lines: list[str], limits: BodyLimits) -> Iterator[Excess]:
    """The line-by-line measure behind check_body."""
    code, starts = _fences(lines)
    counts = {"headings": 0, "list_items": 0, "table_rows": 0, "code_blocks": 0, "rules": 0}
    caps = {"headings": limits.max_headings, "list_items": limits.max_list_items,
            "table_rows": limits.max_table_rows, "code_blocks": limits.max_code_blocks, "rules": limits.max_rules}
    reported: set[str] = set()
    runs = _run_pattern(limits.max_marker_run)
    work = scan = 0

    def count(kind: str, i: int, n: int = 1) -> Iterator[Excess]:
        counts[kind] += n
        if counts[kind] > caps[kind] and kind not in reported:
            reported.add(kind)
            name = kind.replace("_", " ")
            yield Excess("KB015", i, 1, f"more than {caps[kind]:,} {name} in one entry",
                         _ELEMENT_HINTS[kind] + f"; or raise `limits.max_{kind}` in kb.yml")

    block: list[int] = []  # indexes of the current paragraph's lines
    prev_text = False
    for i, line in enumerate([*lines, ""]):
        in_code = i < len(lines) and code[i]
        if i in starts:
            yield from count("code_blocks", i)
        if in_code or not line.strip():
            if block:
                table = _is_table([lines[j] for j in block[:2]])
                if table:
                    for j in block:
                        yield from count("table_rows", j)
                for excess in _paragraph(lines, block, table, limits, work, scan):
                    if isinstance(excess, tuple):
                        work, scan = excess
                    elif excess.code not in reported:
                        reported.add(excess.code)
                        yield excess
                block = []
            prev_text = False
            continue
        block.append(i)
        if len(line) > limits.max_line_chars and "KB014" not in reported:
            reported.add("KB014")
            yield Excess("KB014", i, limits.max_line_chars + 1,
                         f"line is {len(line):,} characters long; the limit is {limits.max_line_chars:,}",
                         "put pasted logs and data in a fenced code block (```), break prose into lines, "
                         "or raise `limits.max_line_chars` in kb.yml")
        depth = _nesting(line)
        if depth > limits.max_nesting and "KB016" not in reported:
            reported.add("KB016")
            yield Excess("KB016", i, 1, f"lists and block quotes nest {depth} deep; the limit is "
                                        f"{limits.max_nesting}",
                         "flatten the structure (or put quoted text in a fenced code block); "
                         "or raise `limits.max_nesting` in kb.yml")
        if "KB017" not in reported and _has_run(line, limits.max_marker_run) and (m := runs.search(line)):
            run = len(m.group())
            reported.add("KB017")
            yield Excess("KB017", i, m.start() + 1, f"{run:,} `{m.group()[0]}` in a row; the limit is "
                                                    f"{limits.max_marker_run}",
                         "put such text in `backticks` or a fenced code block; or raise "
                         "`limits.max_marker_run` in kb.yml")
        stripped = line.lstrip(" \t>")
        if _ATX.match(line) or (prev_text and _SETEXT.match(line)):
            yield from count("headings", i)
        elif _RULE.match(line):
            yield from count("rules", i)
        if _LIST.match(stripped):
            yield from count("list_items", i)
        prev_text = True


_ELEMENT_HINTS = {
    "headings": "split the write-up into several entries",
    "list_items": "attach long lists as a file, or put them in a fenced code block",
    "table_rows": "attach large tables as a CSV file and link it",
    "code_blocks": "merge related snippets, or attach them as files",
    "rules": "use headings to structure the write-up instead of horizontal rules",
}


def _paragraph(lines: list[str], block: list[int], table: bool, limits: BodyLimits, work: int,
               scan: int) -> Iterator[Excess | tuple[int, int]]:
    """The inline cost of one paragraph (of a table: each row's), added to the entry's totals."""
    units = [[i] for i in block] if table else [block]
    for unit in units:
        text = "\n".join(lines[i] for i in unit)
        markup = sum(text.count(c) for c in MARKUP)
        work += markup * len(text)
        if work > limits.max_inline_work:
            yield Excess("KB820", unit[0], 1,
                         f"paragraph of {len(text):,} characters with {markup:,} markup characters "
                         f"({' '.join(MARKUP)}); Markdown's cost grows with their product",
                         "split it with blank lines, or put pasted output in a fenced code block (```); "
                         "or raise `limits.max_inline_work` in kb.yml")
            work = -(10**18)  # reported once
        depth, at = _emphasis_depth(text, limits.max_emphasis_nesting)
        if depth > limits.max_emphasis_nesting:
            line, col = _position(lines, unit, at)
            yield Excess("KB016", line, col, f"emphasis (`*`, `_`) nests {depth} deep; the limit is "
                                             f"{limits.max_emphasis_nesting}",
                         "close each `*` / `**` / `_` you open, or escape literal ones as `\\*`; "
                         "or raise `limits.max_emphasis_nesting` in kb.yml")
        cost, at = _bracket_scan(text)
        scan += cost
        if scan > limits.max_bracket_scan:
            line, col = _position(lines, unit, at)
            yield Excess("KB821", line, col,
                         "unclosed or deeply nested `[` / `](` in this paragraph: Markdown would re-read "
                         f"{cost:,} characters to match them (limit for the entry: {limits.max_bracket_scan:,})",
                         "close the brackets, escape them as `\\[`, or put the text in `backticks` or a fenced "
                         "code block; or raise `limits.max_bracket_scan` in kb.yml")
            scan = -(10**18)
    yield work, scan


def _emphasis_depth(text: str, limit: int) -> tuple[int, int]:
    """How deep `*` and `_` emphasis could nest (Markdown recurses once per level), and the opener
    that first goes over `limit`. A run followed by a non-space opens, one preceded by a non-space closes
    (both: closes what is open, else opens); unclosed openers count until the paragraph's end."""
    open_ = {"*": 0, "_": 0}
    depth = worst = worst_at = 0
    n = len(text)
    for m in _EMPHASIS.finditer(text):
        a, b = m.start(), m.end()
        c = text[a]
        levels = (b - a + 1) // 2
        opens = b < n and not text[b].isspace()
        closes = a > 0 and not text[a - 1].isspace()
        if closes and open_[c]:
            taken = min(levels, open_[c])
            open_[c] -= taken
            depth -= taken
        elif opens:
            open_[c] += levels
            depth += levels
            if depth > limit and worst <= limit:
                worst_at = a
            worst = max(worst, depth)
    return worst, worst_at


def _position(lines: list[str], unit: list[int], offset: int) -> tuple[int, int]:
    for i in unit:
        if offset <= len(lines[i]):
            return i, offset + 1
        offset -= len(lines[i]) + 1
    return unit[-1], 1
