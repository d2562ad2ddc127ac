"""Loading a whole knowledge base once: registries, entries, schema, then the rules.

The layer above `defectkb.rules`: rules see only `defectkb.entries`, never the loader.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from defectkb.body import match_sections, section_table
from defectkb.config import Config, ConfigError, find_config, load_config
from defectkb.diagnostics import Diagnostic, Severity
from defectkb.entries import Entry, KnowledgeBase, Rule
from defectkb.loader import Limits, SourceCache, SourceFile, read_source, walk
from defectkb.models import MODELS, Defect, Lesson
from defectkb.registry import load_registry
from defectkb.rules import RULES
from defectkb.schema_check import validate_entry

__all__ = ["Entry", "KnowledgeBase", "Rule", "load", "load_paths", "resolve"]

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
         added: set[str] | None = None) -> KnowledgeBase:
    """Parse every entry once, check the schema, then run the rules over the whole set.

    With a `cache`, files unchanged since the previous call are not parsed again.
    """
    config = config or Config()
    base = display_base if display_base is not None else Path.cwd()
    data_dir = root / config.data_dir
    registry, reg_diags = load_registry(data_dir, _display(data_dir, base))
    kb = KnowledgeBase(root=root, config=config, registry=registry, added=added)
    if config.today:
        kb.today = config.today
    kb.diagnostics.extend(reg_diags)
    limits = Limits(config.max_file_bytes, config.max_yaml_nodes, config.max_yaml_depth, config.limits.body())
    if cache is not None:
        cache.begin()

    for kind in ("defect", "lesson"):
        folder = root / config.kind(kind).folder
        if not folder.is_dir():
            continue
        for path in walk(folder):
            display = _display(path, base)
            if path.suffix.lower() != ".md":
                kb.diagnostics.append(Diagnostic(display, 1, 1, "KB011", Severity.WARNING,
                                                 f"`{path.name}` is not a Markdown entry",
                                                 "move attachments to an assets/ folder outside "
                                                 f"{config.kind(kind).folder}/, or rename it to .md"))
                continue
            if path.name in SKIPPED_NAMES:
                continue
            src = cache.read(path, display, root, limits) if cache else read_source(path, display, root, limits)
            kb.sources.append(src)
            _check_schema(kb, src, kind, path, cache)
            kb.diagnostics.extend(src.diagnostics)

    for rule in rules if rules is not None else default_rules():
        try:
            kb.diagnostics.extend(rule(kb))
        except Exception as exc:  # a bug in one rule must not hide the others' findings
            kb.diagnostics.append(Diagnostic(_display(root, base), 1, 1, "KB900", Severity.ERROR,
                                             f"internal error in rule {getattr(rule, '__name__', rule)}: "
                                             f"{type(exc).__name__}: {exc}",
                                             "please report this with the files that trigger it"))
    return kb


_ID_IN_NAME = re.compile(r"^([A-Z][A-Z0-9]*-\d{3,})")


def _check_schema(kb: KnowledgeBase, src: SourceFile, folder_kind: str, path: Path,
                  cache: SourceCache | None = None) -> None:
    if src.meta is None:
        # Unparseable, but it exists: references to it should not be reported as unknown.
        if m := _ID_IN_NAME.match(path.name):
            kb.known_ids.add(m.group(1))
        return
    raw_id = src.meta.get("id")
    if isinstance(raw_id, str):
        kb.known_ids.add(raw_id)
    declared = src.meta.get("kind")
    kind = declared if isinstance(declared, str) and declared in MODELS else folder_kind
    src.kind = kind
    # Schema validation and section matching depend only on the file (and the configuration,
    # fixed for a cache's lifetime): an unchanged file reuses the previous result.
    memo = cache.derived.get(path) if cache is not None else None
    if memo is None:
        before = len(src.diagnostics)
        entry_model = validate_entry(src, MODELS[kind])
        sections = None
        if entry_model is not None:
            names = kb.section_names.get(kind)
            if names is None:
                names = kb.section_names[kind] = section_table(kb.config.kind(kind).sections)
            sections = match_sections(src.headings, names)
        memo = (entry_model, sections, src.diagnostics[before:])
        if cache is not None:
            cache.derived[path] = memo
    else:
        src.diagnostics.extend(memo[2])
    entry_model, sections, _ = memo
    if entry_model is None:
        return
    assert isinstance(entry_model, Defect | Lesson) and sections is not None
    entry = Entry(entry_model, src, sections, path.relative_to(kb.root).as_posix())
    kb.entries.append(entry)
    if entry.id in kb.by_id:
        first = kb.by_id[entry.id]
        src.diag("KB501", entry.pos("id"), f"duplicate id `{entry.id}` (also in {first.source.display})",
                 "give this entry the next free id; `kb new` picks one")
    else:
        kb.by_id[entry.id] = entry


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
