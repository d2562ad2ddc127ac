"""Loading a whole knowledge base once: registries, entries, schema, then the rules.

The layer above `defectkb.rules`: rules see only `defectkb.entries`, never the loader.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from defectkb.cache import parallel, store
from defectkb.cache.reader import CONTENT_RULE, FileReader, Record, entry_kind, unpack
from defectkb.cache.store import ValidationCache, cache_home, cache_key
from defectkb.config import Config, ConfigError, find_config, load_config
from defectkb.diagnostics import Diagnostic, Severity
from defectkb.entries import Entry, KnowledgeBase, Rule
from defectkb.loader import Limits, Listings, Made, SourceCache, SourceFile, walk
from defectkb.models import Defect, Lesson
from defectkb.progress import Progress, Silent
from defectkb.registry import FILES as REGISTRY_FILES
from defectkb.registry import Registry, load_registry
from defectkb.rules import (
    RULES,
    check_consistency,
    check_content,
    check_duplicates,
    check_identity,
    check_lifecycle,
    check_references,
    duplicates,
)
from defectkb.rules.duplicates import MEMO as DUPLICATES_MEMO
from defectkb.rules.duplicates import SearchMemo, Title, is_new, search
from defectkb.rules.references import check_registry_refs

__all__ = ["Entry", "KnowledgeBase", "LoadOptions", "Rule", "collector_paused", "load", "load_options", "load_paths",
           "resolve"]


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How `load` runs when its caller does not say: set by the command line for one command
    (`with load_options(...)`), so that every load inside it uses the cache and shows progress."""

    disk_cache: bool | Path = False  # True: .kb_cache next to kb.yml; a Path: that folder
    progress: Progress | None = None
    # False (`kb validate`): entries come without their body and the headings that are not
    # sections, which only the site and the content policy read; the content policy then runs
    # as the files are read. Files whose status is unchanged are not even read (docs/cache.md).
    # Custom rules that read `entry.source.body` need True.
    keep_bodies: bool = True
    # Processes that may read files without a cached record (`kb validate --jobs`; 1: this one
    # only). Used without kept bodies and with the disk cache: see defectkb.cache.parallel.
    jobs: int = 1


_options: contextvars.ContextVar[LoadOptions | None] = contextvars.ContextVar("defectkb_load_options",
                                                                              default=None)


@contextlib.contextmanager
def load_options(options: LoadOptions) -> Iterator[None]:
    token = _options.set(options)
    try:
        yield
    finally:
        _options.reset(token)

SKIPPED_NAMES = {"index.md", "README.md"}


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        text, prefix = str(path), str(base).rstrip(os.sep) + os.sep
        if text.startswith(prefix):  # the common case, without os.path.relpath's cost
            return text[len(prefix):].replace(os.sep, "/")
        try:
            return os.path.relpath(path, base).replace(os.sep, "/")
        except ValueError:  # pragma: no cover - different drives on Windows
            pass
    return str(path).replace(os.sep, "/")


def resolve(target: Path) -> tuple[Path, Config, Path | None]:
    """Find the content folder and configuration for a path given on the command line.

    With a kb.yml in the path or above it, its `content_dir` is the knowledge base; otherwise
    a folder is taken as the content folder itself (as a copied `content/` is).
    """
    config_path = find_config(target.resolve())
    config = load_config(config_path)
    if config_path is not None:
        content = (config_path.parent / config.content_dir).resolve()
        if target.resolve() == content or target.resolve().is_relative_to(content):
            return content, config, config_path
        if target.is_dir() and (target / config.defect.folder).is_dir():
            return target.resolve(), config, config_path
        return content, config, config_path
    return _find_root(target.resolve(), config), config, None


def _find_root(target: Path, config: Config) -> Path:
    """The nearest folder (this one or above) that looks like a content folder."""
    start = target if target.is_dir() else target.parent
    markers = (config.data_dir, config.defect.folder, config.lesson.folder)
    for folder in (start, *start.parents):
        if any((folder / m).is_dir() for m in markers):
            return folder
    return start


