"""Which diagnostics a change answers for.

The whole knowledge base is loaded and every rule runs, but a change is reported for:
- every diagnostic in a file the change adds, modifies or renames (and everything, when the
  change touches a registry or kb.yml: they can affect any entry);
- cross-entry diagnostics in other files (dangling references, missing back-links, duplicate
  ids, duplicates of duplicates) whose message names an id the change touches: the ids of the
  changed entries, before and after, and of the deleted ones.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from defectkb.diagnostics import Diagnostic
from defectkb.entries import KnowledgeBase
from defectkb.vcs.changes import name_id

# Codes whose diagnostic sits in one entry but can be caused by a change to another.
CROSS_ENTRY = frozenset({"KB309", "KB405", "KB406", "KB501", "KB504"})
_ID = re.compile(r"(?<![A-Za-z0-9_-])([A-Z][A-Z0-9]*-\d{3,})(?!\d)")


def _key(path: Path | str) -> str:
    return os.path.normpath(os.path.abspath(path))


@dataclass(slots=True)
class Scope:
    files: set[str] = field(default_factory=set)  # normalised absolute paths
    ids: set[str] = field(default_factory=set)
    everything: bool = False


def scope_of(kb: KnowledgeBase, files: Iterable[Path], deleted: Iterable[Path] = (),
             config_file: Path | None = None) -> Scope:
    """The scope of a change to `files` (present now) and `deleted` (gone), all absolute paths."""
    scope = Scope(files={_key(p) for p in files})
    gone = {_key(p) for p in deleted}
    for path in deleted:
        if i := name_id(Path(path).name):
            scope.ids.add(i)
    names = {os.path.basename(p) for p in scope.files}  # cheap pre-filter before normalising paths
    for src in kb.sources:
        if src.path.name in names and _key(src.path) in scope.files:
            if i := name_id(src.path.name):
                scope.ids.add(i)
            if src.meta is not None and isinstance(src.meta.get("id"), str):
                scope.ids.add(src.meta["id"])
    # A changed registry or kb.yml can change the verdict on any entry.
    data = _key(kb.root / kb.config.data_dir) + os.sep
    config = _key(config_file) if config_file is not None else None
    scope.everything = any(p.startswith(data) or p == config for p in scope.files | gone)
    return scope


def select(kb: KnowledgeBase, scope: Scope) -> list[Diagnostic]:
    if scope.everything:
        return list(kb.diagnostics)
    names = {os.path.basename(p) for p in scope.files}
    displays = {src.display for src in kb.sources if src.path.name in names and _key(src.path) in scope.files}
    out = []
    for d in kb.diagnostics:
        mine = d.path in displays or _key(d.path) in scope.files
        if mine or (d.code in CROSS_ENTRY and any(m in scope.ids for m in _ID.findall(d.message))):
            out.append(d)
    return out
