"""Reading one entry file through the caches: the preview's in-memory one (unchanged stat, no read)
and the on-disk one (same bytes, no parse and no schema check); otherwise parse and check it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from defectkb.body import Heading, match_sections, section_table
from defectkb.cache.store import ValidationCache, digest
from defectkb.config import Config
from defectkb.diagnostics import Diagnostic, Position, Severity
from defectkb.loader import Limits, SourceCache, SourceFile, decode, parse_bytes, read_bytes
from defectkb.models import MODELS, EntryBase
from defectkb.schema_check import validate_entry
from defectkb.yamlsource import Located

# A record is a list, so that the content-policy findings can be filled in after the rules ran:
# [content hash, folder kind, parse, schema, content]
#   parse:   (spans, body_line, headings as tuples, within_limits, meta, diagnostics as tuples)
#   schema:  (model or None, {section key: heading index}, diagnostics as tuples), None without meta
#   content: (content-policy key, diagnostics as tuples) or None until check_content ran
Record = list[Any]
DiagTuple = tuple[int, int, str, str, str, str | None]
_SEVERITY = {s.value: s for s in Severity}


def pack(diags: list[Diagnostic]) -> tuple[DiagTuple, ...]:
    """Diagnostics without their path: the path shown depends on where the tool runs."""
    return tuple((d.line, d.column, d.code, d.severity.value, d.message, d.hint) for d in diags)


def unpack(display: str, diags: tuple[DiagTuple, ...]) -> list[Diagnostic]:
    if not diags:
        return []
    return [Diagnostic(display, line, col, code, _SEVERITY[sev], message, hint)
            for line, col, code, sev, message, hint in diags]


def entry_kind(meta: dict[str, Any], folder_kind: str) -> str:
    declared = meta.get("kind")
    return declared if isinstance(declared, str) and declared in MODELS else folder_kind


class FileReader:
    """One run's reading of entry files; keeps the records for the content-policy step."""

    def __init__(self, root: Path, config: Config, limits: Limits, memory: SourceCache | None,
                 disk: ValidationCache | None) -> None:
        self.root, self.config, self.limits = root, config, limits
        self.memory, self.disk = memory, disk
        self.records: dict[Path, tuple[str, Record]] = {}  # path -> (rel path, record)
        self._sections: dict[str, dict[str, set[str]]] = {}
        self._prefix = str(root).rstrip(os.sep) + os.sep  # paths are under root: slicing beats relative_to

    def read(self, path: Path, display: str, folder_kind: str) -> tuple[SourceFile, Record]:
        """The file's record (loader diagnostics only) and its cached or fresh results."""
        text = str(path)
        rel = text[len(self._prefix):].replace(os.sep, "/") if text.startswith(self._prefix) else \
            path.relative_to(self.root).as_posix()
        stat_key = (-1, -1)
        if self.memory is not None:
            stat_key, src = self.memory.get(path)
            record = self.memory.derived.get(path)
            if src is not None and record is not None and record[1] == folder_kind:
                self.records[path] = (rel, record)
                if self.disk is not None:
                    self.disk.seen(rel)
                return src, record
        src, raw = read_bytes(path, display, self.root, self.limits)
        record: Record | None = None
        if raw is not None:
            content = digest(raw)
            if self.disk is not None and (record := self.disk.get(rel, content, folder_kind)) is not None:
                src = self._rebuild(src, raw, record)
            else:
                parse_bytes(src, raw, self.limits)
                record = self._check(src, folder_kind, content)
                if self.disk is not None:
                    self.disk.put(rel, record)
        else:
            record = self._check(src, folder_kind, b"")  # unreadable: nothing worth keeping on disk
        if self.memory is not None:
            self.memory.put(path, stat_key, src)
            self.memory.derived[path] = record
        self.records[path] = (rel, record)
        return src, record

    def _check(self, src: SourceFile, folder_kind: str, content: bytes) -> Record:
        """Parse results and the schema check of a freshly read file, as a record."""
        schema = None
        if src.meta is not None:
            kind = entry_kind(src.meta, folder_kind)
            before = len(src.diagnostics)
            model = validate_entry(src, MODELS[kind])
            found = pack(src.diagnostics[before:])
            del src.diagnostics[before:]  # schema findings live in the record; load() adds them
            index: dict[str, int] | None = None
            if model is not None:
                names = self._sections.get(kind)
                if names is None:
                    names = self._sections[kind] = section_table(self.config.kind(kind).sections)
                position = {id(h): i for i, h in enumerate(src.headings)}
                index = {key: position[id(h)] for key, h in match_sections(src.headings, names).items()}
            schema = (model, index, found)
        parse = (src.spans, src.body_line, tuple((h.level, h.text, h.line, h.has_content) for h in src.headings),
                 src.within_limits, src.meta, pack(src.diagnostics))
        return [content, folder_kind, parse, schema, None]

    def _rebuild(self, src: SourceFile, raw: bytes, record: Record) -> SourceFile:
        spans, body_line, headings, within, meta, diags = record[2]
        src.body_line, src.within_limits, src.spans = body_line, within, spans
        src.headings = [Heading(*h) for h in headings]
        if spans is not None:
            text = decode(raw)
            src.body = text[spans[2]:]
            if isinstance(meta, dict):
                src.meta = meta
                src.located = Located(data=meta, start=Position(2, 1),
                                      lazy=(text[spans[0]:max(spans[0], spans[1] - 1)], 1,
                                            self.limits.max_yaml_nodes, self.limits.max_yaml_depth))
        src.diagnostics = unpack(src.display, diags)
        return src

    def rel_path(self, path: Path) -> str:
        found = self.records.get(path)
        return found[0] if found is not None else path.relative_to(self.root).as_posix()

    def results(self, src: SourceFile, record: Record) -> tuple[EntryBase | None, dict[str, Heading] | None,
                                                                 list[Diagnostic]]:
        """The model, sections and schema diagnostics of a record, for this run's SourceFile."""
        schema = record[3]
        if schema is None:
            return None, None, []
        model, index, diags = schema
        sections = {key: src.headings[i] for key, i in index.items()} if index is not None else None
        return model, sections, unpack(src.display, diags)

    def content_findings(self, path: Path, key: str) -> tuple[DiagTuple, ...] | None:
        found = self.records.get(path)
        if found is None or found[1][4] is None or found[1][4][0] != key:
            return None
        return found[1][4][1]

    def store_content(self, path: Path, key: str, diags: list[Diagnostic]) -> None:
        found = self.records.get(path)
        if found is None:
            return
        rel, record = found
        record[4] = (key, pack(diags))
        if self.disk is not None and record[0]:
            self.disk.put(rel, record)

    def save(self) -> None:
        if self.disk is not None:
            self.disk.save()