def load(root: Path, config: Config | None = None, *, display_base: Path | None = None,
         rules: list[Rule] | None = None, cache: SourceCache | None = None,
         added: set[str] | None = None, disk_cache: bool | Path | None = None,
         progress: Progress | None = None, keep_bodies: bool | None = None) -> KnowledgeBase:
    """Parse every entry once, check the schema, then run the rules over the whole set.

    With a `cache`, files unchanged since the previous call are not parsed again. With a
    `disk_cache` (True: `.kb_cache` next to kb.yml; a folder: there), each file's parse, schema
    check and content-policy findings are kept on disk, keyed by the file's bytes, the tool's
    version and the configuration; the rules over the whole set run every time. With
    `keep_bodies` false, see `LoadOptions`.
    """
    with collector_paused():
        return _load(root, config, display_base, rules, cache, added, disk_cache, progress, keep_bodies)


def fill_shards(job: dict[str, Any], out: TextIO, requests: BinaryIO | None = None) -> int:
    """A worker's part of a cold run in several processes (defectkb.cache.parallel): the files of
    the groups of cache shards (`job["groups"]`) it claims read, checked by the per-entry rules and
    written to the cache. Prints how many files it has read as it goes, its entries' titles when
    the near-duplicate search will run (`job["search"]`), and `ended`. A worker told to stay
    (`job["stay"]`) then runs that search when its parent sends every title (on `requests`) and
    prints the findings. Returns 0, or 1 when this process would not make the records its parent
    reads."""
    store.use_secret(bytes.fromhex(job["secret"]))
    config = Config.model_validate_json(job["config"])
    if cache_key(config.model_dump_json()) != job["key"]:
        return 1  # another code or configuration: records the parent would ignore
    rules: list[Rule] = [rule for rule in (*PER_ENTRY_RULES, check_registry_refs)
                         if getattr(rule, "__name__", "") in job["rules"]]
    root = Path(job["root"])

    def report(n: int) -> None:
        out.write(f"{n}\n")
        out.flush()

    wanted = job.get("search")  # {"added": paths or None} when the near-duplicate search will run
    added = set(wanted["added"]) if wanted and wanted["added"] is not None else None
    preload = duplicates.Preload() if wanted and job.get("stay") else None

    def titles(kb: KnowledgeBase) -> None:
        out.write(json.dumps({"titles": _titles(kb)}) + "\n")
        if preload is not None:  # this process will search: jieba's dictionary loads meanwhile
            preload.saw(kb)

    _fill(root, config, Path(job["base"]), Path(job["folder"]), rules, job["groups"], job["claims"],
          _entry_files(root, config), _Relay(report), titles if wanted else None, added)
    out.write("ended\n")
    out.flush()
    line = requests.readline() if job.get("stay") and requests is not None else b""
    if line.strip():
        request = json.loads(line)
        found = search([tuple(t) for t in request["titles"]], request["new"])
        out.write(json.dumps({"answer": found}) + "\n")
        out.flush()
    return 0


def _titles(kb: KnowledgeBase) -> list[list[Any]]:
    """What the near-duplicate search reads of each entry read, with whether it is new, keyed by
    the file's path: a worker sends these to its parent as it reads."""
    return [[str(e.source.path), e.id, e.model.title, e.source.display, e.kind, is_new(kb, e)]
            for e in kb.entries]


class _SearchElsewhere:
    """The near-duplicate search a worker runs on every title while this process reads the
    knowledge base back from the records it wrote; its findings are taken only for exactly the
    titles it was sent (`duplicates.Remote`)."""

    def __init__(self, helper: parallel.Helper, titles: list[Title], new: list[bool]) -> None:
        self.helper, self.titles, self.new = helper, titles, new

    def __call__(self, titles: list[Title], new: list[bool]) -> list[duplicates.Finding] | None:
        if titles != self.titles or new != self.new:
            return None  # a file changed meanwhile: searched here
        answer = self.helper.answer()
        try:
            return [(int(i), str(message), str(hint)) for i, message, hint in answer]
        except (TypeError, ValueError):  # no answer (the worker ended) or a garbled one
            return None


