"""Reporting periods: ISO weeks (2026-W48), months (2026-11) and quarters (2026-Q4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("week", "month", "quarter")
_PATTERNS = {
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True, slots=True)
class Period:
    kind: str  # week, month or quarter
    year: int
    number: int  # ISO week, month or quarter number

    @property
    def key(self) -> str:
        if self.kind == "week":
            return f"{self.year:04d}-W{self.number:02d}"
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-Q{self.number}"

    @property
    def start(self) -> date:
        if self.kind == "week":
            return date.fromisocalendar(self.year, self.number, 1)
        if self.kind == "month":
            return date(self.year, self.number, 1)
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        if self.kind == "week":
            return self.start + timedelta(days=6)
        return self.next().start - timedelta(days=1)

    def next(self) -> Period:
        if self.kind == "week":
            return Period.of("week", self.start + timedelta(days=7))
        last = 12 if self.kind == "month" else 4
        return Period(self.kind, self.year + 1, 1) if self.number == last else Period(self.kind, self.year,
                                                                                      self.number + 1)

    def previous(self) -> Period:
        if self.kind == "week":
            return Period.of("week", self.start - timedelta(days=1))
        last = 12 if self.kind == "month" else 4
        return Period(self.kind, self.year - 1, last) if self.number == 1 else Period(self.kind, self.year,
                                                                                      self.number - 1)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @staticmethod
    def of(kind: str, day: date) -> Period:
        if kind == "week":
            iso = day.isocalendar()
            return Period("week", iso.year, iso.week)
        if kind == "month":
            return Period("month", day.year, day.month)
        return Period("quarter", day.year, (day.month - 1) // 3 + 1)

    @staticmethod
    def parse(text: str) -> Period:
        """`2026-W48`, `2026-11` or `2026-Q4`; a clear error otherwise."""
        value = text.strip().upper()
        for kind, pattern in _PATTERNS.items():
            if m := pattern.match(value):
                year, number = int(m[1]), int(m[2])
                try:
                    period = Period(kind, year, number)
                    period.start  # noqa: B018 - validates the week / month number
                except ValueError:
                    break
                if kind == "month" and not 1 <= number <= 12:
                    break
                return period
        raise PeriodError(f"`{text}` is not a period; use an ISO week (2026-W48), a month (2026-11) "
                          "or a quarter (2026-Q4)")
