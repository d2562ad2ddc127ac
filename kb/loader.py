"""Reading entry files: bytes → text → front matter (with positions) and body.

Every file is read and parsed exactly once per run; everything later (validation, analytics,
the site) works from the `SourceFile` records made here.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from defectkb.body import Heading, headings
from defectkb.diagnostics import Diagnostic, Position, Severity
from defectkb.policy.limits import BodyLimits, check_body
from defectkb.yamlsimple import SHORT, shared_zone
from defectkb.yamlsource import Located, YamlError, parse
from frontmatter.default_handlers import YAMLHandler

T = TypeVar("T")

_BOUNDARY = YAMLHandler.FM_BOUNDARY  # `---` on a line of its own, as python-frontmatter splits
_CLOSERS = ("---", "...")


@dataclass(slots=True)
class SourceFile:
    """One Markdown file as read from disk."""

    path: Path
    display: str  # the path shown in diagnostics (relative to where the user ran the tool)
    kind: str = ""  # declared kind if valid, else the kind of the folder it is in
    meta: dict[str, Any] | None = None
    located: Located | None = None
    body: str = ""
    body_line: int = 1  # file line where the body starts
    headings: list[Heading] = field(default_factory=list)
    within_limits: bool = True  # False: the body exceeds a resource bound (KB014-KB017, KB820-KB821)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Where the front matter and the body are in the normalised text (front matter start and end,
    # body start): the validation cache cuts them out again without splitting lines.
    spans: tuple[int, int, int] | None = None

    def diag(self, code: str, pos: Position, message: str, hint: str | None = None,
             severity: Severity = Severity.ERROR) -> None:
        self.diagnostics.append(Diagnostic(self.display, pos.line, pos.column, code, severity, message, hint))


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 1_000_000
    max_yaml_nodes: int = 20_000
    max_yaml_depth: int = 32
    body: BodyLimits = field(default_factory=BodyLimits)


def read_file(path: Path, display: str, root: Path,
              limits: Limits) -> tuple[SourceFile, bytes | None, os.stat_result | None]:
    """The file's bytes, or None with a diagnostic on the record when it must not or cannot be
    read; and the file's status as it was before its bytes were read (None for a symlink or an
    unread file): an edit after that changes the status the validation cache keeps,
    so a record is never tied to a status newer than its bytes."""
    src = SourceFile(path, display)
    start = Position(1, 1)
    try:
        link = path.is_symlink()
        if link:
            target = path.resolve()
            if not target.is_relative_to(root.resolve()):
                src.diag("KB010", start, f"symlink points outside the knowledge base (to {target})",
                         "replace the link by the file itself")
                return src, None, None
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size > limits.max_file_bytes:
                src.diag("KB008", start, f"file is {st.st_size:,} bytes; the limit is {limits.max_file_bytes:,}",
                         "move logs and dumps elsewhere and link them, or raise max_file_bytes in kb.yml")
                return src, None, None
            return src, fh.read(), None if link else st
    except OSError as exc:
        src.diag("KB001", start, f"cannot read file: {exc.strerror or exc}")
        return src, None, None


def decode(raw: bytes) -> str:
    """The text as `split_text` sees it, for bytes it accepted: no byte-order mark, `\n` line ends."""
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_bytes(src: SourceFile, raw: bytes, limits: Limits) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        col = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1  # in characters
        src.diag("KB001", Position(line, col), f"not valid UTF-8 (byte 0x{raw[exc.start]:02X})",
                 "save the file as UTF-8")
        return
    split_text(src, text, limits)


def split_text(src: SourceFile, text: str, limits: Limits) -> None:
    if text.startswith("\ufeff"):
        src.diag("KB012", Position(1, 1), "file starts with a UTF-8 byte-order mark",
                 "save as UTF-8 without BOM", Severity.WARNING)
        text = text[1:]
    # CRLF and lone CR are line ends too; normalising keeps line numbers right.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        src.diag("KB002", Position(1, 1), "file is empty", "start from `kb new defect` or `kb new lesson`")
        return
    lines = text.split("\n")
    if not _BOUNDARY.fullmatch(lines[0]):
        later = next((i for i, ln in enumerate(lines) if _BOUNDARY.fullmatch(ln)), None)
        hint = (f"front matter must start on line 1; move the `---` from line {later + 1} to the top"
                if later is not None else "put the YAML metadata between two `---` lines at the top")
        src.diag("KB003", Position(1, 1), "no front matter", hint)
        return
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in _CLOSERS), None)
    if close is None:
        src.diag("KB004", Position(1, 1), "front matter is opened with `---` but never closed",
                 "add a line with just `---` after the last key")
        return
    src.body = "\n".join(lines[close + 1 :])
    src.body_line = close + 2
    fm_start = len(lines[0]) + 1
    fm_end = fm_start + sum(len(ln) + 1 for ln in lines[1:close])
    src.spans = (fm_start, fm_end, fm_end + len(lines[close]) + 1)
    src.headings = headings(src.body, src.body_line)
    for excess in check_body(src.body, limits.body):
        src.within_limits = False
        src.diag(excess.code, Position(src.body_line + excess.line, excess.column), excess.message, excess.hint)
    try:
        located = parse("\n".join(lines[1:close]), line_offset=1,
                        max_nodes=limits.max_yaml_nodes, max_depth=limits.max_yaml_depth)
    except YamlError as exc:
        p = exc.problem
        src.diag(p.code, p.position, p.message, p.hint)
        return
    except RecursionError:  # pragma: no cover - max_yaml_depth stops this first
        src.diag("KB009", Position(2, 1), "front matter nests too deeply")
        return
    for problem in located.problems:
        src.diag(problem.code, problem.position, problem.message, problem.hint)
    if located.data is None:
        src.diag("KB006", Position(1, 1), "front matter is empty", "add the entry's metadata")
        return
    if not isinstance(located.data, dict):
        src.diag("KB006", located.start, f"front matter is a {type(located.data).__name__}, not a mapping",
                 "write one `key: value` per line")
        return
    if not located.usual:  # read line by line, its values are shared already
        located.data = shared(located.data)
    src.located = located
    src.meta = located.data


def shared(data: dict[Any, Any]) -> dict[Any, Any]:
    """`data` with one object for every equal key, short string and time zone across files, instead
    of one per file: every entry repeats the same keys and most of the same values (statuses,
    products, people), and the validation cache pickles a shared object once per shard, not once per
    entry. Equal values, same order: only identities change."""
    out = {}
    for key, value in data.items():
        kind = type(value)
        if kind is str:
            if len(value) <= SHORT:
                value = _intern(value)
        elif kind is dict:
            value = shared(value)
        elif kind is list:
            value = _shared_list(value)
        elif kind is datetime:
            value = shared_zone(value)
        out[_intern(key) if type(key) is str else key] = value
    return out


def _shared_list(items: list[Any]) -> list[Any]:
    out = []
    for value in items:
        kind = type(value)
        if kind is str and len(value) <= SHORT:
            value = _intern(value)
        elif kind is dict:
            value = shared(value)
        elif kind is list:
            value = _shared_list(value)
        out.append(value)
    return out


_intern = sys.intern


@dataclass(slots=True)
class Made:
    """What one load made of a file, for the next load of the same process to take as it is
    while the file is unchanged (`SourceCache.reusable`)."""

    key: tuple[int, int]  # the file's modification time and size when it was read
    kind: str  # the folder's kind
    rel: str  # path inside the content folder
    record: Any  # defectkb.cache.reader.Record
    src: SourceFile  # with the file's own diagnostics (loader and schema); never changed once made
    entry: Any  # defectkb.entries.Entry, or None for a file that is no valid entry
    known_id: str | None  # the id the file claims, valid or not


class SourceCache:
    """What one load made of each file (`Made`), kept for the next load of the same long-lived
    process (the preview server) and taken as it is while the file's modification time and size
    are unchanged: an unchanged file is neither read nor checked again."""

    def __init__(self) -> None:
        self.made: dict[Path, Made] = {}  # what the latest run made of each file
        self.changed: set[Path] = set()  # files read (new or modified) by the latest run
        self.memos: dict[str, Any] = {}  # what rules over the whole set keep from one run to the next
        self.listings = Listings()  # the entry folders' files, listed again only when they change
        self._settings: object = None
        self._registry: tuple[object, Any] | None = None  # (what the registry files were, what they gave)

    @staticmethod
    def stat_key(path: Path) -> tuple[int, int] | None:
        """What tells a changed file from an unchanged one; None when the file cannot be stat'ed."""
        try:
            st = os.stat(path)  # (not Path.stat: 10,000 files per preview rebuild)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def reusable(self, path: Path, kind: str) -> Made | None:
        """What the previous run made of the file, if the file is unchanged since."""
        made = self.made.get(path)
        if made is None or made.kind != kind:
            return None
        return made if self.stat_key(path) == made.key else None

    def registry(self, paths: Sequence[Path], shown: str, read: Callable[[], T]) -> T:
        """`read()`, or what it gave the previous run while none of the registry files at `paths`
        changed (modification time and size, as for entries): the preview reads them once, not on
        every rebuild."""
        key = (shown, tuple(paths), tuple(self.stat_key(p) for p in paths))  # stat first: a later write is seen
        if self._registry is not None and self._registry[0] == key:
            return self._registry[1]  # type: ignore[no-any-return]
        value = read()
        self._registry = (key, value)
        return value

    def begin(self, settings: object = None) -> None:
        """A new run. Under other `settings` (the configuration, where paths are shown from) what
        was made of the files may differ: everything is read and checked again."""
        self.changed = set()
        if settings != self._settings:
            self.made.clear()
            self._settings = settings