def _fill(root: Path, config: Config, base: Path, folder: Path, rules: list[Rule], groups: list[list[int]],
          claims: str, found: list[tuple[str, Path]], relay: _Relay,
          after: Callable[[KnowledgeBase], object] | None = None, added: set[str] | None = None) -> None:
    """Read, check and write to the cache the files of each group of shards this process claims
    (`parallel.claim`), one group at a time so that memory holds only its files: a worker's
    part, or this process's own while its workers read theirs."""
    prefix = str(root).rstrip(os.sep) + os.sep
    group_of = {shard: n for n, group in enumerate(groups) for shard in group}
    files_of: dict[int, list[tuple[str, Path]]] = {}
    for kind, path in found:
        number = group_of.get(ValidationCache.shard_of(_rel(prefix, path)))
        if number is not None:
            files_of.setdefault(number, []).append((kind, path))
    data_dir = root / config.data_dir
    registry = load_registry(data_dir, _display(data_dir, base))
    for number, files in sorted(files_of.items()):
        if parallel.claim(claims, number):
            with collector_paused():
                read = _load(root, config, base, rules, None, added, folder, relay, False, only=files,
                             registry=registry)
            if after is not None:
                after(read)
    relay.flush()


class _Relay:
    """Progress of a share of a cold run: files read, reported every EVERY files to `report` (a
    worker prints them for its parent's progress bar)."""

    EVERY = 64

    def __init__(self, report: Callable[[int], None]) -> None:
        self.report, self.reading, self.count = report, False, 0

    def start(self, doing: str, total: int, unit: str = "files") -> None:
        self.reading = doing == "reading"

    def advance(self, n: int = 1) -> None:
        if self.reading:
            self.count += n
            if self.count >= self.EVERY:
                self.flush()

    def flush(self) -> None:
        if self.count:
            count, self.count = self.count, 0
            self.report(count)

    def finish(self, summary: str) -> None:
        self.flush()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: loading makes millions of objects and no reference
    cycles (a test checks), so they are freed by reference counting, and every collection would
    only walk them again. `kb validate` runs whole inside one (0.3 s of 1.6 at 10,000 entries)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _load(root: Path, config: Config | None, display_base: Path | None, rules: list[Rule] | None,
          cache: SourceCache | None, added: set[str] | None, disk_cache: bool | Path | None,
          progress: Progress | None, keep_bodies: bool | None, *,
          only: list[tuple[str, Path]] | None = None,
          registry: tuple[Registry, list[Diagnostic]] | None = None) -> KnowledgeBase:
    """`load`; with `only`, just those entry files (a worker's part: `fill_shards`), and with
    `registry`, the registry as already read (a share reads it once, not once per group)."""
    config = config or Config()
    defaults = _options.get() or LoadOptions()
    disk_cache = defaults.disk_cache if disk_cache is None else disk_cache
    progress = progress or defaults.progress or Silent()
    keep_bodies = defaults.keep_bodies if keep_bodies is None else keep_bodies
    base = display_base if display_base is not None else Path.cwd()
    data_dir = root / config.data_dir
    if registry is None:
        shown = _display(data_dir, base)
        paths = [data_dir / name for name, _ in REGISTRY_FILES.values()]
        registry = cache.registry(paths, shown, lambda: load_registry(data_dir, shown)) if cache is not None \
            else load_registry(data_dir, shown)
    registry, reg_diags = registry
    kb = KnowledgeBase(root=root, config=config, registry=registry, added=added,
                       memos=cache.memos if cache is not None else None)
    if config.today:
        kb.today = config.today
    kb.diagnostics.extend(reg_diags)
    limits = Limits(config.max_file_bytes, config.max_yaml_nodes, config.max_yaml_depth, config.limits.body())
    found = only if only is not None else _entry_files(root, config, cache.listings if cache is not None else None)
    prefix = str(root).rstrip(os.sep) + os.sep
    disk = None
    elsewhere: _SearchElsewhere | None = None  # the near-duplicate search, run by a worker
    chosen = rules if rules is not None else default_rules()
    if disk_cache is not False:
        cache_dir = cache_home(root) if disk_cache is True else Path(disk_cache)
        disk = ValidationCache(cache_dir, root.resolve(), cache_key(config.model_dump_json()))
        if defaults.jobs > 1 and not keep_bodies and cache is None and only is None:
            ran, elsewhere = _in_parallel(disk, config, root, base, chosen, found, prefix, defaults.jobs, progress,
                                          added)
            if ran:
                disk = ValidationCache(cache_dir, root.resolve(), disk.key)  # what the workers wrote
    content_key = _content_key(kb) if check_content in chosen else None
    if cache is not None:
        cache.begin((root, config, base, keep_bodies, content_key))
    made: dict[Path, Made] = {}  # for the next run of this process (the preview), with a cache
    reader = FileReader(root, config, limits, disk, keep_bodies=keep_bodies, content_key=content_key,
                        kept=cache is not None)
    early = _EarlyContent(kb, reader, content_key) if not keep_bodies else None

    progress.start("reading", len(found), "files")
    for kind, path in found:
        progress.advance()
        kept = cache.reusable(path, kind) if cache is not None and early is None else None
        if kept is not None:  # unchanged since the previous run of this process: taken as it is
            reader.adopt(path, kept.rel, kept.record)
            kb.sources.append(kept.src)
            _admit(kb, kept.src, kept.entry, kept.known_id)
            made[path] = kept
            continue
        display = _display(path, base)
        if path.suffix.lower() != ".md":
            kb.diagnostics.append(Diagnostic(display, 1, 1, "KB011", Severity.WARNING,
                                             f"`{path.name}` is not a Markdown entry",
                                             "move attachments to an assets/ folder outside "
                                             f"{config.kind(kind).folder}/, or rename it to .md"))
            continue
        if path.name in SKIPPED_NAMES:
            continue
        key = cache.stat_key(path) if cache is not None else None  # before reading: a later write is seen
        src, record = reader.read(path, display, kind)
        kb.sources.append(src)
        entry, known_id = _check_schema(src, kind, path, reader, record)
        _admit(kb, src, entry, known_id)
        reader.release(path)
        if cache is not None:
            cache.changed.add(path)
            if key is not None:
                made[path] = Made(key, kind, reader.rel_path(path), record, src, entry, known_id)
        if early is not None:
            early.add(src, entry)
    if cache is not None:
        cache.made = made
    if early is not None:
        early.flush()
    unread = f", {reader.unread:,} not read again" if reader.unread else ""
    cached = f" ({disk.hits:,} from the cache{unread})" if disk is not None and disk.hits else ""
    progress.finish(f"loaded {len(kb.entries):,} entries{cached}")

    progress.start("checking", len(chosen), "rules")
    kept = disk is not None or cache is not None  # somewhere to keep per-entry findings
    for rule in chosen:
        try:
            early_content = rule is check_content and early is not None  # its findings are in the records
            if any(rule is r for r in PER_ENTRY_RULES) and (kept or early_content):
                kb.diagnostics.extend(_per_entry(rule, kb, reader))
                if early_content:
                    kb.diagnostics.extend(early.other)
            elif (rule is check_references or rule is check_registry_refs) and disk is not None:
                kb.diagnostics.extend(rule(kb, _StoredFindings(reader, REGISTRY_RULE)))  # type: ignore[call-arg]
            elif rule is check_duplicates and (disk is not None or cache is not None):
                # Its findings kept under their inputs; in the preview, lookups kept between runs.
                memo = cache.memos.setdefault(DUPLICATES_MEMO, SearchMemo()) if cache is not None else None
                kb.diagnostics.extend(check_duplicates(kb, disk, memo, elsewhere))
            else:
                kb.diagnostics.extend(rule(kb))
        except Exception as exc:  # a bug in one rule must not hide the others' findings
            kb.diagnostics.append(Diagnostic(_display(root, base), 1, 1, "KB900", Severity.ERROR,
                                             f"internal error in rule {getattr(rule, '__name__', rule)}: "
                                             f"{type(exc).__name__}: {exc}",
                                             "please report this with the files that trigger it"))
        progress.advance()
    progress.finish(f"checked {len(kb.entries):,} entries")
    reader.save()
    return kb


