"""Diagnostics are plain data: every check in the knowledge base reports through them.

The CLI, the MkDocs build and CI annotations all print the same records, so a message reads
the same wherever it is seen.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str
    line: int
    column: int
    code: str
    severity: Severity
    message: str
    hint: str | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in the file a diagnostic is about."""

    line: int = 1
    column: int = 1


@dataclass(slots=True)
class Report:
    """Collects diagnostics for one run; counts drive the summary and the exit code."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    entries: int = 0

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(items)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: d.sort_key)


def did_you_mean(value: object, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return the closest choice to `value`, for hints such as "did you mean `serious`?"."""
    if not isinstance(value, str) or not value:
        return None
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    if value.lower() in lowered:
        return lowered[value.lower()]
    match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None
