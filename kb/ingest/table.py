"""CSV exports to rows: delimiter sniffing, multi-line quoted cells, repeated column names,
ZenTao's trailing empty field, and broken rows reported by number without stopping the rest."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

csv.field_size_limit(64 * 1024 * 1024)  # Jira descriptions and comment threads run long


@dataclass(slots=True)
class Row:
    """One record of an export. `cells` maps a column name to every non-empty value under it:
    Jira repeats columns (Labels, Comment, Watchers ...) once per value."""

    number: int  # 1 = the first record after the header
    line: int | None  # line in the file where the record starts
    cells: dict[str, list[str]]
    comments: list[tuple[str, str, str]] = field(default_factory=list)  # (date, author, text) from JSON/XML
    pull_request: bool = False

    def first(self, column: str) -> str | None:
        values = self.cells.get(column)
        return values[0] if values else None


@dataclass(slots=True)
class Problem:
    row: int | None
    line: int | None
    message: str
    hint: str | None = None


@dataclass(slots=True)
class Table:
    header: list[str]
    rows: list[Row]
    problems: list[Problem]


def sniff_delimiter(first_line: str) -> str:
    # Excel's "Unicode text" (UTF-16) is tab-separated; some locales use `;`.
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str) -> Table:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    problems: list[Problem] = []
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return Table([], [], [Problem(None, 1, "the file has no header row", "export with column names")])
    while header and not header[-1].strip():  # ZenTao ends every line with a comma
        header.pop()
    header = [" ".join(h.split()) for h in header]
    if not any(header):
        return Table([], [], [Problem(None, 1, "the header row is empty", "export with column names")])
    rows: list[Row] = []
    number = 0
    end = reader.line_num
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            problems.append(Problem(number, start, f"unreadable CSV: {exc}", "check the quoting of this row"))
            end = reader.line_num
            continue
        end = reader.line_num
        if not record or all(not c.strip() for c in record):
            continue  # blank line
        number += 1
        if len(record) == len(header) + 1 and not record[-1].strip():
            record.pop()  # trailing empty field
        if len(record) != len(header):
            problems.append(Problem(number, start, f"{len(record)} fields, the header has {len(header)}",
                                    "a quote is probably missing or unescaped in this row; fix it and "
                                    "import again (rows already imported are skipped)"))
            continue
        cells: dict[str, list[str]] = {}
        for name, value in zip(header, record, strict=True):
            values = cells.setdefault(name, [])
            value = value.strip()
            if value:
                values.append(value)
        rows.append(Row(number, start, cells))
    return Table(header, rows, problems)