def _entry_files(root: Path, config: Config, listings: Listings | None = None) -> list[tuple[str, Path]]:
    found = []
    for kind in ("defect", "lesson"):
        folder = root / config.kind(kind).folder
        if folder.is_dir():
            found.extend((kind, path) for path in walk(folder, listings))
    return found


def _rel(prefix: str, path: Path) -> str:
    text = str(path)
    return text[len(prefix):].replace(os.sep, "/") if text.startswith(prefix) else text


def _in_parallel(disk: ValidationCache, config: Config, root: Path, base: Path, chosen: list[Rule],
                 found: list[tuple[str, Path]], prefix: str, jobs: int, progress: Progress,
                 added: set[str] | None) -> tuple[bool, _SearchElsewhere | None]:
    """Have worker processes fill the cache when many files have no record in it (a cold run);
    whether they ran (`disk` then no longer holds what is on disk), and the near-duplicate search
    one of them then runs while this process reads the records back."""
    shards: set[int] = set()
    missing = 0
    for _kind, path in found:
        rel = _rel(prefix, path)
        if disk.peek(rel) is None:
            missing += 1
            shards.add(ValidationCache.shard_of(rel))
    if missing < parallel.MIN_FILES:
        return False, None
    try:
        disk.prepare()
    except OSError:
        return False, None  # nowhere to write: the workers could not hand anything over
    # The per-file rules, and the per-file half of check_references (its registry findings).
    rules = [rule for rule in chosen if rule in PER_ENTRY_RULES]
    if check_references in chosen:
        rules.append(check_registry_refs)
    job = {"path": sys.path, "root": str(root), "base": str(base), "folder": str(disk.directory),
           "config": config.model_dump_json(), "key": disk.key, "secret": store.secret().hex(),
           "rules": [getattr(rule, "__name__", "") for rule in rules]}

    # The near-duplicate search after the reading: in a worker, or here (jieba's dictionary then
    # loads in the background while this process reads its share).
    searching = check_duplicates in chosen and len(found) <= SEARCH_ELSEWHERE_UP_TO
    preload = duplicates.Preload().saw if check_duplicates in chosen and not searching else None
    if searching:
        job["search"] = {"added": sorted(added) if added is not None else None}
    titles: dict[str, list[Any]] = {}  # per file read: what the search reads of its entry

    def keep_titles(read: list[list[Any]]) -> None:
        for path, *title in read:
            titles[path] = title

    def collect(message: dict[str, Any]) -> None:  # a worker's
        keep_titles(message.get("titles", ()))

    def here(groups: list[list[int]], claims: str, report: Callable[[int], None]) -> None:
        """This process's share, read while the workers read theirs: one worker fewer to start."""
        after = (lambda kb: keep_titles(_titles(kb))) if searching else preload
        _fill(root, config, base, disk.directory, rules, groups, claims, found, _Relay(report), after, added)

    ok, helper = parallel.fill(job, sorted(shards), jobs, missing, progress, here,
                               collect if searching else None, keep=searching)
    if helper is None:
        return True, None
    # Every title in the order this process will hold the entries (the files' order).
    ordered = [titles[key] for _kind, path in found if (key := str(path)) in titles]
    sent = [(t[0], t[1], t[2], t[3]) for t in ordered]
    new = [bool(t[4]) for t in ordered]
    if not ok or not any(new) or not helper.ask({"titles": sent, "new": new}):
        helper.dismiss()
        return True, None
    return True, _SearchElsewhere(helper, sent, new)


