"""Reading one entry file through the on-disk validation cache (same bytes: no parse and no schema
check); otherwise parse and check it. (The preview does not even read a file it already has:
`defectkb.loader.SourceCache`.)"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from defectkb import loader
from defectkb.body import FlatSections, Heading, match_sections, section_table
from defectkb.cache.store import ValidationCache, digest
from defectkb.config import Config
from defectkb.diagnostics import Diagnostic, Position, Severity
from defectkb.loader import Limits, SourceFile, decode, parse_bytes, read_file
from defectkb.models import MODELS, EntryBase
from defectkb.schema_check import validate_entry
from defectkb.yamlsimple import SHORT
from defectkb.yamlsource import Located
from pydantic import BaseModel

# A record is a list, so that the content-policy findings can be filled in after the rules ran:
# [content hash, folder kind, parse, schema, content, status, positions]
#   parse:     (spans, body_line, headings flat: (level, text, line, has_content, level, ...),
#               within_limits, meta, diagnostics as tuples)
#   schema:    (model or None, {section key: heading index}, diagnostics as tuples), None without meta
#   findings:  {per-entry rule's name: (its key, diagnostics as tuples)} for the rules that ran, or None
#   status:    the file's (size, mtime_ns, ctime_ns, inode, device) when its bytes were read, or None
#              when that status is too recent to vouch for the bytes (see `trusted_status`)
#   positions: {(YAML path, key?): (line, column)} worked out for diagnostics so far, or None
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


CONTENT_RULE = "check_content"  # the per-entry rule that reads bodies

def status_key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def trusted_status(st: os.stat_result | None) -> tuple[int, int, int, int, int] | None:
    """The status to keep with a record: only for a regular file whose last change (ctime, which
    every write sets and no user can set back) is older than `loader.RACY_NS` at the time it was
    read: a change within the same tick of the clock could leave it as it was."""
    if st is None or not stat.S_ISREG(st.st_mode) or st.st_ctime_ns > time.time_ns() - loader.RACY_NS:
        return None
    return status_key(st)


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_TABLES: dict[Any, dict[str, Any]] = {}  # per-entry findings tables without findings, by content
_INDEXES: dict[Any, dict[str, int]] = {}  # section indexes (never changed once made), by content
_intern = sys.intern


def share_fields_sets(model: BaseModel) -> None:
    """One `model_fields_set` object for all models that set the same fields (a set of some thirty
    names is 2 KiB; most entries set the same ones). The models are frozen, and pydantic copies
    the set before changing it (`model_copy`), so sharing it changes nothing but memory."""
    stack: list[Any] = [model]
    while stack:
        item = stack.pop()
        if isinstance(item, BaseModel):
            fields = item.__pydantic_fields_set__
            shared = _FIELDS_SETS.setdefault(frozenset(fields), fields)
            if shared is not fields:
                object.__setattr__(item, "__pydantic_fields_set__", shared)
            stack.extend(v for v in item.__dict__.values() if isinstance(v, BaseModel | list))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, BaseModel))


class FileReader:
    """One run's reading of entry files; keeps the records for the content-policy step.

    With `keep_bodies` false (`kb validate`), a file whose status (size, times, inode) is the one
    kept with its cached record is not read at all: its record is trusted, the body is left out
    and the front matter is read again only if a diagnostic needs a position not yet known.
    `content_key` is the key the content-policy findings must have for that shortcut (None when
    that rule does not run).
    """

    def __init__(self, root: Path, config: Config, limits: Limits, disk: ValidationCache | None, *,
                 keep_bodies: bool = True, content_key: str | None = None, kept: bool = False) -> None:
        self.root, self.config, self.limits = root, config, limits
        self.disk = disk
        # The caller keeps what this run makes for the next (the preview, `SourceCache`): records
        # are then never slimmed, nor trusted without reading their file.
        self.kept = kept
        self.keep_bodies, self.content_key = keep_bodies, content_key
        self.records: dict[Path, tuple[str, Record]] = {}  # path -> (rel path, record)
        self._located: list[tuple[str, Record, Located]] = []  # for the positions worked out later
        self._sections: dict[str, dict[str, set[str]]] = {}
        self._prefix = str(root).rstrip(os.sep) + os.sep  # paths are under root: slicing beats relative_to
        self.unread = 0  # files whose record was trusted on their status alone
        self._fresh: set[str] = set()  # records made by this run: not on disk yet, never slimmed

    def read(self, path: Path, display: str, folder_kind: str) -> tuple[SourceFile, Record]:
        """The file's record (loader diagnostics only) and its cached or fresh results."""
        text = str(path)
        rel = text[len(self._prefix):].replace(os.sep, "/") if text.startswith(self._prefix) else \
            path.relative_to(self.root).as_posix()
        if (not self.kept and self.disk is not None and not self.keep_bodies
                and (record := self._unchanged(path, rel, folder_kind))):
            src = self._rebuild(SourceFile(path, display), None, record, rel)
            self.records[path] = (rel, record)
            return src, record
        src, raw, st = read_file(path, display, self.root, self.limits)
        record: Record | None = None
        if raw is not None:
            content = digest(raw)
            status = trusted_status(st)
            if self.disk is not None and (record := self.disk.get(rel, content, folder_kind)) is not None:
                src = self._rebuild(src, raw, record, rel)
                if record[5] != status:  # touched, copied or checked out again: same bytes, new status
                    record[5] = status
                    self.disk.put(rel, record)
            else:
                parse_bytes(src, raw, self.limits)
                record = self._check(src, folder_kind, content, status)
                lazy = src.located.lazy if src.located is not None else None
                if not self.keep_bodies and lazy is not None and src.spans is not None:
                    # Positions not needed yet: read the front matter again if they ever are, rather
                    # than keep its text in memory for every file.
                    src.located.lazy = (_FrontMatter(path, content, src.spans), *lazy[1:])
                if self.disk is not None:
                    self.disk.put(rel, record)
                    self._fresh.add(rel)
                    if src.located is not None:
                        self._located.append((rel, record, src.located))
        else:
            record = self._check(src, folder_kind, b"", None)  # unreadable: nothing worth keeping on disk
        self.records[path] = (rel, record)
        return src, record

    def adopt(self, path: Path, rel: str, record: Record) -> None:
        """The record of a file this run takes as the previous run made it (the preview)."""
        self.records[path] = (rel, record)
        if self.disk is not None:
            self.disk.seen(rel)

    def _unchanged(self, path: Path, rel: str, folder_kind: str) -> Record | None:
        """The cached record of a file whose status is the one kept with it, if it holds
        everything this run needs; the file is then not read."""
        assert self.disk is not None
        record = self.disk.peek(rel)
        if record is None or record[5] is None or record[1] != folder_kind:
            return None
        if self.content_key is not None and record[3] is not None and record[3][0] is not None and (
                (record[4] or {}).get(CONTENT_RULE, (None,))[0] != self.content_key):
            return None  # an entry whose content-policy findings must be made again: that needs its body
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or status_key(st) != record[5]:
            return None
        self.disk.trust(rel)
        self.unread += 1
        return record

    def _check(self, src: SourceFile, folder_kind: str, content: bytes,
               status: tuple[int, int, int, int, int] | None) -> Record:
        """Parse results and the schema check of a freshly read file, as a record."""
        schema = None
        if src.meta is not None:
            kind = entry_kind(src.meta, folder_kind)
            before = len(src.diagnostics)
            model = validate_entry(src, MODELS[kind])
            if model is not None:
                share_fields_sets(model)
            found = pack(src.diagnostics[before:])
            del src.diagnostics[before:]  # schema findings live in the record; load() adds them
            index: dict[str, int] | None = None
            if model is not None:
                names = self._sections.get(kind)
                if names is None:
                    names = self._sections[kind] = section_table(self.config.kind(kind).sections)
                position = {id(h): i for i, h in enumerate(src.headings)}
                index = {key: position[id(h)] for key, h in match_sections(src.headings, names).items()}
                index = _INDEXES.setdefault(tuple(index.items()), index)  # most entries match alike
            schema = (model, index, found)
        # Heading texts repeat across entries (the configured sections): shared, they are pickled
        # once per shard.
        flat = tuple(part for h in src.headings
                     for part in (h.level, _intern(h.text) if len(h.text) <= SHORT else h.text, h.line,
                                  h.has_content))
        parse = (src.spans, src.body_line, flat, src.within_limits, src.meta, pack(src.diagnostics))
        memo = None
        if src.located is not None:
            memo = src.located.memo
            if memo is None:
                # Where the title is written, known from the start: the near-duplicate warning
                # (KB310) points at it, and in a first run after workers filled the cache,
                # working its position out would rewrite the shards of thousands of records.
                memo = src.located.memo = src.located.key_memo("title")
            src.located.memo_grew = False  # kept with the record from the start
        return [content, folder_kind, parse, schema, None, status, memo]

    def _rebuild(self, src: SourceFile, raw: bytes | None, record: Record, rel: str) -> SourceFile:
        """This run's SourceFile from a record: the body cut out of the bytes when they were read
        (and bodies are kept), the front matter's positions read again only when asked for."""
        spans, body_line, headings, within, meta, diags = record[2]
        src.body_line, src.within_limits, src.spans = body_line, within, spans
        if self.keep_bodies:
            src.headings = [Heading(*headings[i:i + 4]) for i in range(0, len(headings), 4)]
        if spans is not None:
            text = decode(raw) if raw is not None else None
            if text is not None:  # without kept bodies, load() drops it once the content policy had it
                src.body = text[spans[2]:]
            if isinstance(meta, dict):
                src.meta = meta
                front = text[spans[0]:max(spans[0], spans[1] - 1)] if text is not None else \
                    _FrontMatter(src.path, record[0], spans)
                src.located = Located(data=meta, start=Position(2, 1), memo=record[6],
                                      lazy=(front, 1, self.limits.max_yaml_nodes, self.limits.max_yaml_depth))
                if self.disk is not None:
                    self._located.append((rel, record, src.located))
        src.diagnostics = unpack(src.display, diags)
        return src

    def release(self, path: Path) -> None:
        """The entry of `path` is made: without bodies (`kb validate`), its cached record's parse and
        schema results are let go (see `ValidationCache.slim`). Records of this run's parses stay
        whole (they are written at the end), as do those a preview keeps between runs."""
        found = self.records.get(path)
        if self.keep_bodies or self.kept or self.disk is None or found is None:
            return
        record = found[1]
        if record[0] and record is self.disk.peek(found[0]) and found[0] not in self._fresh:
            self.disk.slim(record)

    def rel_path(self, path: Path) -> str:
        found = self.records.get(path)
        return found[0] if found is not None else path.relative_to(self.root).as_posix()

    def results(self, src: SourceFile, record: Record) -> tuple[EntryBase | None, Mapping[str, Heading] | None,
                                                                 list[Diagnostic]]:
        """The model, sections and schema diagnostics of a record, for this run's SourceFile.

        Without bodies the sections are read from the flat heading tuple when asked for: nothing
        else reads the headings."""
        schema = record[3]
        if schema is None:
            return None, None, []
        model, index, diags = schema
        sections = None
        if index is not None:
            if self.keep_bodies:
                sections = {key: src.headings[i] for key, i in index.items()}
            else:
                sections = FlatSections(record[2][2], index)
                src.headings = []
        return model, sections, unpack(src.display, diags)

    def findings(self, path: Path, rule: str, key: str) -> tuple[DiagTuple, ...] | None:
        """A per-entry rule's findings about this file, if they were made under `key`."""
        found = self.records.get(path)
        table = found[1][4] if found is not None else None
        kept = table.get(rule) if table else None
        return kept[1] if kept is not None and kept[0] == key else None

    def store_findings(self, path: Path, rule: str, key: str, diags: list[Diagnostic]) -> None:
        found = self.records.get(path)
        if found is None:
            return
        rel, record = found
        # A new table each time (never changed in place), shared by every record with the same
        # findings: most have none, and a shared table is pickled once per shard, not per record.
        table = {**(record[4] or {}), rule: (key, pack(diags))}
        record[4] = _TABLES.setdefault(tuple(sorted(table.items())), table) if not diags else table
        if self.disk is not None and record[0]:
            self.disk.put(rel, record)

    def save(self) -> None:
        """Write what changed; positions worked out by this run's diagnostics go with their records."""
        if self.disk is None:
            return
        for rel, record, located in self._located:
            if located.memo_grew:
                located.memo_grew = False
                record[6] = located.memo
                self.disk.put(rel, record)
        self.disk.save()


class _FrontMatter:
    """The front matter of a file that was not read (its status was unchanged), read when a
    diagnostic needs a position; None if its bytes are no longer the ones the record was made from."""

    __slots__ = ("content", "path", "spans")

    def __init__(self, path: Path, content: bytes, spans: tuple[int, int, int]) -> None:
        self.path, self.content, self.spans = path, content, spans

    def __call__(self) -> str | None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        if digest(raw) != self.content:
            return None
        try:
            text = decode(raw)
        except UnicodeDecodeError:  # pragma: no cover - the record was made from these very bytes
            return None
        start, end, _ = self.spans
        return text[start:max(start, end - 1)]