# A time this close to the moment a file or directory was read does not tell a later change:
# a change within the same tick of the file system's clock could leave it as it was.
RACY_NS = 3_000_000_000


class Listings:
    """What `walk` found under each folder, kept by a long-lived process (the preview) with the
    modification time of every directory it went through: while none of those changed, no file
    was added, removed or renamed under the folder, and the files are not listed again.

    A listing is kept only if every directory was already RACY_NS old when it was listed: a file
    added in the same tick of the file system's clock as the listing would leave the directory's
    time as it was."""

    def __init__(self) -> None:
        self.walks: dict[Path, tuple[list[tuple[str, int]], list[Path]]] = {}

    def unchanged(self, folder: Path) -> list[Path] | None:
        kept = self.walks.get(folder)
        return list(kept[1]) if kept is not None and Listings.same_times(kept[0]) else None

    @staticmethod
    def same_times(directories: list[tuple[str, int]]) -> bool:
        """Whether every directory still has the modification time it had (none added, removed
        or renamed a file since)."""
        for directory, mtime in directories:
            try:
                if os.stat(directory).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return True

    @staticmethod
    def settled(directories: list[tuple[str, int]], started: int) -> bool:
        """Whether each directory's time was RACY_NS old when the listing `started`: its next change
        will then show as a new time."""
        return bool(directories) and all(mtime < started - RACY_NS for _, mtime in directories)


def walk(folder: Path, listings: Listings | None = None) -> list[Path]:
    """Every file under `folder`, sorted as paths sort (by their parts), without following
    directory symlinks. Sorted on the parts as strings: comparing Path objects costs far more.
    With `listings`, the last walk of an unchanged folder is taken as it is."""
    if listings is not None and (kept := listings.unchanged(folder)) is not None:
        return kept
    started = time.time_ns()
    seen: list[tuple[str, int]] = []
    found: list[tuple[tuple[str, ...], str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        base = Path(dirpath)
        parts = base.parts
        found.extend((parts, f, base) for f in filenames if not f.startswith("."))
        if listings is not None:
            try:  # after the listing: a change since then makes the time too new to trust
                seen.append((dirpath, os.stat(dirpath).st_mtime_ns))
            except OSError:
                seen.append((dirpath, started))
    found.sort(key=lambda item: (*item[0], item[1]))
    result = [base / f for _, f, base in found]
    if listings is not None:
        if Listings.settled(seen, started):
            listings.walks[folder] = (seen, list(result))
        else:
            listings.walks.pop(folder, None)
    return result