def _content_key(kb: KnowledgeBase) -> str:
    """What content-policy findings depend on beyond the entry and kb.yml: the registry's e-mails."""
    emails = "\n".join(sorted(p.email for p in kb.registry.people.values() if p.email))
    return hashlib.blake2b(emails.encode("utf-8"), digest_size=16).hexdigest()


def _own_key(kb: KnowledgeBase) -> str:
    """For findings that depend on nothing beyond the entry, its path and kb.yml (identity)."""
    return ""


def _day_key(kb: KnowledgeBase) -> str:
    """What lifecycle and consistency findings depend on beyond the entry and kb.yml: today's date
    (dates in the future, overdue action items)."""
    return kb.today.isoformat()


# Up to this many entry files, a cold run's near-duplicate search runs in a worker while this
# process reads the records back. The worker then holds jieba's dictionary, every title and their
# index beside this process's whole knowledge base: at 100,000 entries some 0.25 GiB on top of
# about 1 GiB, past the bound kept on `kb validate`'s memory (bench/RESULTS.md). Below it the two
# together stay far under it.
SEARCH_ELSEWHERE_UP_TO = 50_000

REGISTRY_RULE = "registry_refs"  # the cache records' name for check_registry_refs' findings

# Rules whose findings about an entry depend only on that entry, the configuration (in the cache
# key) and what their key function returns: their output is kept per entry with the file's record.
PER_ENTRY_RULES: dict[Rule, Callable[[KnowledgeBase], str]] = {
    check_identity: _own_key, check_lifecycle: _day_key, check_consistency: _day_key, check_content: _content_key,
}


