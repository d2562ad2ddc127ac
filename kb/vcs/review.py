"""`kb validate` of a change (`--changed-since REF`) or of named paths: the whole knowledge base
is loaded and every rule runs; the report keeps what the change answers for (see scope.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from defectkb.config import Config, ConfigError
from defectkb.diagnostics import Diagnostic, Report, Severity
from defectkb.knowledgebase import KnowledgeBase, load, resolve
from defectkb.vcs.changes import Change, change_since, work_tree_status
from defectkb.vcs.collisions import check_taken
from defectkb.vcs.git import GitError, open_repo
from defectkb.vcs.scope import scope_of, select


@dataclass(slots=True)
class _Base:
    root: Path
    config_path: Path | None
    targets: list[Path]


def _group(targets: list[Path], report: Report) -> dict[Path, tuple[_Base, Config]]:
    """The knowledge base(s) the targets belong to, each once; kb.yml errors become KB602."""
    bases: dict[Path, tuple[_Base, Config]] = {}
    for target in targets:
        try:
            root, config, config_path = resolve(target)
        except ConfigError as exc:
            report.diagnostics.append(Diagnostic(_shown(exc.path), exc.line, exc.column, "KB602", Severity.ERROR,
                                                 exc.message, "see docs/configuration.md"))
            continue
        base, _ = bases.setdefault(root, (_Base(root, config_path, []), config))
        base.targets.append(target.resolve())
    return bases


def review_paths(targets: list[Path]) -> Report:
    """Named files and folders: their diagnostics, plus cross-entry ones naming their ids.

    A target that is the knowledge base (or contains it) reports everything, as before.
    """
    report = Report()
    for base, config in _group(targets, report).values():
        whole = any(base.root == t or base.root.is_relative_to(t) for t in base.targets)
        added: set[str] | None = None
        if not whole:
            try:
                repo = open_repo(base.root)
                change = work_tree_status(repo, [repo.rel(t) or "." for t in base.targets])
                prefix = _prefix(repo.rel(base.root))
                added = {p[len(prefix):] for p in change.added if p.startswith(prefix)}
            except (GitError, ValueError):
                added = None  # not in a repository: which files are new is not known
        kb = load(base.root, config, added=added)
        report.files += len(kb.sources)
        report.entries += len(kb.entries)
        if whole:
            report.diagnostics += kb.diagnostics
            continue
        # One pass over the sources whatever the number of targets (pre-commit passes many files).
        folders = tuple(f"{t}{os.sep}" for t in base.targets if t.is_dir())
        files = [s.path for s in kb.sources if folders and str(s.path).startswith(folders)]
        files += [t for t in base.targets if t.is_file()]
        report.diagnostics += select(kb, scope_of(kb, files, config_file=base.config_path))
    return report


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _under(path: Path, target: Path) -> bool:
    return path == target or path.is_relative_to(target)


def _prefix(rel: str) -> str:
    return f"{rel}/" if rel else ""


def load_change(target: Path, ref: str, config_path: Path | None = None) -> tuple[KnowledgeBase, Change]:
    """The knowledge base at `target`, loaded with `added` set from the change since `ref`."""
    root, config, found = resolve(target)
    config_path = config_path or found
    repo = open_repo(root)
    content = repo.rel(root)
    spec = [content]
    if config_path is not None and content:
        spec.append(repo.rel(config_path))
    change = change_since(repo, ref, spec)
    prefix = _prefix(content)
    kb = load(root, config, added={p[len(prefix):] for p in change.added if p.startswith(prefix)})
    kb.diagnostics += check_taken(kb, repo, ref, change, content)
    return kb, change


def review_change(targets: list[Path], ref: str) -> tuple[Report, str]:
    """The change since the merge base of HEAD and `ref`: a report and a one-line summary."""
    report = Report()
    notes = []
    for base, _ in _group(targets, report).values():
        kb, change = load_change(base.root, ref, base.config_path)
        repo_root = open_repo(base.root).root
        present = [repo_root / p for p in sorted(change.present)]
        deleted = [repo_root / p for p in sorted(change.deleted)]
        present = [p for p in present if any(_under(p, t) for t in base.targets) or p == base.config_path]
        deleted = [p for p in deleted if any(_under(p, t) for t in base.targets)]
        report.diagnostics += select(kb, scope_of(kb, present, deleted, config_file=base.config_path))
        sources = {s.path for s in kb.sources}
        report.files += sum(1 for p in present if p in sources)
        report.entries += len(kb.entries)
        notes.append(_summary(change, _shown(base.root), ref))
    return report, "; ".join(notes)


def _summary(change: Change, content: str, ref: str) -> str:
    base = change.base[:10]
    parts = [f"{len(change.present)} changed", f"{len(change.added)} added"]
    if change.renamed:
        parts.append(f"{len(change.renamed)} renamed")
    if change.deleted - set(change.renamed.values()):
        parts.append(f"{len(change.deleted - set(change.renamed.values()))} deleted")
    return f"kb: {content or '.'}: {', '.join(parts)} since {ref} (merge base {base})"
