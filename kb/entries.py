"""What a loaded knowledge base is: its entries and the set they form. Plain data, no loading."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from defectkb.body import Heading
from defectkb.config import Config
from defectkb.diagnostics import Diagnostic, Position, Report, Severity
from defectkb.loader import SourceFile
from defectkb.models import Defect, Lesson
from defectkb.registry import Registry


@dataclass(slots=True)
class Entry:
    """A validated entry: its model, its file and the sections its body provides."""

    model: Defect | Lesson
    source: SourceFile
    sections: Mapping[str, Heading]  # a dict, or FlatSections in `kb validate`
    rel_path: str  # path inside the content folder, with forward slashes
    # Copied from the (frozen) model: read millions of times per build, a field beats a property.
    id: str = field(init=False)
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.model.id
        self.kind = self.model.kind

    def pos(self, *path: str | int, key: bool = False) -> Position:
        assert self.source.located is not None
        return self.source.located.at(tuple(path), key=key)

    def diag(self, code: str, pos: Position, message: str, hint: str | None = None,
             severity: Severity = Severity.ERROR) -> Diagnostic:
        return Diagnostic(self.source.display, pos.line, pos.column, code, severity, message, hint)


@dataclass(slots=True)
class KnowledgeBase:
    root: Path
    config: Config
    registry: Registry
    entries: list[Entry] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    by_id: dict[str, Entry] = field(default_factory=dict)
    known_ids: set[str] = field(default_factory=set)  # ids of every file, valid or not
    section_names: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    # Paths (relative to root, forward slashes) of the entries this change adds, when known
    # (`kb validate --changed-since`, explicit paths); None means "not known": checks that only
    # concern new entries then fall back to entries in their first status.
    added: set[str] | None = None
    # What rules keep from one run to the next in a long-lived process (the preview server), by
    # rule; None in a one-off run. A kept finding is reused only for the very same file object,
    # which the loader hands out again only while its file is unchanged (`SourceCache.reusable`).
    memos: dict[str, Any] | None = None

    @property
    def defects(self) -> list[Entry]:
        return [e for e in self.entries if e.model.kind == "defect"]

    @property
    def lessons(self) -> list[Entry]:
        return [e for e in self.entries if e.model.kind == "lesson"]

    def report(self) -> Report:
        return Report(diagnostics=list(self.diagnostics), files=len(self.sources), entries=len(self.entries))

    def shed(self) -> None:
        """Drop what only validation reads, once it is done: the raw front matter and its positions,
        the body's heading list (the sections keep theirs) and the per-file findings.

        A site build keeps the models, the sections and the bodies: about half of a loaded entry's
        memory. Positions are gone afterwards, so nothing may report on these entries any more.
        """
        for src in self.sources:
            src.meta = None
            src.located = None
            src.headings = []
            src.diagnostics = []
        self.diagnostics = []


Rule = Callable[[KnowledgeBase], Iterable[Diagnostic]]