def _per_entry(rule: Rule, kb: KnowledgeBase, reader: FileReader, only_other: bool = False) -> list[Diagnostic]:
    """A per-entry rule's findings, from the records where they are known, else computed for the
    entries that lack them (and stored); in entry order, as one run over every entry gives them.
    With `only_other`, the findings are only stored, and those about no single entry returned."""
    key, name = PER_ENTRY_RULES[rule](kb), getattr(rule, "__name__", str(rule))
    # In the preview, an entry taken as the previous run made it has the findings it had then.
    last = kb.memos.get(name, {}) if kb.memos is not None and not only_other else {}
    known: dict[int, list[Diagnostic]] = {}
    todo: list[Entry] = []
    other: list[Diagnostic] = []
    for entry in kb.entries:
        hit = last.get(id(entry))
        if hit is not None and hit[0] is entry and hit[1] == key:
            known[id(entry)] = hit[2]
            continue
        packed = reader.findings(entry.source.path, name, key)
        if packed is None:
            todo.append(entry)
        else:
            known[id(entry)] = unpack(entry.source.display, packed)
    if todo:
        fresh: dict[str, list[Diagnostic]] = {e.source.display: [] for e in todo}
        for d in rule(replace(kb, entries=todo)):
            if d.path in fresh:
                fresh[d.path].append(d)
            else:  # not about one of its entries: never cached, never dropped
                other.append(d)
        for entry in todo:
            known[id(entry)] = fresh[entry.source.display]
            reader.store_findings(entry.source.path, name, key, fresh[entry.source.display])
    if only_other:
        return other
    if kb.memos is not None:
        kb.memos[name] = {id(e): (e, key, known[id(e)]) for e in kb.entries}
    return [d for entry in kb.entries for d in known[id(entry)]] + other


class _StoredFindings:
    """A rule's findings per file, kept in the files' cache records (`check_references`)."""

    def __init__(self, reader: FileReader, name: str) -> None:
        self.reader, self.name = reader, name

    def get(self, src: SourceFile, key: str) -> list[Diagnostic] | None:
        packed = self.reader.findings(src.path, self.name, key)
        return None if packed is None else unpack(src.display, packed)

    def put(self, src: SourceFile, key: str, found: list[Diagnostic]) -> None:
        self.reader.store_findings(src.path, self.name, key, found)


class _EarlyContent:
    """Without kept bodies, the content policy runs on entries as they are read, a batch at a
    time, and their bodies and other headings are dropped after it: memory then holds no body.
    Its findings go into the records, where the rule's turn finds them (in the same order)."""

    BATCH = 256

    def __init__(self, kb: KnowledgeBase, reader: FileReader, key: str | None) -> None:
        self.kb, self.reader, self.key = kb, reader, key
        self.pending: list[Entry] = []
        self.other: list[Diagnostic] = []  # findings not about one entry, for the rule's turn
        self.failed = False

    def add(self, src: SourceFile, entry: Entry | None) -> None:
        if self.failed:
            return
        if entry is not None and self.key is not None and \
                self.reader.findings(src.path, CONTENT_RULE, self.key) is None:
            self.pending.append(entry)
            if len(self.pending) >= self.BATCH:
                self.flush()
            return
        src.body, src.headings = "", []

    def flush(self) -> None:
        if not self.pending:
            return
        batch = replace(self.kb, entries=self.pending)
        try:
            self.other += _per_entry(check_content, batch, self.reader, only_other=True)
        except Exception:  # the rule's own turn runs it again and reports the failure (KB900)
            self.failed, self.pending = True, []  # keeps the bodies it could not check
            return
        for entry in self.pending:
            entry.source.body, entry.source.headings = "", []
        self.pending = []


_ID_IN_NAME = re.compile(r"^([A-Z][A-Z0-9]*-\d{3,})")


def _check_schema(src: SourceFile, folder_kind: str, path: Path, reader: FileReader,
                  record: Record) -> tuple[Entry | None, str | None]:
    """What one file is on its own: its entry (None unless valid) and the id it claims, its
    schema findings added to its diagnostics."""
    if src.meta is None:
        # Unparseable, but it exists: references to it should not be reported as unknown.
        m = _ID_IN_NAME.match(path.name)
        return None, (m.group(1) if m else None)
    raw_id = src.meta.get("id")
    known_id = raw_id if isinstance(raw_id, str) else None
    src.kind = entry_kind(src.meta, folder_kind)
    # Schema validation and section matching depend only on the file and the configuration:
    # they come with the record, from a cache or freshly made.
    entry_model, sections, found = reader.results(src, record)
    src.diagnostics.extend(found)
    if entry_model is None:
        return None, known_id
    assert isinstance(entry_model, Defect | Lesson) and sections is not None
    return Entry(entry_model, src, sections, reader.rel_path(path)), known_id


def _admit(kb: KnowledgeBase, src: SourceFile, entry: Entry | None, known_id: str | None) -> None:
    """A file joins the set: its diagnostics, the id it claims, its entry unless the id is taken."""
    if known_id is not None:
        kb.known_ids.add(known_id)
    kb.diagnostics.extend(src.diagnostics)
    if entry is None:
        return
    kb.entries.append(entry)
    first = kb.by_id.get(entry.id)
    if first is None:
        kb.by_id[entry.id] = entry
        return
    # Not in the file's own diagnostics: it depends on the other files (and a kept file's are shared).
    message = f"duplicate id `{entry.id}` (also in {first.source.display})"
    kb.diagnostics.append(entry.diag("KB501", entry.pos("id"), message,
                                     "give this entry the next free id; `kb new` picks one"))


def default_rules() -> list[Rule]:
    return list(RULES)


def load_paths(paths: list[Path]) -> tuple[list[KnowledgeBase], list[Diagnostic]]:
    """Load the knowledge base(s) that contain `paths`, each once.

    Returns the loaded bases and diagnostics about the configuration itself.
    """
    bases: dict[Path, KnowledgeBase] = {}
    problems: list[Diagnostic] = []
    for target in paths:
        try:
            root, config, _ = resolve(target)
        except ConfigError as exc:
            problems.append(Diagnostic(_display(exc.path, Path.cwd()), exc.line, exc.column, "KB602",
                                       Severity.ERROR, exc.message, "see docs/configuration.md"))
            continue
        if root not in bases:
            bases[root] = load(root, config)
    return list(bases.values()), problems
